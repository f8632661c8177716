#include "emulator/dataplane/flow_table.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <tuple>

using namespace azlb::dataplane;
using namespace std::chrono_literals;

namespace {

FlowKey flow(std::uint16_t srcPort) {
  return FlowKey{Ipv4Address::fromOctets(198, 19, 0, 7), Ipv4Address::fromOctets(198, 18, 0, 10),
                 srcPort, 80, 6};
}

// The test's clock: a number the test moves forward.
struct FakeClock {
  Nanos now{0};
  void advance(Nanos d) { now += d; }
};

}  // namespace

TEST_CASE("flow table finds what was inserted and counts hits and misses",
          "[dataplane][flowtable]") {
  FlowTable<int> table(8);
  FakeClock clock;
  CHECK(table.find(flow(1), clock.now) == nullptr);
  table.insert(flow(1), 11, clock.now, 4min);
  table.insert(flow(2), 22, clock.now, 4min);
  REQUIRE(table.find(flow(1), clock.now) != nullptr);
  CHECK(*table.find(flow(1), clock.now) == 11);
  CHECK(*table.find(flow(2), clock.now) == 22);
  CHECK(table.size() == 2);
  CHECK(table.counters().hits.value() == 3);
  CHECK(table.counters().misses.value() == 1);
  CHECK(table.counters().inserts.value() == 2);

  table.insert(flow(1), 111, clock.now, 4min);  // replace, not a new entry
  CHECK(*table.find(flow(1), clock.now) == 111);
  CHECK(table.size() == 2);
  CHECK(table.counters().inserts.value() == 2);

  CHECK(table.erase(flow(1)));
  CHECK_FALSE(table.erase(flow(1)));
  CHECK(table.find(flow(1), clock.now) == nullptr);
  CHECK(table.size() == 1);
}

TEST_CASE("a flow expires after being idle for its own timeout", "[dataplane][flowtable]") {
  FlowTable<int> table(8);
  FakeClock clock;
  table.insert(flow(1), 1, clock.now, 4min);
  table.insert(flow(2), 2, clock.now, 30min);

  clock.advance(4min - 1ns);
  CHECK(table.find(flow(1), clock.now) != nullptr);  // and the hit refreshes it

  clock.advance(4min - 1ns);
  CHECK(table.find(flow(1), clock.now) != nullptr);

  clock.advance(4min);  // idle exactly its timeout
  CHECK(table.find(flow(1), clock.now) == nullptr);
  CHECK(table.counters().expired.value() == 1);
  CHECK(table.size() == 1);

  CHECK(table.find(flow(2), clock.now) != nullptr);  // 12 minutes idle of its 30
}

TEST_CASE("expireIdle removes idle flows from the least recently used end within its budget",
          "[dataplane][flowtable]") {
  FlowTable<int> table(16);
  FakeClock clock;
  for (std::uint16_t p = 1; p <= 10; ++p) table.insert(flow(p), p, clock.now, 1min);
  clock.advance(30s);
  table.insert(flow(11), 11, clock.now, 1min);
  clock.advance(45s);  // the first ten are 75 s idle, flow 11 is 45 s idle

  CHECK(table.expireIdle(clock.now, 4) == 4);
  CHECK(table.size() == 7);
  CHECK(table.expireIdle(clock.now, 100) == 6);
  CHECK(table.size() == 1);
  CHECK(table.find(flow(11), clock.now) != nullptr);
  CHECK(table.counters().expired.value() == 10);
}

TEST_CASE("a full table evicts the least recently used flow", "[dataplane][flowtable]") {
  FlowTable<int> table(4);
  FakeClock clock;
  for (std::uint16_t p = 1; p <= 4; ++p) {
    table.insert(flow(p), p, clock.now, 4min);
    clock.advance(1s);
  }
  CHECK(table.size() == table.capacity());
  REQUIRE(table.find(flow(1), clock.now) != nullptr);  // 1 is now the most recently used

  table.insert(flow(5), 5, clock.now, 4min);  // evicts 2, the least recently used
  CHECK(table.size() == 4);
  CHECK(table.counters().evicted.value() == 1);
  CHECK(table.find(flow(2), clock.now) == nullptr);
  for (std::uint16_t p : {std::uint16_t{1}, std::uint16_t{3}, std::uint16_t{4}, std::uint16_t{5}}) {
    CHECK(table.find(flow(p), clock.now) != nullptr);
  }

  // When the least recently used entry has already expired, making room counts as expiry.
  clock.advance(10min);
  table.insert(flow(6), 6, clock.now, 4min);
  CHECK(table.counters().expired.value() == 1);
  CHECK(table.counters().evicted.value() == 1);
}

TEST_CASE("flow table capacity is fixed at construction", "[dataplane][flowtable]") {
  FlowTable<int> table(1000);
  FakeClock clock;
  for (std::uint16_t p = 0; p < 5000; ++p) table.insert(flow(p), p, clock.now, 4min);
  CHECK(table.size() == 1000);
  CHECK(table.capacity() == 1000);
  CHECK(table.counters().evicted.value() == 4000);
  // The newest thousand are the ones left.
  for (std::uint16_t p = 4000; p < 5000; ++p) REQUIRE(table.find(flow(p), clock.now) != nullptr);
  table.clear();
  CHECK(table.size() == 0);
  CHECK(table.find(flow(4999), clock.now) == nullptr);

  FlowTable<int> tiny(0);  // rounds up to one entry
  CHECK(tiny.capacity() == 1);
  tiny.insert(flow(1), 1, clock.now, 1min);
  tiny.insert(flow(2), 2, clock.now, 1min);
  CHECK(tiny.find(flow(2), clock.now) != nullptr);
}

TEST_CASE("flow table agrees with a reference model under random operations",
          "[dataplane][flowtable]") {
  // Small capacity and few distinct keys: long probe chains, many removals and reinsertions,
  // which exercises backward-shift deletion.
  constexpr std::size_t kCapacity = 64;
  FlowTable<std::uint32_t> table(kCapacity);
  struct Model {
    std::uint32_t value;
    std::int64_t lastSeen;
    std::int64_t timeout;
  };
  std::map<std::uint16_t, Model> model;
  std::map<std::uint16_t, std::int64_t> order;  // port -> last use tick, for LRU
  std::mt19937 rng(42);
  FakeClock clock;
  std::int64_t tick = 0;

  auto expiredInModel = [&](const Model& m) { return clock.now.count() - m.lastSeen >= m.timeout; };
  auto modelLru = [&] {
    std::uint16_t victim = 0;
    std::int64_t oldest = INT64_MAX;
    for (const auto& [port, used] : order) {
      if (used < oldest) {
        oldest = used;
        victim = port;
      }
    }
    return victim;
  };

  for (int step = 0; step < 50000; ++step) {
    clock.advance(Nanos(rng() % 1000));
    const auto port = static_cast<std::uint16_t>(rng() % 200);
    const int op = static_cast<int>(rng() % 10);
    INFO("step " << step << " op " << op << " port " << port);
    if (op < 5) {
      std::uint32_t* found = table.find(flow(port), clock.now);
      auto it = model.find(port);
      const bool live = it != model.end() && !expiredInModel(it->second);
      REQUIRE((found != nullptr) == live);
      if (live) {
        REQUIRE(*found == it->second.value);
        it->second.lastSeen = clock.now.count();
        order[port] = ++tick;
      } else if (it != model.end()) {
        model.erase(it);
        order.erase(port);
      }
    } else if (op < 9) {
      const auto value = static_cast<std::uint32_t>(rng());
      const Nanos timeout(200 + rng() % 20000);
      if (!model.count(port) && model.size() == kCapacity) {
        const std::uint16_t victim = modelLru();
        model.erase(victim);
        order.erase(victim);
      }
      table.insert(flow(port), value, clock.now, timeout);
      model[port] = Model{value, clock.now.count(), timeout.count()};
      order[port] = ++tick;
    } else {
      REQUIRE(table.erase(flow(port)) == (model.count(port) == 1));
      model.erase(port);
      order.erase(port);
    }
    REQUIRE(table.size() == model.size());
  }
}
