// Each load balancer validator (arm-api/service/lb_validators.h) and the shared address helpers
// of network_util.h called directly, on an in-memory State (no Service, no store): one accepted
// input and at least one refused input with its ARM code. validation_test.cpp covers the same
// rules end to end through Service::handle.
#include <catch2/catch.hpp>

#include "arm-api/service/lb_validators.h"
#include "tests/unit/armapi/service_fixture.h"

using namespace azlb::armtest;
using azlb::armapi::ArmResult;
using azlb::armapi::ResourceId;
using azlb::armservice::Resource;
using azlb::armservice::ServiceConfig;
using azlb::armservice::State;
using azlb::armservice::Txn;
namespace net = azlb::armservice::network;

namespace {

template <typename T>
void requireCode(const ArmResult<T>& r, const std::string& code) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
}

/// The detail code of an InvalidRequestFormat (MissingJsonProperty, InvalidJsonTokenType).
template <typename T>
std::string detailCode(const ArmResult<T>& r) {
  REQUIRE_FALSE(r);
  REQUIRE(r.error().code == "InvalidRequestFormat");
  REQUIRE_FALSE(r.error().details.empty());
  return r.error().details[0].code;
}

Resource pipResource(const std::string& name, const std::string& sku, const std::string& ip) {
  json props = json::object();
  if (!ip.empty()) props["ipAddress"] = ip;
  return {pipId(name), "Microsoft.Network/publicIPAddresses", {{"sku", {{"name", sku}}}, {"properties", props}}};
}

/// pip1 and pip2 (Standard, with addresses), bpip (Basic, no address yet), vnet1 10.0.0.0/16 with
/// subnet default 10.0.0.0/24; lb1's draft is prepared from a request on demand.
struct Draft {
  State state;
  Txn tx{state};
  ServiceConfig cfg;
  net::Ctx ctx{tx, cfg};

  Draft() {
    put(pipResource("pip1", "Standard", "198.18.0.1"));
    put(pipResource("pip2", "Standard", "198.18.0.2"));
    put(pipResource("bpip", "Basic", ""));
    json subnet = {{"name", "default"},
                   {"id", subnetId("vnet1", "default")},
                   {"properties", {{"addressPrefix", "10.0.0.0/24"}}}};
    put({vnetId("vnet1"), "Microsoft.Network/virtualNetworks",
         {{"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}, {"subnets", {subnet}}}}}});
  }
  void put(Resource r) {
    const std::string key = net::refKey(r.id);
    state.put(key, std::move(r));
  }
  const Resource* find(const std::string& id) const { return tx.find(net::refKey(id)); }

  ArmResult<net::LbDraft> prepare(const json& request, const Resource* existing = nullptr) {
    return net::prepareLoadBalancer(ctx, *ResourceId::parse(lbId("lb1")), request, existing);
  }
  /// A prepared draft (the request must pass prepareLoadBalancer).
  net::LbDraft draft(const json& request, const Resource* existing = nullptr) {
    auto d = prepare(request, existing);
    INFO(request.dump());
    REQUIRE(d);
    return std::move(*d);
  }
};

json feRef(const std::string& name = "fe") { return idRef(lbChild("lb1", "frontendIPConfigurations", name)); }
json poolRef(const std::string& name = "be") { return idRef(lbChild("lb1", "backendAddressPools", name)); }

json rule(const std::string& name, const std::string& protocol, int frontendPort, int backendPort,
          bool floating = false, const std::string& fe = "fe") {
  return lbRule("lb1", name, protocol, frontendPort,
                {{"backendPort", backendPort}, {"enableFloatingIP", floating}, {"frontendIPConfiguration", feRef(fe)}});
}

/// Standard public LB with frontends fe (pip1) and fe2 (pip2), pool be, and extra properties.
json twoFrontends(const json& extra = json::object()) {
  json lb = publicLb("pip1", extra);
  lb["properties"]["frontendIPConfigurations"].push_back(
      {{"name", "fe2"}, {"properties", {{"publicIPAddress", idRef(pipId("pip2"))}}}});
  return lb;
}

}  // namespace

// --- shared helpers ----------------------------------------------------------------------------

TEST_CASE("lb validators: forEachItem stops at the first refusal and names the item path", "[lb_validators]") {
  json items = json::array({{{"id", "a"}, {"properties", json::object()}}, {{"id", "b"}, {"properties", json::object()}},
                            {{"id", "c"}, {"properties", json::object()}}});
  std::vector<std::string> seen;
  auto r = net::forEachItem(items, "probes", [&](net::LbItem& it) -> ArmResult<bool> {
    seen.push_back(it.id + " " + it.path);
    if (it.id == "b") return azlb::armapi::armFail(azlb::armapi::errors::missingJsonProperty("port", it.path));
    return true;
  });
  CHECK(detailCode(r) == "MissingJsonProperty");
  CHECK(seen == std::vector<std::string>{"a properties.probes[0].properties", "b properties.probes[1].properties"});
  CHECK(net::forEachItem(items, "probes", [](net::LbItem&) -> ArmResult<bool> { return true; }));
}

TEST_CASE("lb validators: requireFields, canonicalProtocol, localRef and requiredFrontend", "[lb_validators]") {
  Draft f;
  auto lb = f.draft(twoFrontends());
  json item = {{"id", lbChild("lb1", "loadBalancingRules", "r")},
               {"properties", {{"protocol", "tCp"}, {"port", nullptr}, {"frontendIPConfiguration", feRef("FE2")}}}};
  net::LbItem it{item, item["properties"], "properties.loadBalancingRules[0].properties", item["id"].get<std::string>()};

  CHECK(net::requireFields(it, {"protocol"}));
  auto missing = net::requireFields(it, {"protocol", "port"});  // null counts as missing
  CHECK(detailCode(missing) == "MissingJsonProperty");
  CHECK_THAT(missing.error().details[0].message, Catch::Contains("'port'") && Catch::Contains(it.path));

  auto proto = net::canonicalProtocol(it, {"Tcp", "Udp", "All"});
  REQUIRE(proto);
  CHECK(*proto == "Tcp");
  CHECK(item["properties"]["protocol"] == "Tcp");
  item["properties"]["protocol"] = "Icmp";
  requireCode(net::canonicalProtocol(it, {"Tcp", "Udp", "All"}), "InvalidParameter");

  auto fe = net::requiredFrontend(lb, it, "Load balancing rule");
  REQUIRE(fe);
  CHECK(*fe == lbChild("lb1", "frontendIPConfigurations", "fe2"));  // canonical casing
  CHECK(item["properties"]["frontendIPConfiguration"] == feRef("fe2"));

  item["properties"].erase("frontendIPConfiguration");
  auto none = net::requiredFrontend(lb, it, "Load balancing rule");
  requireCode(none, "InvalidParameter");
  CHECK(none.error().target == it.path + ".frontendIPConfiguration");

  json wrong = {{"probe", poolRef()}};  // a pool where a probe is expected
  requireCode(net::localRef(wrong, "probe", "probes", lb.poolKeys, it.id, it.path), "InvalidResourceReference");
  json absent = json::object();
  auto nothing = net::localRef(absent, "probe", "probes", lb.probeKeys, it.id, it.path);
  REQUIRE(nothing);
  CHECK_FALSE(nothing->has_value());
}

// --- prepareLoadBalancer -----------------------------------------------------------------------------

TEST_CASE("lb validators: prepareLoadBalancer sets sku, child ids and keys", "[lb_validators]") {
  Draft f;
  json req = publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}}}});
  auto lb = f.draft(req);
  CHECK(lb.sku == "Standard");
  CHECK(lb.tier == "Regional");
  CHECK(lb.standard);
  CHECK(lb.fes[0]["id"] == lbChild("lb1", "frontendIPConfigurations", "fe"));
  CHECK(lb.probes[0]["type"] == "Microsoft.Network/loadBalancers/probes");
  CHECK(lb.poolKeys.count(azlb::armapi::toLower(lbChild("lb1", "backendAddressPools", "be"))) == 1);
  CHECK(f.draft(publicLb("bpip", {}, "basic")).sku == "Basic");

  SECTION("a pool without any frontend") {
    json r = publicLb("pip1");
    r["properties"].erase("frontendIPConfigurations");
    requireCode(f.prepare(r), "LoadBalancerWithoutFrontendIPCantHaveChildResources");
  }
  SECTION("two probes named alike (case-insensitively)") {
    json r = req;
    r["properties"]["probes"].push_back({{"name", "HP"}, {"properties", {{"protocol", "Tcp"}, {"port", 81}}}});
    auto bad = f.prepare(r);
    requireCode(bad, "InvalidRequestFormat");
    CHECK(bad.error().target == "properties.probes[1].name");
  }
  SECTION("an unknown sku") { requireCode(f.prepare(publicLb("pip1", {}, "Premium")), "InvalidParameter"); }
}

// --- frontendIPConfigurations ----------------------------------------------------------------------

TEST_CASE("lb validators: validateFrontends", "[lb_validators]") {
  Draft f;
  SECTION("public frontend: canonical reference, no private address") {
    json req = publicLb("pip1");
    req["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.0.0.9";
    auto lb = f.draft(req);
    REQUIRE(net::validateFrontends(lb));
    CHECK(lb.fes[0]["properties"]["publicIPAddress"] == idRef(pipId("pip1")));
    CHECK_FALSE(lb.fes[0]["properties"].contains("privateIPAddress"));
  }
  SECTION("a Basic public IP gets its address when a Basic frontend first uses it") {
    auto lb = f.draft(publicLb("bpip", {}, "Basic"));
    REQUIRE(net::validateFrontends(lb));
    CHECK(f.find(pipId("bpip"))->body["properties"]["ipAddress"] == "198.18.0.3");
  }
  SECTION("internal Dynamic frontends get the first free addresses after the reserved four") {
    json req = internalLb("vnet1", "default");
    req["properties"]["frontendIPConfigurations"].push_back(
        {{"name", "fe2"}, {"properties", {{"subnet", idRef(subnetId("vnet1", "default"))}}}});
    auto lb = f.draft(req);
    REQUIRE(net::validateFrontends(lb));
    CHECK(lb.fes[0]["properties"]["privateIPAddress"] == "10.0.0.4");
    CHECK(lb.fes[1]["properties"]["privateIPAddress"] == "10.0.0.5");
  }
  SECTION("refusals") {
    auto lb = f.draft(publicLb("bpip"));  // Standard LB, Basic IP
    requireCode(net::validateFrontends(lb), "PublicIPAndLBSkuDoNotMatch");
    json stat = internalLb("vnet1", "default");
    stat["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAllocationMethod"] = "Static";
    stat["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.0.0.2";
    auto lb2 = f.draft(stat);
    requireCode(net::validateFrontends(lb2), "PrivateIPAddressIsReserved");
    json both = publicLb("pip1");
    both["properties"]["frontendIPConfigurations"][0]["properties"]["subnet"] = idRef(subnetId("vnet1", "default"));
    auto lb3 = f.draft(both);
    auto r = net::validateFrontends(lb3);
    requireCode(r, "InvalidParameter");
    CHECK(r.error().target == "properties.frontendIPConfigurations[0].properties");
  }
}

// --- backendAddressPools -----------------------------------------------------------------------------

TEST_CASE("lb validators: validateBackendPools", "[lb_validators]") {
  Draft f;
  auto withAddrs = [](const json& addrs, const std::string& sku = "Standard", const std::string& pip = "pip1") {
    json lb = publicLb(pip, {}, sku);
    lb["properties"]["backendAddressPools"][0]["properties"] = {{"loadBalancerBackendAddresses", addrs}};
    return lb;
  };
  auto addr = [](const std::string& name, const std::string& ip) {
    return json{{"name", name}, {"properties", {{"ipAddress", ip}, {"virtualNetwork", idRef(vnetId("VNET1"))},
                                                {"adminState", "down"}}}};
  };
  auto lb = f.draft(withAddrs(json::array({addr("a", "10.0.0.10"), addr("b", "10.0.0.11")})));
  REQUIRE(net::validateBackendPools(lb));
  const json& a = lb.pools[0]["properties"]["loadBalancerBackendAddresses"][0]["properties"];
  CHECK(a["virtualNetwork"] == idRef(vnetId("vnet1")));
  CHECK(a["adminState"] == "Down");

  auto dupIp = f.draft(withAddrs(json::array({addr("a", "10.0.0.10"), addr("b", "10.0.0.10")})));
  requireCode(net::validateBackendPools(dupIp), "DuplicateIpAddressInBackendAddressPool");
  auto outside = f.draft(withAddrs(json::array({addr("a", "10.9.0.10")})));
  requireCode(net::validateBackendPools(outside), "LoadBalancerBackendAddressIpNotInVirtualNetwork");
  auto basic = f.draft(withAddrs(json::array({addr("a", "10.0.0.10")}), "Basic", "bpip"));
  requireCode(net::validateBackendPools(basic), "IpBasedBackendAddressPoolNotSupportedOnBasicSku");
  auto noName = f.draft(withAddrs(json::array({{{"properties", {{"ipAddress", "10.0.0.10"}}}}})));
  CHECK(detailCode(net::validateBackendPools(noName)) == "MissingJsonProperty");
}

// --- probes ------------------------------------------------------------------------------------------

TEST_CASE("lb validators: validateProbes", "[lb_validators]") {
  Draft f;
  auto withProbe = [](const json& p) { return publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", p}}}}}); };
  auto lb = f.draft(withProbe({{"protocol", "http"}, {"port", 80}, {"requestPath", "/healthz"}}));
  REQUIRE(net::validateProbes(lb));
  const json& p = lb.probes[0]["properties"];
  CHECK(p["protocol"] == "Http");
  CHECK(p["intervalInSeconds"] == 15);
  CHECK(p["numberOfProbes"] == 2);

  auto tcpPath = f.draft(withProbe({{"protocol", "Tcp"}, {"port", 80}, {"requestPath", "/"}}));
  auto r = net::validateProbes(tcpPath);
  requireCode(r, "InvalidParameter");
  CHECK(r.error().target == "properties.probes[0].properties.requestPath");
  auto noPath = f.draft(withProbe({{"protocol", "Http"}, {"port", 80}}));
  requireCode(net::validateProbes(noPath), "InvalidParameter");
  auto noPort = f.draft(withProbe({{"protocol", "Tcp"}}));
  CHECK(detailCode(net::validateProbes(noPort)) == "MissingJsonProperty");
  json httpsProbe = {{"name", "hp"}, {"properties", {{"protocol", "Https"}, {"port", 443}, {"requestPath", "/"}}}};
  auto https = f.draft(publicLb("bpip", {{"probes", json::array({httpsProbe})}}, "Basic"));
  requireCode(net::validateProbes(https), "InvalidParameter");
}

// --- loadBalancingRules (and the HA ports check) -------------------------------------------------------

TEST_CASE("lb validators: validateRules records ports and applies defaults", "[lb_validators]") {
  Draft f;
  auto lb = f.draft(twoFrontends({{"loadBalancingRules", {lbRule("lb1", "r", "all", 80)}}}));
  REQUIRE(net::validateRules(lb));
  const json& p = lb.rules[0]["properties"];
  CHECK(p["backendPort"] == 80);  // defaults to the frontend port
  CHECK(p["idleTimeoutInMinutes"] == 4);
  CHECK(p["enableFloatingIP"] == false);
  CHECK(p["backendAddressPools"] == json::array({poolRef()}));
  REQUIRE(lb.ports.size() == 2);  // All = Tcp + Udp
  CHECK(lb.ports[0].protocol == "Tcp");
  CHECK(lb.ports[1].protocol == "Udp");
  CHECK(lb.ports[0].first == 80);

  auto port0 = f.draft(publicLb("pip1", {{"loadBalancingRules", {rule("r", "Tcp", 0, 0)}}}));
  requireCode(net::validateRules(port0), "InvalidParameter");
  auto haPublic = f.draft(publicLb("pip1", {{"loadBalancingRules", {rule("r", "All", 0, 0)}}}));
  auto r = net::validateRules(haPublic);
  requireCode(r, "InvalidParameter");
  CHECK(r.error().target == "properties.loadBalancingRules[0].properties.protocol");
  auto noFe = f.draft(publicLb("pip1", {{"loadBalancingRules", {rule("r", "Tcp", 80, 80, false, "nofe")}}}));
  requireCode(net::validateRules(noFe), "InvalidResourceReference");
}

TEST_CASE("lb validators: checkHaPorts", "[lb_validators]") {
  Draft f;
  auto internal = f.draft(internalLb("vnet1", "default"));
  auto pub = f.draft(publicLb("pip1"));
  json item = {{"id", "r"}, {"properties", json::object()}};
  net::LbItem it{item, item["properties"], "p", "r"};
  const std::string fe = lbChild("lb1", "frontendIPConfigurations", "fe");
  CHECK(net::checkHaPorts(internal, it, fe, "All", 0, 0));
  CHECK(net::checkHaPorts(pub, it, fe, "Tcp", 80, 8080));
  requireCode(net::checkHaPorts(pub, it, fe, "All", 0, 0), "InvalidParameter");
  requireCode(net::checkHaPorts(internal, it, fe, "All", 0, 80), "InvalidParameter");
  internal.standard = false;
  requireCode(net::checkHaPorts(internal, it, fe, "All", 0, 0), "InvalidParameter");
}

TEST_CASE("lb validators: checkRulesSharingBackendPort (floating IP variants)", "[lb_validators]") {
  Draft f;
  auto check = [&](const json& rules) {
    auto lb = f.draft(twoFrontends({{"loadBalancingRules", rules}}));
    REQUIRE(net::validateRules(lb));
    return net::checkRulesSharingBackendPort(lb);
  };
  CHECK(check({rule("a", "Tcp", 80, 8080), rule("b", "Udp", 81, 8080)}));                  // protocols differ
  CHECK(check({rule("a", "Tcp", 80, 8080), rule("b", "Tcp", 81, 8081)}));                  // ports differ
  CHECK(check({rule("a", "Tcp", 80, 8080, true), rule("b", "Tcp", 81, 8080, true, "fe2")}));  // floating, 2 frontends
  CHECK(check({rule("a", "Tcp", 80, 8080, true), rule("b", "Tcp", 81, 8080, false)}));     // one floating
  auto plain = check({rule("a", "Tcp", 80, 8080), rule("b", "All", 81, 8080)});
  requireCode(plain, "RulesUseSameBackendPortProtocolAndPool");
  CHECK_THAT(plain.error().message, Catch::Contains("/loadBalancingRules/a and ") && Catch::Contains("backend port 8080"));
  requireCode(check({rule("a", "Tcp", 80, 8080, true), rule("b", "Tcp", 81, 8080, true)}),
              "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled");
}

// --- inboundNatRules / inboundNatPools ---------------------------------------------------------------

TEST_CASE("lb validators: validateInboundNatRules", "[lb_validators]") {
  Draft f;
  json ranged = {{"name", "n2"},
                 {"properties", {{"protocol", "Tcp"}, {"frontendPortRangeStart", 3000}, {"frontendPortRangeEnd", 3009},
                                 {"backendPort", 22}, {"frontendIPConfiguration", feRef()}, {"backendAddressPool", poolRef()}}}};
  auto lb = f.draft(publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n1", "Udp", 2200, 22), ranged}}}));
  REQUIRE(net::validateInboundNatRules(lb));
  REQUIRE(lb.ports.size() == 2);
  CHECK(lb.ports[0].first == 2200);
  CHECK(lb.ports[1].first == 3000);
  CHECK(lb.ports[1].last == 3009);
  CHECK(lb.nats[1]["properties"]["frontendPort"] == 0);
  CHECK(lb.nats[0]["properties"]["enableTcpReset"] == false);

  json noPool = ranged;
  noPool["properties"].erase("backendAddressPool");
  auto bad = f.draft(publicLb("pip1", {{"inboundNatRules", {noPool}}}));
  auto r = net::validateInboundNatRules(bad);
  requireCode(r, "InvalidParameter");
  CHECK(r.error().target == "properties.inboundNatRules[0].properties.backendAddressPool");
  json reversed = ranged;
  reversed["properties"]["frontendPortRangeEnd"] = 2999;
  auto rev = f.draft(publicLb("pip1", {{"inboundNatRules", {reversed}}}));
  requireCode(net::validateInboundNatRules(rev), "InvalidParameter");
  json noBackendPort = {{"name", "n"},
                        {"properties", {{"protocol", "Tcp"}, {"frontendPort", 1}, {"frontendIPConfiguration", feRef()}}}};
  auto noBackend = f.draft(publicLb("pip1", {{"inboundNatRules", json::array({noBackendPort})}}));
  CHECK(detailCode(net::validateInboundNatRules(noBackend)) == "MissingJsonProperty");
}

TEST_CASE("lb validators: validateInboundNatPools", "[lb_validators]") {
  Draft f;
  auto pool = [](int start, int end) {
    return json{{"name", "np"},
                {"properties", {{"protocol", "All"}, {"frontendPortRangeStart", start}, {"frontendPortRangeEnd", end},
                                {"backendPort", 22}, {"frontendIPConfiguration", feRef()}}}};
  };
  auto lb = f.draft(publicLb("pip1", {{"inboundNatPools", {pool(5000, 5010)}}}));
  REQUIRE(net::validateInboundNatPools(lb));
  REQUIRE(lb.ports.size() == 2);
  CHECK(lb.ports[0].last == 5010);
  CHECK(lb.natPools[0]["properties"]["idleTimeoutInMinutes"] == 4);

  auto reversed = f.draft(publicLb("pip1", {{"inboundNatPools", {pool(5010, 5000)}}}));
  requireCode(net::validateInboundNatPools(reversed), "InvalidParameter");
  json noBackend = pool(5000, 5010);
  noBackend["properties"].erase("backendPort");
  auto missing = f.draft(publicLb("pip1", {{"inboundNatPools", {noBackend}}}));
  CHECK(detailCode(net::validateInboundNatPools(missing)) == "MissingJsonProperty");
}

TEST_CASE("lb validators: checkFrontendPortsUnique", "[lb_validators]") {
  Draft f;
  auto lb = f.draft(publicLb("pip1"));
  net::addPortUse(lb.ports, "fe", "Tcp", 80, 80, "rule");
  net::addPortUse(lb.ports, "fe", "All", 0, 0, "ha");       // HA ports stand apart
  net::addPortUse(lb.ports, "fe", "Udp", 70, 90, "pool");   // other protocol
  net::addPortUse(lb.ports, "fe2", "Tcp", 70, 90, "pool2");  // other frontend
  net::addPortUse(lb.ports, "fe", "Tcp", 81, 90, "nat");    // adjacent, no overlap
  CHECK(net::checkFrontendPortsUnique(lb));
  net::addPortUse(lb.ports, "fe", "All", 85, 85, "late");
  auto r = net::checkFrontendPortsUnique(lb);
  requireCode(r, "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort");
  CHECK_THAT(r.error().message, Catch::StartsWith("Rules pool and late") && Catch::Contains("protocol Udp and frontend port 85"));
}

// --- outboundRules -------------------------------------------------------------------------------------

TEST_CASE("lb validators: validateOutboundRules and checkOutboundFrontends", "[lb_validators]") {
  Draft f;
  auto outbound = [](const std::string& name, const std::string& protocol, const std::vector<json>& fes) {
    return json{{"name", name},
                {"properties", {{"protocol", protocol}, {"backendAddressPool", poolRef()}, {"frontendIPConfigurations", fes}}}};
  };
  auto lb = f.draft(twoFrontends({{"outboundRules", {outbound("o1", "Tcp", {feRef()}), outbound("o2", "Tcp", {feRef("fe2")}),
                                                     outbound("o3", "Udp", {feRef()})}}}));
  REQUIRE(net::validateOutboundRules(lb));
  CHECK(lb.outbound[0]["properties"]["allocatedOutboundPorts"] == 0);
  CHECK(lb.outbound[0]["properties"]["enableTcpReset"] == false);

  auto clash = f.draft(twoFrontends(
      {{"outboundRules", {outbound("o1", "Tcp", {feRef()}), outbound("o2", "All", {feRef("fe2"), feRef()})}}}));
  requireCode(net::validateOutboundRules(clash),
              "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported");
  auto basic = f.draft(publicLb("bpip", {{"outboundRules", {outbound("o1", "Tcp", {feRef()})}}}, "Basic"));
  requireCode(net::validateOutboundRules(basic), "OutboundRulesNotSupportedOnBasicSku");
  auto odd = f.draft(twoFrontends({{"outboundRules", {outbound("o1", "Tcp", {feRef()})}}}));
  odd.outbound[0]["properties"]["allocatedOutboundPorts"] = 12;
  requireCode(net::validateOutboundRules(odd), "SpecifiedAllocatedOutboundPortsForOutboundRuleIsNotAMultipleOfEight");

  std::vector<net::OutboundUse> uses;
  CHECK(net::checkOutboundFrontends(uses, json::array({idRef("/X/fe")}), "Tcp", "a"));
  CHECK(net::checkOutboundFrontends(uses, json::array({idRef("/x/FE")}), "Udp", "b"));
  CHECK(uses.size() == 2);
  requireCode(net::checkOutboundFrontends(uses, json::array({idRef("/x/fe")}), "All", "c"),
              "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported");
}

// --- checks on other resources ---------------------------------------------------------------------------

TEST_CASE("lb validators: checkPublicIpSku", "[lb_validators]") {
  Draft f;
  auto standard = f.draft(publicLb("pip1"));
  auto basic = f.draft(publicLb("bpip", {}, "Basic"));
  CHECK(net::checkPublicIpSku(standard, *f.find(pipId("pip1"))));
  CHECK(net::checkPublicIpSku(basic, *f.find(pipId("bpip"))));
  auto r = net::checkPublicIpSku(basic, *f.find(pipId("pip1")));
  requireCode(r, "PublicIPAndLBSkuDoNotMatch");
  CHECK(r.error().message == "Basic sku load balancer " + lbId("lb1") + " cannot reference Standard sku publicIP " +
                                 pipId("pip1") + ".");
}

TEST_CASE("lb validators: checkRemovedChildrenNotInUse", "[lb_validators]") {
  Draft f;
  json stored = publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n1", "Tcp", 2200, 22)}}});
  auto first = f.draft(stored);
  Resource existing{lbId("lb1"), "Microsoft.Network/loadBalancers",
                    {{"properties", {{"backendAddressPools", first.pools}, {"inboundNatRules", first.nats}}}}};
  json cfg = {{"name", "ipconfig1"},
              {"id", nicId("nic1") + "/ipConfigurations/ipconfig1"},
              {"properties", {{"loadBalancerBackendAddressPools", {poolRef()}},
                              {"loadBalancerInboundNatRules", {idRef(lbChild("lb1", "inboundNatRules", "n1"))}}}}};
  f.put({nicId("nic1"), "Microsoft.Network/networkInterfaces", {{"properties", {{"ipConfigurations", {cfg}}}}}});

  auto same = f.draft(stored, &existing);
  CHECK(net::checkRemovedChildrenNotInUse(same));
  json noNat = stored;
  noNat["properties"].erase("inboundNatRules");
  auto lb = f.draft(noNat, &existing);
  requireCode(net::checkRemovedChildrenNotInUse(lb), "InUseInboundNatRuleCannotBeDeleted");
  json noPool = stored;
  noPool["properties"]["backendAddressPools"] = json::array();
  auto lb2 = f.draft(noPool, &existing);
  auto r = net::checkRemovedChildrenNotInUse(lb2);
  requireCode(r, "InUseBackendAddressPoolCannotBeDeleted");  // pools are checked before NAT rules
  CHECK(r.error().message == "Backend address pool " + lbChild("lb1", "backendAddressPools", "be") + " is in use by " +
                                 nicId("nic1") + "/ipConfigurations/ipconfig1 and cannot be deleted.");
  auto created = f.draft(noPool);  // no stored version: nothing to protect
  CHECK(net::checkRemovedChildrenNotInUse(created));
}

// --- address helpers shared by NIC ipConfigurations and LB frontends (network_util.h) -------------------

TEST_CASE("network util: static and dynamic private addresses, public IP in use, public range", "[lb_validators]") {
  Draft f;
  const std::string subnet = subnetId("vnet1", "default");
  auto prefix = azlb::armapi::parseIpv4Prefix("10.0.0.0/24");
  json cfg = {{"name", "c"}, {"id", nicId("nic9") + "/ipConfigurations/c"},
              {"properties",
               {{"subnet", idRef(subnet)}, {"privateIPAddress", "10.0.0.4"}, {"publicIPAddress", idRef(pipId("pip2"))}}}};
  f.put({nicId("nic9"), "Microsoft.Network/networkInterfaces", {{"properties", {{"ipConfigurations", {cfg}}}}}});

  auto stat = [&](const std::string& ip, const std::string& parent) {
    return net::checkStaticPrivateIp(f.tx, {"IP configuration", parent + "/ipConfigurations/x", parent, ip, subnet, prefix,
                                            "t", "note"});
  };
  auto ok = stat("10.0.0.7", nicId("nic1"));
  REQUIRE(ok);
  CHECK(*ok == *azlb::armapi::parseIpv4("10.0.0.7"));
  CHECK(stat("10.0.0.4", nicId("nic9")));  // its own address
  requireCode(stat("10.0.0.4", nicId("nic1")), "PrivateIPAddressInUse");
  requireCode(stat("10.0.0.4", nicId("nic")), "PrivateIPAddressInUse");  // nic is not a prefix of nic9
  requireCode(stat("10.0.1.4", nicId("nic1")), "PrivateIPAddressNotInSubnet");
  requireCode(stat("10.0.0.x", nicId("nic1")), "PrivateIPAddressInvalid");
  auto reserved = stat("10.0.0.255", nicId("nic1"));
  requireCode(reserved, "PrivateIPAddressIsReserved");
  CHECK(reserved.error().message == "Private IP address 10.0.0.255 is reserved by Azure in subnet " + subnet + " (note).");

  auto dyn = net::dynamicPrivateIp(f.tx, nullptr, "ipConfigurations", "c", subnet, prefix, nicId("nic1"), {});
  REQUIRE(dyn);
  CHECK(dyn->text == "10.0.0.5");  // 10.0.0.4 is nic9's
  Resource old{nicId("nic1"), "Microsoft.Network/networkInterfaces",
               {{"properties", {{"ipConfigurations", {{{"name", "c"}, {"properties", {{"privateIPAddress", "10.0.0.9"}}}}}}}}}};
  auto kept = net::dynamicPrivateIp(f.tx, &old, "ipConfigurations", "C", subnet, prefix, nicId("nic1"), {});
  REQUIRE(kept);
  CHECK(kept->text == "10.0.0.9");
  auto tiny = azlb::armapi::parseIpv4Prefix("10.0.0.0/30");
  requireCode(net::dynamicPrivateIp(f.tx, nullptr, "ipConfigurations", "c", subnet, tiny, nicId("nic1"), {}), "SubnetIsFull");

  std::map<std::string, std::string> here;
  CHECK(net::checkPublicIpFree(f.tx, *f.find(pipId("pip1")), nicId("nic1"), "a", here));
  requireCode(net::checkPublicIpFree(f.tx, *f.find(pipId("pip1")), nicId("nic1"), "b", here), "PublicIPAddressInUse");
  std::map<std::string, std::string> again;
  CHECK(net::checkPublicIpFree(f.tx, *f.find(pipId("pip2")), nicId("nic9"), "c", again));  // replaced by this PUT
  requireCode(net::checkPublicIpFree(f.tx, *f.find(pipId("pip2")), nicId("nic1"), "d", again), "PublicIPAddressInUse");

  CHECK(azlb::armapi::formatIpv4(*net::freePublicIp(f.tx, "198.18.0.0/16")) == "198.18.0.3");
  CHECK_FALSE(net::freePublicIp(f.tx, "198.18.0.0/31"));
  CHECK_FALSE(net::freePublicIp(f.tx, "junk"));
}
