// Network security groups through the API: Azure's example body and its six default rules,
// security rules as children, Azure's validation codes, subnet and NIC associations with their
// back-references, delete-in-use protection.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

std::string nsgId(const std::string& rg, const std::string& name) {
  return netId(rg, "networkSecurityGroups", name);
}

/// A security rule's properties: inbound, TCP, from anywhere to `port`.
json ruleProps(int priority, const std::string& port = "80", const std::string& direction = "Inbound") {
  return {{"protocol", "Tcp"},           {"sourceAddressPrefix", "*"}, {"destinationAddressPrefix", "*"},
          {"access", "Allow"},           {"destinationPortRange", port}, {"sourcePortRange", "*"},
          {"priority", priority},        {"direction", direction}};
}

json nsgBody(const json& rules = json::array()) {
  return {{"location", "westus"}, {"properties", {{"securityRules", rules}}}};
}

json namedRule(const std::string& name, const json& props) { return {{"name", name}, {"properties", props}}; }

}  // namespace

TEST_CASE("an NSG as Azure's 2024-05-01 example creates it: the rule back, plus the six default rules", "[nsg]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  // NetworkSecurityGroupCreateWithRule.json's request, verbatim.
  const json request = json::parse(R"({"properties": {"securityRules": [{"name": "rule1", "properties": {
      "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Allow",
      "destinationPortRange": "80", "sourcePortRange": "*", "priority": 130, "direction": "Inbound"}}]},
      "location": "eastus"})");
  Reply nsg = c.putAndWait(nsgId("rg1", "testnsg"), request);
  REQUIRE(nsg.status == 200);
  const json& props = nsg.doc["properties"];
  CHECK(nsg.doc.value("type", "") == "Microsoft.Network/networkSecurityGroups");
  REQUIRE(props["securityRules"].size() == 1);
  const json& rule = props["securityRules"][0];
  CHECK(rule.value("id", "") == nsgId("rg1", "testnsg") + "/securityRules/rule1");
  CHECK(rule["properties"].value("provisioningState", "") == "Succeeded");
  CHECK(subsetMismatch(rule["properties"], request["properties"]["securityRules"][0]["properties"]).empty());
  REQUIRE(props["defaultSecurityRules"].size() == 6);
  std::vector<std::string> names;
  for (const auto& d : props["defaultSecurityRules"]) names.push_back(d.value("name", ""));
  CHECK(names == std::vector<std::string>{"AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
                                          "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"});
  const json& lbRule = props["defaultSecurityRules"][1];
  CHECK(lbRule.value("id", "") == nsgId("rg1", "testnsg") + "/defaultSecurityRules/AllowAzureLoadBalancerInBound");
  CHECK(lbRule["properties"].value("sourceAddressPrefix", "") == "AzureLoadBalancer");
  CHECK(lbRule["properties"].value("priority", 0) == 65001);
  CHECK(!props.contains("subnets"));  // nothing uses it yet
  // Default rules are read on their own, and cannot be changed.
  Reply deny = c.get(nsgId("rg1", "testnsg") + "/defaultSecurityRules/DenyAllInBound");
  REQUIRE(deny.status == 200);
  CHECK(deny.doc["properties"].value("access", "") == "Deny");
  CHECK(c.put(nsgId("rg1", "testnsg") + "/defaultSecurityRules/DenyAllInBound", ruleProps(200)).status == 405);
  // Default rules sent back in a PUT (a GET edited and re-sent) are ignored, not duplicated.
  json resent = nsg.doc;
  resent["properties"]["defaultSecurityRules"][0]["properties"]["access"] = "Deny";
  Reply again = c.putAndWait(nsgId("rg1", "testnsg"), resent);
  auto withoutEtags = [](json rules) {
    for (auto& r : rules) r.erase("etag");  // a new etag on every write
    return rules;
  };
  CHECK(withoutEtags(again.doc["properties"]["defaultSecurityRules"]) == withoutEtags(props["defaultSecurityRules"]));
}

TEST_CASE("security rules have their own PUT, GET and DELETE; enums are stored in Azure's spelling", "[nsg]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  c.putAndWait(nsgId("rg1", "nsg1"), nsgBody());
  json props = ruleProps(300, "8080-8090");
  props["protocol"] = "tcp";
  props["access"] = "allow";
  props["direction"] = "inbound";
  props["sourceAddressPrefix"] = "Internet";
  Reply put = c.putAndWait(nsgId("rg1", "nsg1") + "/securityRules/web", {{"properties", props}});
  REQUIRE(put.status == 200);
  CHECK(put.doc["properties"].value("protocol", "") == "Tcp");
  CHECK(put.doc["properties"].value("access", "") == "Allow");
  CHECK(put.doc["properties"].value("direction", "") == "Inbound");
  Reply nsg = c.get(nsgId("rg1", "nsg1"));
  REQUIRE(nsg.doc["properties"]["securityRules"].size() == 1);
  CHECK(c.get(nsgId("rg1", "nsg1") + "/securityRules").doc["value"].size() == 1);
  c.deleteAndWait(nsgId("rg1", "nsg1") + "/securityRules/web");
  CHECK(c.get(nsgId("rg1", "nsg1")).doc["properties"]["securityRules"].empty());
  CHECK(c.get(nsgId("rg1", "nsg1") + "/securityRules/web").status == 404);
}

TEST_CASE("bad security rules are refused with Azure's codes and nothing is stored", "[nsg]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  c.putAndWait(nsgId("rg1", "nsg1"), nsgBody(json::array({namedRule("a", ruleProps(100))})));
  struct Case {
    const char* what;
    json rules;
    const char* code;
  };
  auto with = [](const char* key, const json& value, int priority = 200) {
    json p = ruleProps(priority);
    p[key] = value;
    return namedRule("b", p);
  };
  json both = ruleProps(200);
  both.erase("destinationPortRange");
  const Case cases[] = {
      {"priority below 100", json::array({with("priority", 99)}), "SecurityRuleInvalidPriority"},
      {"priority above 4096", json::array({with("priority", 4097)}), "SecurityRuleInvalidPriority"},
      {"no priority", json::array({namedRule("b", withoutKey(ruleProps(200), "priority"))}),
       "SecurityRuleInvalidPriority"},
      {"same priority and direction", json::array({namedRule("a", ruleProps(100)), namedRule("b", ruleProps(100, "81"))}),
       "SecurityRuleConflict"},
      {"port above 65535", json::array({with("destinationPortRange", "70000")}), "SecurityRuleInvalidPortRange"},
      {"port range backwards", json::array({with("destinationPortRange", "90-80")}), "SecurityRuleInvalidPortRange"},
      {"port 'any'", json::array({with("sourcePortRange", "any")}), "SecurityRuleInvalidPortRange"},
      {"a bad port in the list", json::array({with("destinationPortRanges", {"80", "x"})}),
       "SecurityRuleInvalidPortRange"},
      {"no destination port", json::array({namedRule("b", both)}), "InvalidRequestFormat"},
      {"prefix with host bits", json::array({with("sourceAddressPrefix", "10.0.0.1/24")}),
       "SecurityRuleInvalidAddressPrefix"},
      {"prefix 'any '", json::array({with("sourceAddressPrefix", "any one")}), "SecurityRuleInvalidAddressPrefix"},
      {"a tag in the plural list", json::array({with("sourceAddressPrefixes", {"10.0.0.0/24", "VirtualNetwork"})}),
       "SecurityRuleParameterContainsUnsupportedValue"},
      {"protocol Http", json::array({with("protocol", "Http")}), "InvalidParameter"},
      {"access Maybe", json::array({with("access", "Maybe")}), "InvalidParameter"},
      {"no direction", json::array({namedRule("b", withoutKey(ruleProps(200), "direction"))}), "InvalidRequestFormat"},
      {"a missing application security group",
       json::array({with("sourceApplicationSecurityGroups",
                         {{{"id", netId("rg1", "applicationSecurityGroups", "nope")}}})}),
       "InvalidResourceReference"},
  };
  for (const auto& k : cases) {
    INFO(k.what);
    Reply r = expectRefusedWithoutChange(c, {nsgId("rg1", "nsg1")},
                                         [&] { return c.put(nsgId("rg1", "nsg1"), nsgBody(k.rules)); });
    CHECK(r.status == 400);
    CHECK(r.code() == k.code);
  }
  // The same priority in the other direction is fine; so are lists, ranges, IPs and tags.
  json out = ruleProps(100, "*", "Outbound");
  json lists = ruleProps(110);
  lists.erase("destinationPortRange");
  lists["destinationPortRanges"] = {"80", "443", "8000-8100"};
  lists.erase("sourceAddressPrefix");
  lists["sourceAddressPrefixes"] = {"198.19.0.7", "198.19.1.0/24"};
  lists["destinationAddressPrefix"] = "VirtualNetwork";
  Reply ok = c.putAndWait(nsgId("rg1", "nsg1"),
                          nsgBody(json::array({namedRule("a", ruleProps(100)), namedRule("out", out), namedRule("lists", lists)})));
  CHECK(ok.status == 200);
  CHECK(ok.doc["properties"]["securityRules"].size() == 3);
}

TEST_CASE("subnets and NICs reference an NSG; it lists them; it cannot be deleted while in use", "[nsg]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  c.putAndWait(nsgId("rg1", "nsg1"), nsgBody(json::array({namedRule("web", ruleProps(100))})));
  const std::string ref = nsgId("rg1", "nsg1");
  json vnet = vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}});
  vnet["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {{"id", ref}};
  Reply v = c.putAndWait(vnetId("rg1", "vnet1"), vnet);
  CHECK(v.doc["properties"]["subnets"][0]["properties"]["networkSecurityGroup"].value("id", "") == ref);
  json nic = nicBody(subnetId("rg1", "vnet1", "default"));
  nic["properties"]["networkSecurityGroup"] = {{"id", ref}};
  Reply n = c.putAndWait(nicId("rg1", "nic1"), nic);
  CHECK(n.doc["properties"]["networkSecurityGroup"].value("id", "") == ref);

  Reply nsg = c.get(ref);
  REQUIRE(nsg.doc["properties"]["subnets"].size() == 1);
  CHECK(nsg.doc["properties"]["subnets"][0].value("id", "") == subnetId("rg1", "vnet1", "default"));
  REQUIRE(nsg.doc["properties"]["networkInterfaces"].size() == 1);
  CHECK(nsg.doc["properties"]["networkInterfaces"][0].value("id", "") == nicId("rg1", "nic1"));

  Reply refused = expectRefusedWithoutChange(c, {ref}, [&] { return c.del(ref); });
  CHECK(refused.status == 400);
  CHECK(refused.code() == "InUseNetworkSecurityGroupCannotBeDeleted");
  CHECK(refused.message().find(nicId("rg1", "nic1")) != std::string::npos);

  // A reference to a group that does not exist is refused, on a subnet and on a NIC.
  json badNic = nicBody(subnetId("rg1", "vnet1", "default"));
  badNic["properties"]["networkSecurityGroup"] = {{"id", nsgId("rg1", "missing")}};
  Reply r1 = expectRefusedWithoutChange(c, {nicId("rg1", "nic2")}, [&] { return c.put(nicId("rg1", "nic2"), badNic); });
  CHECK(r1.code() == "InvalidResourceReference");
  json badVnet = vnet;
  badVnet["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {{"id", nsgId("rg1", "missing")}};
  Reply r2 = expectRefusedWithoutChange(c, {vnetId("rg1", "vnet1")}, [&] { return c.put(vnetId("rg1", "vnet1"), badVnet); });
  CHECK(r2.code() == "InvalidResourceReference");

  // Released by both, it can go.
  c.putAndWait(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default")));
  c.putAndWait(vnetId("rg1", "vnet1"), vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}}));
  CHECK(!c.get(ref).doc["properties"].contains("subnets"));
  c.deleteAndWait(ref);
  CHECK(c.get(ref).status == 404);
}

TEST_CASE("application security groups: NSG rules and NIC ip configurations reference them; missing ones are refused",
          "[nsg][asg]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  const std::string web = netId("rg1", "applicationSecurityGroups", "web");
  Reply asg = c.putAndWait(web, {{"location", "westus"}});
  REQUIRE(asg.status == 200);
  CHECK(asg.doc.value("type", "") == "Microsoft.Network/applicationSecurityGroups");
  json rule = ruleProps(100);
  rule.erase("destinationAddressPrefix");
  rule["destinationApplicationSecurityGroups"] = {{{"id", web}}};
  CHECK(c.putAndWait(nsgId("rg1", "nsg1"), nsgBody(json::array({namedRule("to-web", rule)}))).status == 200);
  json nic = nicBody(subnetId("rg1", "vnet1", "default"));
  nic["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"] = {{{"id", web}}};
  Reply n = c.putAndWait(nicId("rg1", "nic1"), nic);
  CHECK(n.doc["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"][0].value("id", "") == web);
  nic["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"] = {
      {{"id", netId("rg1", "applicationSecurityGroups", "nope")}}};
  Reply bad = expectRefusedWithoutChange(c, {nicId("rg1", "nic1")}, [&] { return c.put(nicId("rg1", "nic1"), nic); });
  CHECK(bad.code() == "InvalidResourceReference");
}


TEST_CASE("effectiveNetworkSecurityGroups lists the subnet's and the NIC's groups with tags expanded", "[nsg]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  json web = ruleProps(200, "8080");
  web["sourceAddressPrefix"] = "Internet";
  c.putAndWait(nsgId("rg1", "subnet-nsg"), nsgBody(json::array({namedRule("web", web)})));
  json ssh = ruleProps(300, "22");
  ssh["sourceAddressPrefix"] = "198.19.0.7";
  c.putAndWait(nsgId("rg1", "nic-nsg"), nsgBody(json::array({namedRule("ssh", ssh)})));
  json vnet = vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}});
  vnet["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = {{"id", nsgId("rg1", "subnet-nsg")}};
  c.putAndWait(vnetId("rg1", "vnet1"), vnet);
  json nic = nicBody(subnetId("rg1", "vnet1", "default"));
  nic["properties"]["networkSecurityGroup"] = {{"id", nsgId("rg1", "nic-nsg")}};
  c.putAndWait(nicId("rg1", "nic1"), nic);

  Reply post = c.post(nicId("rg1", "nic1") + "/effectiveNetworkSecurityGroups", json::object());
  INFO(post.describe());
  REQUIRE(post.status == 202);
  REQUIRE(post.hasHeader("Location"));
  Reply result = c.waitLocation(post.header("Location"));
  INFO(result.describe());
  REQUIRE(result.status == 200);
  const json& value = result.doc["value"];
  REQUIRE(value.size() == 2);
  CHECK(value[0]["networkSecurityGroup"].value("id", "") == nsgId("rg1", "subnet-nsg"));
  CHECK(value[0]["association"]["subnet"].value("id", "") == subnetId("rg1", "vnet1", "default"));
  CHECK(value[1]["association"]["networkInterface"].value("id", "") == nicId("rg1", "nic1"));
  auto find = [](const json& group, const std::string& name) {
    for (const auto& r : group["effectiveSecurityRules"])
      if (r.value("name", "") == name) return r;
    return json();
  };
  const json w = find(value[0], "securityRules/web");
  REQUIRE(w.is_object());
  CHECK(w.value("protocol", "") == "Tcp");
  CHECK(w.value("destinationPortRange", "") == "8080-8080");
  CHECK(w.value("sourcePortRange", "") == "0-65535");
  CHECK(w.value("sourceAddressPrefix", "") == "Internet");
  CHECK(w.value("destinationAddressPrefix", "") == "0.0.0.0/0");
  // Internet: every address outside the VNet's space and 168.63.129.16.
  const auto internet = w["expandedSourceAddressPrefix"].get<std::vector<std::string>>();
  CHECK(std::count(internet.begin(), internet.end(), "0.0.0.0/5") == 1);
  CHECK(std::count(internet.begin(), internet.end(), "11.0.0.0/8") == 1);
  CHECK(std::count(internet.begin(), internet.end(), "10.0.0.0/16") == 0);
  CHECK(std::count(internet.begin(), internet.end(), "10.1.0.0/16") == 1);
  const json vnetIn = find(value[0], "defaultSecurityRules/AllowVnetInBound");
  CHECK(vnetIn.value("protocol", "") == "All");
  CHECK(vnetIn["expandedSourceAddressPrefix"] == json::array({"10.0.0.0/16", "168.63.129.16/32"}));
  CHECK(value[0]["tagMap"]["VirtualNetwork"] == json::array({"10.0.0.0/16", "168.63.129.16/32"}));
  CHECK(find(value[0], "defaultSecurityRules/AllowAzureLoadBalancerInBound")["expandedSourceAddressPrefix"] ==
        json::array({"168.63.129.16/32"}));
  CHECK(find(value[1], "securityRules/ssh").value("sourceAddressPrefix", "") == "198.19.0.7/32");
  // Inbound rules first, by priority.
  CHECK(value[1]["effectiveSecurityRules"][0].value("name", "") == "securityRules/ssh");

  // Only POST; a NIC without groups has none.
  CHECK(c.get(nicId("rg1", "nic1") + "/effectiveNetworkSecurityGroups").status == 405);
  c.putAndWait(nicId("rg1", "nic2"), nicBody(subnetId("rg1", "vnet1", "default"), "10.0.0.9"));
  c.putAndWait(vnetId("rg1", "vnet1"), vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}}));
  Reply none = c.waitLocation(c.post(nicId("rg1", "nic2") + "/effectiveNetworkSecurityGroups", json::object()).header("Location"));
  CHECK(none.doc == json{{"value", json::array()}});
}

}  // namespace azlb::apitest
