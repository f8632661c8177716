// The probe policy: ARM probe -> spec (defaults, legacy numberOfProbes, time scale, 30 s cap)
// and the up/down state machine with an injected clock.
#include "emulator/probes/probe_policy.h"

#include <catch2/catch.hpp>

using namespace azlb::probes;
using json = nlohmann::json;
using std::chrono::milliseconds;

namespace {

Spec spec(std::uint32_t threshold = 2, milliseconds interval = milliseconds(1000)) {
  Spec s;
  s.protocol = Protocol::Http;
  s.port = 80;
  s.interval = interval;
  s.timeout = interval;
  s.threshold = threshold;
  return s;
}

}  // namespace

TEST_CASE("an ARM probe becomes a spec with Azure's defaults", "[probes]") {
  auto tcp = specFromArm({{"protocol", "Tcp"}, {"port", 22}}, 1.0);
  REQUIRE(tcp);
  CHECK(tcp->protocol == Protocol::Tcp);
  CHECK(tcp->interval == milliseconds(15000));
  CHECK(tcp->timeout == milliseconds(15000));
  CHECK(tcp->threshold == 2);  // numberOfProbes' API default
  auto http = specFromArm({{"protocol", "http"}, {"port", 80}, {"requestPath", "health"}, {"intervalInSeconds", 120},
                           {"numberOfProbes", 3}},
                          1.0);
  REQUIRE(http);
  CHECK(http->protocol == Protocol::Http);
  CHECK(http->requestPath == "/health");
  CHECK(http->threshold == 3);                   // legacy numberOfProbes when no probeThreshold
  CHECK(http->timeout == milliseconds(30000));   // the 30 s cap, not the 120 s interval
  auto both = specFromArm({{"protocol", "Https"}, {"port", 443}, {"numberOfProbes", 3}, {"probeThreshold", 1}}, 1.0);
  REQUIRE(both);
  CHECK(both->threshold == 1);  // probeThreshold wins
  CHECK(both->requestPath == "/");
}

TEST_CASE("the time scale shortens intervals and timeouts, not thresholds", "[probes]") {
  auto s = specFromArm({{"protocol", "Http"}, {"port", 80}, {"intervalInSeconds", 5}, {"probeThreshold", 2}}, 0.2);
  REQUIRE(s);
  CHECK(s->interval == milliseconds(1000));
  CHECK(s->timeout == milliseconds(1000));
  CHECK(s->threshold == 2);
}

TEST_CASE("bad probe properties are refused with the property named", "[probes]") {
  auto noProtocol = specFromArm({{"port", 80}}, 1.0);
  REQUIRE_FALSE(noProtocol);
  CHECK(noProtocol.error().message().find("protocol") != std::string::npos);
  auto badPort = specFromArm({{"protocol", "Tcp"}, {"port", 70000}}, 1.0);
  REQUIRE_FALSE(badPort);
  CHECK(badPort.error().message().find("port") != std::string::npos);
  CHECK_FALSE(specFromArm({{"protocol", "Tcp"}, {"port", 80}}, 0.0));
  CHECK_FALSE(specFromArm({{"protocol", "Tcp"}, {"port", 80}}, 2.0));
  CHECK_FALSE(specFromArm({{"protocol", "Http"}, {"port", 80}, {"requestPath", "/a b"}}, 1.0));
  CHECK_FALSE(specFromArm(json::array(), 1.0));
}

TEST_CASE("a backend enters rotation on its first success and leaves after threshold failures", "[probes]") {
  const auto t0 = Clock::now();
  State s(spec(/*threshold=*/2), t0);
  CHECK_FALSE(s.up());
  CHECK(s.nextDue() == t0);  // probed at once
  s.started(t0);
  CHECK(s.nextDue() == t0 + milliseconds(1000));
  CHECK(s.record(Outcome::Success, "HTTP 200", t0));
  CHECK(s.up());
  CHECK_FALSE(s.record(Outcome::Timeout, "no answer", t0 + milliseconds(1000)));
  CHECK(s.up());  // one timeout of two
  CHECK(s.record(Outcome::Timeout, "no answer", t0 + milliseconds(2000)));
  CHECK_FALSE(s.up());
  CHECK(s.consecutiveFailures() == 2);
  CHECK(s.lastOutcome() == Outcome::Timeout);
}

TEST_CASE("a reset or a non-200 status takes a backend out at once", "[probes]") {
  const auto t0 = Clock::now();
  for (Outcome o : {Outcome::Refused, Outcome::BadStatus}) {
    State s(spec(/*threshold=*/5), t0);
    REQUIRE(s.record(Outcome::Success, "", t0));
    CHECK(s.record(o, "", t0 + milliseconds(1000)));
    CHECK_FALSE(s.up());
  }
  // Error (e.g. TLS) counts like a timeout: threshold applies.
  State s(spec(/*threshold=*/2), t0);
  REQUIRE(s.record(Outcome::Success, "", t0));
  CHECK_FALSE(s.record(Outcome::Error, "TLS handshake failed", t0 + milliseconds(1000)));
  CHECK(s.up());
}

TEST_CASE("a flapping backend needs more successes to return, doubling up to 8", "[probes]") {
  auto t = Clock::now();
  // A 10 s interval probed every second here: every fall stays within the 10-interval window.
  State s(spec(/*threshold=*/1, milliseconds(10000)), t);
  auto tick = [&] { t += milliseconds(1000); return t; };
  auto successesToReturn = [&] {
    int n = 0;
    while (!s.up() && n < 20) {
      s.record(Outcome::Success, "", tick());
      ++n;
    }
    return n;
  };
  CHECK(successesToReturn() == 1);  // first time in
  s.record(Outcome::Refused, "", tick());
  CHECK(successesToReturn() == 1);  // one fall: back at once
  s.record(Outcome::Refused, "", tick());
  CHECK(successesToReturn() == 2);  // second fall within 10 intervals
  s.record(Outcome::Refused, "", tick());
  CHECK(successesToReturn() == 4);
  s.record(Outcome::Refused, "", tick());
  CHECK(successesToReturn() == 8);
  s.record(Outcome::Refused, "", tick());
  CHECK(successesToReturn() == 8);  // capped
  // Quiet for longer than 10 intervals: old falls are forgotten.
  t += milliseconds(200000);
  s.record(Outcome::Refused, "", tick());
  CHECK(successesToReturn() == 1);
}

TEST_CASE("azlb's startup interval paces attempts only until the first pass", "[probes]") {
  auto s = specFromArm({{"protocol", "Http"}, {"port", 80}, {"intervalInSeconds", 5}, {"azlbStartupIntervalInSeconds", 1}}, 0.5);
  REQUIRE(s);
  CHECK(s->interval == milliseconds(2500));
  CHECK(s->startupInterval == milliseconds(500));
  CHECK(specFromArm({{"protocol", "Tcp"}, {"port", 80}}, 1.0)->startupInterval == milliseconds(0));
  const Clock::time_point t0{};
  State st(*s, t0);
  st.started(t0);
  CHECK(st.nextDue() == t0 + milliseconds(500));  // the program may still be starting
  st.record(Outcome::Refused, "refused", t0 + milliseconds(1));
  st.started(t0 + milliseconds(500));
  CHECK(st.nextDue() == t0 + milliseconds(1000));
  REQUIRE(st.record(Outcome::Success, "HTTP 200", t0 + milliseconds(501)));
  st.started(t0 + milliseconds(1000));
  CHECK(st.nextDue() == t0 + milliseconds(3500));  // up once: the interval from now on
  REQUIRE(st.record(Outcome::BadStatus, "HTTP 503", t0 + milliseconds(1001)));
  st.started(t0 + milliseconds(3500));
  CHECK(st.nextDue() == t0 + milliseconds(6000));  // out again: still the interval
}
