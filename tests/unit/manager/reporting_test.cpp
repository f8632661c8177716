// What `azlb status` reads: the status data says why the data plane is not being built and when
// the manager tries again; probe reports feed the published views.
#include <catch2/catch.hpp>

#include "emulator/manager/reporting.h"

using namespace azlb::manager;
using std::chrono::milliseconds;

TEST_CASE("a failing reconcile shows its last error, the wait and the next retry in the status data",
          "[manager][reporting]") {
  Reporter reporter;
  const Backoff::TimePoint now{std::chrono::hours(2)};
  StatusInputs in;
  in.version = 7;
  in.now = now;
  in.retry = RetryStatus{.failures = 3,
                         .lastError = "applying the topology: RTM_NEWLINK veth azlb0-h0v1: File exists",
                         .delay = milliseconds(800),
                         .nextRetry = now + milliseconds(650)};
  in.processes = {ProcessStatus{.kind = "mux", .index = 0, .ns = "azlb0-mux0", .socket = "s", .log = "l", .pid = 42,
                                .ackedVersion = 6}};
  const auto st = reporter.statusJson(in);
  const auto& r = st.at("reconcile");
  CHECK(r.at("state") == "retrying");
  CHECK(r.at("failures") == 3);
  CHECK(r.at("lastError") == in.retry.lastError);
  CHECK(r.at("retryDelayMs") == 800);
  CHECK(r.at("nextRetryInMs") == 650);
  CHECK(r.at("nextRetryAt").get<std::string>().size() == 20);  // 2026-12-03T08:00:00Z
  // Before any plan was applied the rest is empty, not missing.
  CHECK(st.at("version") == 7);
  CHECK(st.at("vms").empty());
  CHECK(st.at("rules").empty());
  REQUIRE(st.at("processes").size() == 1);
  CHECK(st.at("processes")[0].at("pid") == 42);
  CHECK(st.at("processes")[0].at("snapshot") == 6);
}

TEST_CASE("a reconcile that succeeded shows state ok and no error", "[manager][reporting]") {
  Reporter reporter;
  const auto st = reporter.statusJson(StatusInputs{});
  CHECK(st.at("reconcile").at("state") == "ok");
  CHECK_FALSE(st.at("reconcile").contains("lastError"));
}

TEST_CASE("probe reports are merged, compared with the plan and published", "[manager][reporting]") {
  Reporter reporter;
  azlb::controller::Plan plan;
  plan.probes = {{.key = "p|a", .loadBalancer = "lb", .probe = "p", .backend = "a", .ip = "10.0.0.4", .up = false},
                 {.key = "p|b", .loadBalancer = "lb", .probe = "p", .backend = "b", .ip = "10.0.0.5", .up = false}};
  CHECK_FALSE(reporter.differsFrom(plan));  // never reported counts as down, as compiled
  CHECK(reporter.mergeProbeReports({{.key = "p|a", .up = true, .outcome = "success", .detail = ""}}));
  CHECK_FALSE(reporter.mergeProbeReports({{.key = "p|a", .up = true, .outcome = "success", .detail = ""}}));
  CHECK(reporter.differsFrom(plan));
  CHECK(reporter.probeUp() == std::map<std::string, bool>{{"p|a", true}});

  reporter.publish(plan);
  const auto probes = reporter.probeStatus().at("probes");
  REQUIRE(probes.size() == 2);
  CHECK(probes[0].at("up") == true);
  CHECK(probes[0].at("inRotation") == false);
  CHECK(probes[1].at("detail") == "not probed yet");
  CHECK_THAT(reporter.metricsText(),
             Catch::Contains("backend_ip_address=\"10.0.0.4\"} 100") && Catch::Contains("backend_ip_address=\"10.0.0.5\"} 0"));
}
