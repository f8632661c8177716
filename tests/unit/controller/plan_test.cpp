// The manager's compile step: ARM resources (as the service renders them) → VMs, topology and
// per-process snapshots. Inputs are built here by hand in the rendered shape.
#include <catch2/catch.hpp>

#include <set>

#include "emulator/controller/plan.h"

using azlb::controller::Assignments;
using azlb::controller::compile;
using azlb::controller::Inputs;
using azlb::controller::PlanOptions;
using json = nlohmann::json;

namespace {

const std::string kRg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";

json vnet(const std::string& name, const std::string& prefix) {
  return {{"id", kRg + "/virtualNetworks/" + name},
          {"name", name},
          {"properties",
           {{"addressSpace", {{"addressPrefixes", {prefix}}}},
            {"subnets", {{{"id", kRg + "/virtualNetworks/" + name + "/subnets/default"}, {"name", "default"},
                          {"properties", {{"addressPrefix", prefix}}}}}}}}};
}

json nic(const std::string& name, const std::string& vnetName, const std::string& ip, const std::string& pool = "") {
  json cfg = {{"id", kRg + "/networkInterfaces/" + name + "/ipConfigurations/ipconfig1"},
              {"name", "ipconfig1"},
              {"properties",
               {{"privateIPAddress", ip}, {"primary", true},
                {"subnet", {{"id", kRg + "/virtualNetworks/" + vnetName + "/subnets/default"}}}}}};
  if (!pool.empty()) cfg["properties"]["loadBalancerBackendAddressPools"] = {{{"id", pool}}};
  return {{"id", kRg + "/networkInterfaces/" + name}, {"name", name}, {"properties", {{"ipConfigurations", {cfg}}}}};
}

json pip(const std::string& name, const std::string& ip) {
  return {{"id", kRg + "/publicIPAddresses/" + name}, {"name", name}, {"properties", {{"ipAddress", ip}}}};
}

/// A Standard LB with one rule on fe:80 → pool be :8080; pool members are NIC ipconfig ids.
json lb(const std::vector<std::string>& nicNames, json extraAddresses = json::array()) {
  const std::string id = kRg + "/loadBalancers/lb1";
  json configs = json::array();
  for (const auto& n : nicNames) configs.push_back({{"id", kRg + "/networkInterfaces/" + n + "/ipConfigurations/ipconfig1"}});
  json poolProps = {{"backendIPConfigurations", configs}};
  if (!extraAddresses.empty()) poolProps["loadBalancerBackendAddresses"] = extraAddresses;
  return {{"id", id},
          {"name", "lb1"},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"id", id + "/frontendIPConfigurations/fe"}, {"name", "fe"},
               {"properties", {{"publicIPAddress", {{"id", kRg + "/publicIPAddresses/pip1"}}}}}}}},
            {"backendAddressPools", {{{"id", id + "/backendAddressPools/be"}, {"name", "be"}, {"properties", poolProps}}}},
            {"loadBalancingRules",
             {{{"id", id + "/loadBalancingRules/web"},
               {"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080}, {"loadDistribution", "Default"},
                 {"idleTimeoutInMinutes", 4}, {"enableFloatingIP", false},
                 {"frontendIPConfiguration", {{"id", id + "/frontendIPConfigurations/fe"}}},
                 {"backendAddressPools", {{{"id", id + "/backendAddressPools/be"}}}}}}}}},
            {"inboundNatRules", json::array()}}}};
}

Inputs threeBackends() {
  const std::string pool = kRg + "/loadBalancers/lb1/backendAddressPools/be";
  Inputs in;
  in.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  in.networkInterfaces = {nic("nic1", "vnet1", "10.0.0.4", pool), nic("nic2", "vnet1", "10.0.0.5", pool),
                          nic("nic3", "vnet1", "10.0.0.6", pool)};
  in.publicIpAddresses = {pip("pip1", "198.18.0.1")};
  in.loadBalancers = {lb({"nic1", "nic2", "nic3"})};
  return in;
}

PlanOptions testOptions() {
  PlanOptions o;
  o.instance = "t1";
  return o;
}

}  // namespace

TEST_CASE("three NIC backends become three VMs with their own namespace, link and underlay address", "[controller]") {
  auto plan = compile(threeBackends(), testOptions(), {}, 1);
  REQUIRE(plan.vms.size() == 3);
  std::set<std::string> namespaces, underlays, links;
  for (const auto& vm : plan.vms) {
    namespaces.insert(vm.ns);
    underlays.insert(vm.underlay);
    links.insert(vm.hostNs + "/" + vm.hostLink);
    CHECK(vm.ns.rfind("azlbt1-vm", 0) == 0);
    CHECK(vm.gateway == "10.0.0.1");
    CHECK(vm.prefixLength == 24);
    // The PA sits in the range the router sends to the VM's host.
    CHECK(vm.underlay.rfind("100.64." + std::to_string(16 + vm.host) + ".", 0) == 0);
  }
  CHECK(namespaces.size() == 3);
  CHECK(underlays.size() == 3);
  CHECK(links.size() == 3);
  CHECK(azlb::netns_model::validate(plan.topology).has_value());
  CHECK(plan.loadBalancerErrors.empty());
}

TEST_CASE("every MUX and host gets the same rule, with each backend's underlay address as its tunnel target", "[controller]") {
  auto plan = compile(threeBackends(), testOptions(), {}, 7);
  REQUIRE(plan.muxSnapshots.size() == 2);
  REQUIRE(plan.hostSnapshots.size() == 2);
  const auto& rules = plan.muxSnapshots[0].forwarding.rules;
  REQUIRE(rules.size() == 1);
  CHECK(rules[0].frontendIp.toString() == "198.18.0.1");
  CHECK(rules[0].frontendPort == 80);
  CHECK(rules[0].backendPort == 8080);
  REQUIRE(rules[0].backends.size() == 3);
  for (const auto& b : rules[0].backends) {
    auto vm = std::find_if(plan.vms.begin(), plan.vms.end(), [&](const auto& v) { return v.ips[0] == b.ip.toString(); });
    REQUIRE(vm != plan.vms.end());
    CHECK(b.hostIp.toString() == vm->underlay);
  }
  CHECK(plan.muxSnapshots[0].version == 7);
  CHECK(plan.hostSnapshots[1].forwarding.rules.size() == 1);
  // A host lists exactly the (host, VNet) namespaces of the VMs placed on it.
  for (std::uint32_t j = 0; j < 2; ++j) {
    std::set<std::string> expected, got;
    for (const auto& vm : plan.vms)
      if (vm.host == j) expected.insert(vm.hostNs);
    for (const auto& n : plan.hostSnapshots[j].host.vnetNamespaces) got.insert(n.name);
    CHECK(got == expected);
    CHECK(plan.hostSnapshots[j].host.underlayRange == "100.64." + std::to_string(16 + j) + ".0/24");
  }
}

TEST_CASE("links that carry IP-in-IP fit a full-size VM packet plus the outer header", "[controller]") {
  auto plan = compile(threeBackends(), testOptions(), {}, 1);
  const unsigned vmMtu = 1500, outer = 20;
  int underlayLinks = 0;
  for (const auto& veth : plan.topology.veths) {
    const bool underlay = veth.a.name.rfind("mux", 0) == 0 || veth.a.name.rfind("host", 0) == 0;
    if (!underlay) continue;
    ++underlayLinks;
    INFO(veth.a.ns << "/" << veth.a.name);
    CHECK(veth.mtu >= vmMtu + outer);
  }
  CHECK(underlayLinks == 4);  // 2 MUXes + 2 hosts, each one veth to the router
}

TEST_CASE("adding a VM keeps every existing VM's number, namespace and underlay address", "[controller]") {
  auto in = threeBackends();
  auto first = compile(in, testOptions(), {}, 1);
  in.networkInterfaces.push_back(nic("nic4", "vnet1", "10.0.0.7", kRg + "/loadBalancers/lb1/backendAddressPools/be"));
  auto second = compile(in, testOptions(), first.assignments, 2);
  REQUIRE(second.vms.size() == 4);
  for (const auto& before : first.vms) {
    auto after = std::find_if(second.vms.begin(), second.vms.end(), [&](const auto& v) { return v.id == before.id; });
    REQUIRE(after != second.vms.end());
    CHECK(after->ns == before.ns);
    CHECK(after->underlay == before.underlay);
    CHECK(after->host == before.host);
  }
}

TEST_CASE("VNets with overlapping prefixes get separate host namespaces", "[controller]") {
  Inputs in;
  in.virtualNetworks = {vnet("vnetA", "10.0.0.0/24"), vnet("vnetB", "10.0.0.0/24")};
  in.networkInterfaces = {nic("a1", "vnetA", "10.0.0.4"), nic("b1", "vnetB", "10.0.0.4")};
  PlanOptions o = testOptions();
  o.hosts = 1;
  auto plan = compile(in, o, {}, 1);
  REQUIRE(plan.vms.size() == 2);
  CHECK(plan.vms[0].hostNs != plan.vms[1].hostNs);
  CHECK(plan.vms[0].vnet != plan.vms[1].vnet);
  CHECK(plan.hostSnapshots[0].host.vnetNamespaces.size() == 2);
  CHECK(azlb::netns_model::validate(plan.topology).has_value());
}

TEST_CASE("IP-based backend addresses become VMs; one outside every subnet is reported on its load balancer", "[controller]") {
  const std::string pool = kRg + "/loadBalancers/lb1/backendAddressPools/be";
  const std::string vnetId = kRg + "/virtualNetworks/vnet1";
  Inputs in;
  in.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  in.publicIpAddresses = {pip("pip1", "198.18.0.1")};
  json addresses = {{{"name", "vm1"}, {"properties", {{"ipAddress", "10.0.0.4"}, {"virtualNetwork", {{"id", vnetId}}}}}},
                    {{"name", "vm2"}, {"properties", {{"ipAddress", "10.0.0.5"}, {"virtualNetwork", {{"id", vnetId}}}}}}};
  in.loadBalancers = {lb({}, addresses)};
  auto plan = compile(in, testOptions(), {}, 1);
  REQUIRE(plan.vms.size() == 2);
  CHECK(plan.vms[0].name.rfind("vm", 0) == 0);
  REQUIRE(plan.muxSnapshots[0].forwarding.rules.size() == 1);
  CHECK(plan.muxSnapshots[0].forwarding.rules[0].backends.size() == 2);
  CHECK(plan.loadBalancerErrors.empty());

  in.loadBalancers[0]["properties"]["backendAddressPools"][0]["properties"]["loadBalancerBackendAddresses"].push_back(
      {{"name", "lost"}, {"properties", {{"ipAddress", "10.9.0.4"}, {"virtualNetwork", {{"id", vnetId}}}}}});
  auto bad = compile(in, testOptions(), {}, 2);
  REQUIRE(bad.loadBalancerErrors.count(kRg + "/loadBalancers/lb1") == 1);
  CHECK(bad.loadBalancerErrors.begin()->second.find("10.9.0.4") != std::string::npos);
}

TEST_CASE("a port-range inbound NAT rule becomes one single-backend rule per mapped port", "[controller]") {
  auto in = threeBackends();
  const std::string id = kRg + "/loadBalancers/lb1";
  in.loadBalancers[0]["properties"]["inboundNatRules"] = {
      {{"id", id + "/inboundNatRules/ssh"},
       {"name", "ssh"},
       {"properties",
        {{"protocol", "Tcp"}, {"frontendPortRangeStart", 50000}, {"frontendPortRangeEnd", 50001}, {"backendPort", 22},
         {"frontendIPConfiguration", {{"id", id + "/frontendIPConfigurations/fe"}}},
         {"backendAddressPool", {{"id", id + "/backendAddressPools/be"}}}}}}};
  auto plan = compile(in, testOptions(), {}, 1);
  const auto& rules = plan.muxSnapshots[0].forwarding.rules;
  REQUIRE(rules.size() == 3);  // the LB rule + ports 50000 and 50001 (the range ends before the third backend)
  std::set<int> ports;
  for (const auto& r : rules)
    if (r.kind == azlb::dataplane::RuleKind::InboundNatRule) {
      ports.insert(r.frontendPort);
      CHECK(r.backends.size() == 1);
      CHECK(r.backendPort == 22);
    }
  CHECK(ports == std::set<int>{50000, 50001});
}

namespace {

/// threeBackends() with a probe on the rule; `extra` goes into the probe's properties.
Inputs probedBackends(const json& extra = json::object(), const std::string& sku = "Standard") {
  Inputs in = threeBackends();
  json& lb = in.loadBalancers[0];
  const std::string id = lb["id"];
  json probe = {{"id", id + "/probes/hp"}, {"name", "hp"},
                {"properties", {{"protocol", "Http"}, {"port", 8081}, {"requestPath", "/health"},
                                {"intervalInSeconds", 5}, {"probeThreshold", 2}}}};
  probe["properties"].update(extra);
  lb["properties"]["probes"] = json::array({probe});
  lb["properties"]["loadBalancingRules"][0]["properties"]["probe"] = {{"id", id + "/probes/hp"}};
  lb["sku"] = {{"name", sku}};
  return in;
}

}  // namespace

TEST_CASE("a probed rule puts a backend in rotation only once its host agent reports it up", "[controller][probes]") {
  Inputs in = probedBackends();
  auto first = compile(in, testOptions(), {}, 1);
  REQUIRE(first.probes.size() == 3);
  const auto& rule = first.muxSnapshots[0].forwarding.rules.at(0);
  for (const auto& b : rule.backends) CHECK_FALSE(b.healthy);  // nothing probed yet
  // Each probe goes to the agent of the VM's host, in the VM's (host, VNet) namespace.
  std::size_t entries = 0;
  for (const auto& snap : first.hostSnapshots) {
    for (const auto& e : snap.host.probes) {
      ++entries;
      auto vm = std::find_if(first.vms.begin(), first.vms.end(), [&](const auto& v) { return v.ips[0] == e.ip.toString(); });
      REQUIRE(vm != first.vms.end());
      CHECK(vm->host == snap.host.index);
      CHECK(e.ns == vm->hostNs);
      CHECK(e.probe.value("port", 0) == 8081);
      CHECK(e.probe.value("requestPath", "") == "/health");
    }
  }
  CHECK(entries == 3);

  in.probeUp[first.probes[0].key] = true;
  in.probeUp[first.probes[1].key] = false;
  auto second = compile(in, testOptions(), first.assignments, 2);
  int healthy = 0;
  for (const auto& b : second.muxSnapshots[1].forwarding.rules.at(0).backends) {
    const bool expected = b.id == first.probes[0].backend;
    CHECK(b.healthy == expected);
    healthy += b.healthy ? 1 : 0;
  }
  CHECK(healthy == 1);
  CHECK(second.probes[0].up);
  CHECK_FALSE(second.probes[1].up);
}

TEST_CASE("a rule without a probe keeps every backend in rotation", "[controller][probes]") {
  auto plan = compile(threeBackends(), testOptions(), {}, 1);
  CHECK(plan.probes.empty());
  for (const auto& b : plan.muxSnapshots[0].forwarding.rules.at(0).backends) CHECK(b.healthy);
  for (const auto& s : plan.hostSnapshots) CHECK(s.host.probes.empty());
}

TEST_CASE("noHealthyBackendsBehavior AllProbedUp puts every backend in rotation when all are down", "[controller][probes]") {
  auto plan = compile(probedBackends({{"noHealthyBackendsBehavior", "AllProbedUp"}}), testOptions(), {}, 1);
  for (const auto& b : plan.muxSnapshots[0].forwarding.rules.at(0).backends) CHECK(b.healthy);
  // ...but not while one of them is up.
  Inputs in = probedBackends({{"noHealthyBackendsBehavior", "AllProbedUp"}});
  in.probeUp[plan.probes[2].key] = true;
  auto some = compile(in, testOptions(), plan.assignments, 2);
  int healthy = 0;
  for (const auto& b : some.muxSnapshots[0].forwarding.rules.at(0).backends) healthy += b.healthy ? 1 : 0;
  CHECK(healthy == 1);
}

TEST_CASE("Basic load balancers drop established TCP flows when every backend is down; Standard keeps them", "[controller][probes]") {
  CHECK(compile(probedBackends(json::object(), "Standard"), testOptions(), {}, 1).muxSnapshots[0].forwarding.rules.at(0).keepTcpFlowsWhenAllDown);
  CHECK_FALSE(compile(probedBackends(json::object(), "Basic"), testOptions(), {}, 1).muxSnapshots[0].forwarding.rules.at(0).keepTcpFlowsWhenAllDown);
}

TEST_CASE("the probe time scale reaches every snapshot", "[controller][probes]") {
  PlanOptions o = testOptions();
  o.probeTimeScale = 0.1;
  auto plan = compile(probedBackends(), o, {}, 1);
  for (const auto& s : plan.hostSnapshots) CHECK(s.probeTimeScale == Approx(0.1));
}

namespace {

/// A Standard LB whose pool holds three IP-based addresses (a1..a3, 10.0.0.4-6) with the given
/// adminStates ("" leaves it out), and whose rule uses an Http probe.
Inputs addressBackends(const std::vector<std::string>& adminStates, const json& probeExtra = json::object()) {
  const std::string vnetId = kRg + "/virtualNetworks/vnet1";
  Inputs in;
  in.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  in.publicIpAddresses = {pip("pip1", "198.18.0.1")};
  json addresses = json::array();
  for (size_t i = 0; i < adminStates.size(); ++i) {
    json a = {{"name", "a" + std::to_string(i + 1)},
              {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 4)}, {"virtualNetwork", {{"id", vnetId}}}}}};
    if (!adminStates[i].empty()) a["properties"]["adminState"] = adminStates[i];
    addresses.push_back(a);
  }
  in.loadBalancers = {lb({}, addresses)};
  json& l = in.loadBalancers[0];
  const std::string id = l["id"];
  json probe = {{"id", id + "/probes/hp"}, {"name", "hp"},
                {"properties", {{"protocol", "Tcp"}, {"port", 8080}, {"intervalInSeconds", 5}}}};
  probe["properties"].update(probeExtra);
  l["properties"]["probes"] = json::array({probe});
  l["properties"]["loadBalancingRules"][0]["properties"]["probe"] = {{"id", id + "/probes/hp"}};
  l["sku"] = {{"name", "Standard"}};
  return in;
}

std::map<std::string, bool> rotationByIp(const azlb::controller::Plan& plan) {
  std::map<std::string, bool> out;
  for (const auto& b : plan.muxSnapshots[0].forwarding.rules.at(0).backends) out[b.ip.toString()] = b.healthy;
  return out;
}

}  // namespace

TEST_CASE("adminState Up keeps a probed-down backend in rotation, Down keeps a probed-up one out", "[controller][probes][admin]") {
  Inputs in = addressBackends({"Up", "Down", "None"});
  auto first = compile(in, testOptions(), {}, 1);
  // Nothing probed yet: only the admin-Up address takes new flows.
  CHECK(rotationByIp(first) == std::map<std::string, bool>{{"10.0.0.4", true}, {"10.0.0.5", false}, {"10.0.0.6", false}});
  for (const auto& pl : first.probes) in.probeUp[pl.key] = true;
  auto allUp = compile(in, testOptions(), first.assignments, 2);
  CHECK(rotationByIp(allUp) == std::map<std::string, bool>{{"10.0.0.4", true}, {"10.0.0.5", false}, {"10.0.0.6", true}});
  // The probes themselves still run for every address (Azure keeps probing; only the verdict is overridden).
  CHECK(allUp.probes.size() == 3);
  // The rule's health plan says why.
  REQUIRE(allUp.ruleHealth.size() == 1);
  const auto& h = allUp.ruleHealth[0];
  CHECK(h.rule == kRg + "/loadBalancers/lb1/loadBalancingRules/web");
  CHECK(h.probe == kRg + "/loadBalancers/lb1/probes/hp");
  REQUIRE(h.backends.size() == 3);
  CHECK(h.backends[0].admin == "Up");
  CHECK(h.backends[1].admin == "Down");
  CHECK_FALSE(h.backends[1].inRotation);
  CHECK(h.backends[2].admin == "None");
  CHECK(h.backends[2].inRotation);
  for (const auto& b : h.backends) CHECK_FALSE(b.nic);
  CHECK_FALSE(h.allDownIsUp);
}

TEST_CASE("AllProbedUp puts probed-down backends in rotation but never an admin-Down one", "[controller][probes][admin]") {
  auto plan = compile(addressBackends({"", "Down", ""}, {{"noHealthyBackendsBehavior", "AllProbedUp"}}), testOptions(), {}, 1);
  CHECK(rotationByIp(plan) == std::map<std::string, bool>{{"10.0.0.4", true}, {"10.0.0.5", false}, {"10.0.0.6", true}});
  REQUIRE(plan.ruleHealth.size() == 1);
  CHECK(plan.ruleHealth[0].allDownIsUp);
}

TEST_CASE("rule health lists NIC backends with their ipConfiguration and no rule health without a probe", "[controller][probes]") {
  auto probed = compile(probedBackends(), testOptions(), {}, 1);
  REQUIRE(probed.ruleHealth.size() == 1);
  REQUIRE(probed.ruleHealth[0].backends.size() == 3);
  for (const auto& b : probed.ruleHealth[0].backends) {
    CHECK(b.nic);
    CHECK(b.backend.find("/ipConfigurations/ipconfig1") != std::string::npos);
    CHECK(b.admin == "None");
  }
  CHECK(compile(threeBackends(), testOptions(), {}, 1).ruleHealth.empty());
}

TEST_CASE("a resource that does not parse is reported under its own id, naming the property; the rest still builds", "[controller]") {
  Inputs in = threeBackends();
  json other = in.loadBalancers[0];
  other["id"] = kRg + "/loadBalancers/lb2";
  other["properties"]["loadBalancingRules"][0]["properties"]["backendPort"] = "8080";
  in.loadBalancers.push_back(other);
  json badNic = nic("nic9", "vnet1", "10.0.0.9");
  badNic["properties"]["ipConfigurations"][0]["properties"]["primary"] = "yes";
  in.networkInterfaces.push_back(badNic);
  auto plan = compile(in, testOptions(), {}, 1);
  REQUIRE(plan.loadBalancerErrors.count(kRg + "/loadBalancers/lb2") == 1);
  CHECK(plan.loadBalancerErrors.at(kRg + "/loadBalancers/lb2").find("loadBalancingRules[0].properties.backendPort") != std::string::npos);
  REQUIRE(plan.loadBalancerErrors.count(kRg + "/networkInterfaces/nic9") == 1);
  CHECK(plan.loadBalancerErrors.at(kRg + "/networkInterfaces/nic9").find("properties.primary") != std::string::npos);
  CHECK(plan.loadBalancerErrors.count(kRg + "/loadBalancers/lb1") == 0);
  CHECK(plan.vms.size() == 3);
  CHECK(plan.muxSnapshots[0].forwarding.rules.size() == 1);
}
