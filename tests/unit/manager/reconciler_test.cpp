// The manager's reconcile core driven with fakes: ARM resources in, a compiled plan applied and
// pushed, operations completed Succeeded or Failed with the reason, and retries after failures
// spaced out by the backoff (an injected clock, no sleeps).
#include <catch2/catch.hpp>

#include "arm-api/common/resource_id.h"
#include "emulator/manager/reconciler.h"
#include "tests/unit/manager/fakes.h"

using namespace azlb::manager;
using azlb::manager::testing::FakeClock;
using azlb::manager::testing::FakeSnapshots;
using azlb::manager::testing::FakeSource;
using azlb::manager::testing::FakeTopology;
using json = nlohmann::json;
using std::chrono::milliseconds;

namespace {

const std::string kNet = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";
const std::string kLb = kNet + "/loadBalancers/lb1";
const std::string kPool = kLb + "/backendAddressPools/be";

json vnet() {
  return {{"id", kNet + "/virtualNetworks/vnet1"},
          {"name", "vnet1"},
          {"properties",
           {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/24"}}}},
            {"subnets", {{{"id", kNet + "/virtualNetworks/vnet1/subnets/default"}, {"name", "default"},
                          {"properties", {{"addressPrefix", "10.0.0.0/24"}}}}}}}}};
}

json nic(const std::string& name, const std::string& ip) {
  json cfg = {{"id", kNet + "/networkInterfaces/" + name + "/ipConfigurations/ipconfig1"},
              {"name", "ipconfig1"},
              {"properties",
               {{"privateIPAddress", ip}, {"primary", true},
                {"subnet", {{"id", kNet + "/virtualNetworks/vnet1/subnets/default"}}},
                {"loadBalancerBackendAddressPools", {{{"id", kPool}}}}}}};
  return {{"id", kNet + "/networkInterfaces/" + name}, {"name", name}, {"properties", {{"ipConfigurations", {cfg}}}}};
}

/// One rule fe:80 -> be:8080 over NICs nic1 and nic2, plus `extraAddresses` (IP-based members).
json lb(json extraAddresses = json::array()) {
  json pool = {{"backendIPConfigurations",
                {{{"id", kNet + "/networkInterfaces/nic1/ipConfigurations/ipconfig1"}},
                 {{"id", kNet + "/networkInterfaces/nic2/ipConfigurations/ipconfig1"}}}}};
  if (!extraAddresses.empty()) pool["loadBalancerBackendAddresses"] = extraAddresses;
  return {{"id", kLb},
          {"name", "lb1"},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"id", kLb + "/frontendIPConfigurations/fe"}, {"name", "fe"},
               {"properties", {{"publicIPAddress", {{"id", kNet + "/publicIPAddresses/pip1"}}}}}}}},
            {"backendAddressPools", {{{"id", kPool}, {"name", "be"}, {"properties", pool}}}},
            {"loadBalancingRules",
             {{{"id", kLb + "/loadBalancingRules/web"},
               {"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080}, {"idleTimeoutInMinutes", 4},
                 {"frontendIPConfiguration", {{"id", kLb + "/frontendIPConfigurations/fe"}}},
                 {"backendAddressPools", {{{"id", kPool}}}}}}}}},
            {"inboundNatRules", json::array()}}}};
}

void loadResources(FakeSource& source, json lbBody = lb()) {
  source.resources["Microsoft.Network/virtualNetworks"] = {vnet()};
  source.resources["Microsoft.Network/networkInterfaces"] = {nic("nic1", "10.0.0.4"), nic("nic2", "10.0.0.5")};
  source.resources["Microsoft.Network/publicIPAddresses"] = {
      {{"id", kNet + "/publicIPAddresses/pip1"}, {"name", "pip1"}, {"properties", {{"ipAddress", "198.18.0.1"}}}}};
  source.resources["Microsoft.Network/loadBalancers"] = {lbBody};
}

azlb::controller::PlanOptions options() {
  azlb::controller::PlanOptions o;
  o.instance = "u1";
  return o;
}

/// A reconciler over fakes, with a clock the test moves.
struct Rig {
  FakeSource source;
  FakeTopology topology;
  FakeSnapshots snapshots;
  FakeClock clock;
  Reconciler reconciler{source, topology, snapshots, options(), clock.fn()};
};

}  // namespace

TEST_CASE("a change is compiled, applied, pushed and its operation completes Succeeded", "[manager][reconcile]") {
  Rig rig;
  loadResources(rig.source);
  auto ok = rig.reconciler.reconcile({});
  INFO((ok ? std::string() : ok.error().message()));
  REQUIRE(ok);
  REQUIRE(rig.topology.applied.size() == 1);
  std::size_t vmNamespaces = 0;
  for (const auto& vm : rig.reconciler.plan()->vms)
    for (const auto& ns : rig.topology.applied[0].namespaces) vmNamespaces += ns.name == vm.ns;
  CHECK(vmNamespaces == 2);
  CHECK(rig.snapshots.pushedVersions == std::vector<std::uint64_t>{1});
  CHECK(rig.snapshots.muxRules == 1);
  CHECK(rig.reconciler.version() == 1);
  CHECK(rig.reconciler.retryStatus().failures == 0);

  rig.reconciler.completeOperations({{"op-1", {kLb}}, {"op-2", {kNet + "/networkInterfaces/nic1"}}});
  REQUIRE(rig.source.completed.size() == 2);
  CHECK(rig.source.completed[0].first == "op-1");
  CHECK_FALSE(rig.source.completed[0].second.has_value());
  CHECK(rig.source.completed[1].first == "op-2");
  CHECK_FALSE(rig.source.completed[1].second.has_value());
}

TEST_CASE("a load balancer that cannot be compiled completes Failed (400) with the reason; other "
          "changes still succeed",
          "[manager][reconcile]") {
  Rig rig;
  const json outside = {{{"name", "far"},
                         {"properties", {{"ipAddress", "10.9.9.9"},
                                         {"virtualNetwork", {{"id", kNet + "/virtualNetworks/vnet1"}}}}}}};
  loadResources(rig.source, lb(outside));
  REQUIRE(rig.reconciler.reconcile({}));
  rig.reconciler.completeOperations({{"op-lb", {azlb::armapi::toLower(kLb)}},
                                     {"op-nic", {kNet + "/networkInterfaces/nic2"}}});
  REQUIRE(rig.source.completed.size() == 2);
  const auto& lbFailure = rig.source.completed[0].second;
  REQUIRE(lbFailure.has_value());
  CHECK(lbFailure->status == 400);
  CHECK_THAT(lbFailure->message, Catch::Contains("lb1") && Catch::Contains("10.9.9.9"));
  CHECK_FALSE(rig.source.completed[1].second.has_value());
}

TEST_CASE("a failed apply completes the operation Failed (500) with the reason and keeps the last "
          "applied plan",
          "[manager][reconcile]") {
  Rig rig;
  loadResources(rig.source);
  REQUIRE(rig.reconciler.reconcile({}));
  rig.topology.failWith = "RTM_NEWLINK veth azlbu1-h0v0";
  auto failed = rig.reconciler.reconcile({});
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().message(), Catch::StartsWith("applying the topology: RTM_NEWLINK veth azlbu1-h0v0"));
  CHECK(rig.snapshots.pushedVersions == std::vector<std::uint64_t>{1});  // nothing pushed after it
  REQUIRE(rig.reconciler.plan().has_value());
  CHECK(rig.reconciler.plan()->muxSnapshots.at(0).version == 1);

  rig.reconciler.completeOperations({{"op-3", {kLb}}});
  REQUIRE(rig.source.completed.size() == 1);
  const auto& failure = rig.source.completed[0].second;
  REQUIRE(failure.has_value());
  CHECK(failure->status == 500);
  CHECK_THAT(failure->message, Catch::Contains("azlb could not build the data plane") &&
                                   Catch::Contains("RTM_NEWLINK veth azlbu1-h0v0"));
  CHECK(rig.reconciler.retryStatus().lastError == failed.error().message());
}

TEST_CASE("a snapshot that cannot be pushed fails the reconcile with the process's reason",
          "[manager][reconcile]") {
  Rig rig;
  loadResources(rig.source);
  rig.snapshots.failWith = "mux 1 did not take its snapshot within 10 s (see /run/azlb/u1/mux-1.log)";
  REQUIRE_FALSE(rig.reconciler.reconcile({}));
  CHECK_FALSE(rig.reconciler.plan().has_value());
  rig.reconciler.completeOperations({{"op-4", {kLb}}});
  REQUIRE(rig.source.completed.size() == 1);
  REQUIRE(rig.source.completed[0].second.has_value());
  CHECK_THAT(rig.source.completed[0].second->message, Catch::Contains("mux 1 did not take its snapshot"));
}

TEST_CASE("consecutive failures space the retries out up to the cap, new ARM changes are not held "
          "back, and a success resets the spacing",
          "[manager][reconcile][backoff]") {
  Rig rig;
  loadResources(rig.source);
  rig.topology.failWith = "RTM_NEWROUTE 0.0.0.0/0";
  CHECK(rig.reconciler.mayRun(false));
  std::vector<long long> waits;
  for (int attempt = 0; attempt < 8; ++attempt) {
    REQUIRE(rig.reconciler.mayRun(false));
    REQUIRE_FALSE(rig.reconciler.reconcile({}));
    const auto retry = rig.reconciler.retryStatus();
    waits.push_back(retry.delay.count());
    CHECK(retry.failures == static_cast<unsigned>(attempt + 1));
    CHECK(retry.nextRetry == rig.clock.now + retry.delay);
    CHECK(rig.reconciler.retryWanted());
    rig.clock.now += retry.delay - milliseconds(1);
    CHECK_FALSE(rig.reconciler.mayRun(false));  // not yet
    CHECK(rig.reconciler.mayRun(true));         // an ARM change goes through at once
    rig.clock.now += milliseconds(1);
  }
  CHECK(waits == std::vector<long long>{200, 400, 800, 1600, 3200, 6400, 10000, 10000});

  rig.topology.failWith.reset();
  REQUIRE(rig.reconciler.reconcile({}));
  CHECK_FALSE(rig.reconciler.retryWanted());
  CHECK(rig.reconciler.retryStatus().failures == 0);
  CHECK(rig.reconciler.retryStatus().lastError.empty());
  CHECK(rig.reconciler.mayRun(false));

  rig.topology.failWith = "RTM_NEWROUTE 0.0.0.0/0";
  REQUIRE_FALSE(rig.reconciler.reconcile({}));
  CHECK(rig.reconciler.retryStatus().delay == milliseconds(200));
}

TEST_CASE("what the data plane observed goes into the next compile", "[manager][reconcile]") {
  Rig rig;
  loadResources(rig.source);
  REQUIRE(rig.reconciler.reconcile({.probeUp = {}, .muxesDown = {1}}));
  // The router's route to the frontends leaves the downed MUX out.
  std::size_t hops = 0, maxHops = 0;
  for (const auto& r : rig.topology.applied.back().routes) maxHops = std::max(maxHops, r.nexthops.size());
  REQUIRE(rig.reconciler.reconcile({}));
  for (const auto& r : rig.topology.applied.back().routes) hops = std::max(hops, r.nexthops.size());
  CHECK(maxHops == 1);
  CHECK(hops == 2);
}
