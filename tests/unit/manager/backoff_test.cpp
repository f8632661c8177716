// Retry spacing after failed reconciles: exponential from 200 ms, capped at 10 s, reset by success.
#include <catch2/catch.hpp>

#include "emulator/manager/backoff.h"

using azlb::manager::Backoff;
using azlb::manager::BackoffPolicy;
using std::chrono::milliseconds;

TEST_CASE("failures double the wait from 200 ms up to the 10 s cap", "[manager][backoff]") {
  Backoff b;
  Backoff::TimePoint now{};
  std::vector<long long> waits;
  for (int i = 0; i < 9; ++i) {
    waits.push_back(b.failed(now).count());
    CHECK_FALSE(b.due(now + b.delay() - milliseconds(1)));
    CHECK(b.due(now + b.delay()));
    now += b.delay();
  }
  CHECK(waits == std::vector<long long>{200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000});
  CHECK(b.failures() == 9);
}

TEST_CASE("a success resets the wait to the first step", "[manager][backoff]") {
  Backoff b(BackoffPolicy{.first = milliseconds(50), .max = milliseconds(120)});
  Backoff::TimePoint now{};
  CHECK(b.due(now));
  CHECK(b.failed(now) == milliseconds(50));
  CHECK(b.failed(now) == milliseconds(100));
  CHECK(b.failed(now) == milliseconds(120));
  b.succeeded();
  CHECK_FALSE(b.failing());
  CHECK(b.due(now));
  CHECK(b.failed(now) == milliseconds(50));
}
