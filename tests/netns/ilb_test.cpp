// Issue 4 §2: an internal load balancer (a private frontend in a subnet) reached from a VM of
// that VNet, through a real `azlb serve`: the client VM's own host agent balances the flow (as
// Azure's hosts do), the backend answers from the frontend address; HA ports (protocol All,
// ports 0) keep every destination port.
#include <map>
#include <set>

#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kWhere{"lbi", "198.18.247.0/24", "100.122.0.0/16"};
const std::string kLb = kNet + "/loadBalancers/ilb";
const std::string kSubnet = kNet + "/virtualNetworks/vnet1/subnets/default";

json idRef(const std::string& id) { return {{"id", id}}; }

json ilbWith(const json& rules) {
  json backends = json::array(), clients = json::array();
  for (int i = 0; i < 3; ++i)
    backends.push_back({{"name", "vm" + std::to_string(i + 1)},
                        {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 4)},
                                        {"virtualNetwork", idRef(kNet + "/virtualNetworks/vnet1")}}}});
  clients.push_back({{"name", "client"},
                     {"properties", {{"ipAddress", "10.0.0.20"}, {"virtualNetwork", idRef(kNet + "/virtualNetworks/vnet1")}}}});
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"},
               {"properties", {{"privateIPAddress", "10.0.0.100"}, {"privateIPAllocationMethod", "Static"},
                               {"subnet", idRef(kSubnet)}}}}}},
            {"backendAddressPools",
             {{{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", backends}}}},
              {{"name", "clients"}, {"properties", {{"loadBalancerBackendAddresses", clients}}}}}},
            {"loadBalancingRules", rules}}}};
}

json rule(const std::string& name, const std::string& protocol, int port, int backendPort) {
  return {{"name", name},
          {"properties",
           {{"protocol", protocol}, {"frontendPort", port}, {"backendPort", backendPort},
            {"frontendIPConfiguration", idRef(kLb + "/frontendIPConfigurations/fe")},
            {"backendAddressPool", idRef(kLb + "/backendAddressPools/be")}}}};
}

}  // namespace

TEST_CASE("an internal load balancer is reached from a VM of its VNet; HA ports keep the port", "[ilb]") {
  char tmpl[] = "/tmp/azlb-ilbtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    serve.createVnet();
    serve.putAndWait(kLb, ilbWith(json::array({rule("web", "Tcp", 80, 8080)})));
    const json st = serve.status();
    REQUIRE(st["vms"].size() == 4);
    std::vector<std::unique_ptr<VmServer>> vms;
    std::string clientNs;
    for (const auto& vm : st["vms"]) {
      if (vm["ips"][0] == "10.0.0.20") {
        clientNs = vm["namespace"];
        continue;
      }
      vms.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
    }
    REQUIRE(!clientNs.empty());

    SECTION("60 connections from the client VM reach all three backends; each keeps its backend") {
      std::map<std::string, int> hits;
      inNamespace(clientNs, [&] {
        for (int i = 0; i < 60; ++i) {
          Conn c("10.0.0.100", 80);
          const std::string first = c.ask();
          if (!first.empty() && c.ask() != first) ++hits["changed backend"];
          ++hits[first];
        }
      });
      CHECK(hits.count("") == 0);
      CHECK(hits.count("changed backend") == 0);
      CHECK(hits.size() == 3);
    }

    SECTION("HA ports: protocol All, ports 0 -> every TCP port and UDP reach a backend on that port") {
      serve.putAndWait(kLb, ilbWith(json::array({rule("ha", "All", 0, 0)})));
      std::set<std::string> on8080, on8082, udp;
      inNamespace(clientNs, [&] {
        for (int i = 0; i < 30; ++i) {
          on8080.insert(Conn("10.0.0.100", 8080).ask());
          on8082.insert(Conn("10.0.0.100", 8082).ask());
          bool fromFrontend = false;
          const std::string answer = udpAsk("10.0.0.100", 8080, &fromFrontend, static_cast<std::uint16_t>(43000 + i));
          udp.insert(fromFrontend ? answer : "");
        }
      });
      CHECK(on8080.count("") == 0);
      CHECK(on8082.count("") == 0);
      CHECK(udp.count("") == 0);
      CHECK(on8080.size() == 3);
      CHECK(udp.size() == 3);
    }
    vms.clear();
  }
  CHECK(Serve(dir, kWhere).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}
