// Issue 4 §2 on the wire, through the ARM API and a real `azlb serve`: loadDistribution
// affinity, UDP through a frontend (answered from the frontend IP), inbound NAT port ranges as
// queryInboundNatRulePortMapping reports them, several frontends on one LB, two LBs side by side,
// and floating IP (the VM owns the frontend IP on loopback and sees it as the destination).
#include <algorithm>
#include <map>
#include <set>

#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kWhere{"lbr", "198.18.248.0/24", "100.123.0.0/16"};
const std::string kLb = kNet + "/loadBalancers/lb1";

json idRef(const std::string& id) { return {{"id", id}}; }

json lbWith(const json& rules, const json& natRules = json::array()) {
  json addrs = json::array();
  for (int i = 0; i < 3; ++i)
    addrs.push_back({{"name", "vm" + std::to_string(i + 1)},
                     {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 4)},
                                     {"virtualNetwork", idRef(kNet + "/virtualNetworks/vnet1")}}}});
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/pip1")}}}},
              {{"name", "fe2"}, {"properties", {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/pip2")}}}}}},
            {"backendAddressPools", {{{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}}}},
            {"loadBalancingRules", rules},
            {"inboundNatRules", natRules}}}};
}

json rule(const std::string& name, const std::string& fe, const std::string& protocol, int port, int backendPort,
          const json& extra = json::object()) {
  json p = {{"protocol", protocol}, {"frontendPort", port}, {"backendPort", backendPort},
            {"frontendIPConfiguration", idRef(kLb + "/frontendIPConfigurations/" + fe)},
            {"backendAddressPool", idRef(kLb + "/backendAddressPools/be")}};
  p.update(extra);
  return {{"name", name}, {"properties", p}};
}

}  // namespace

TEST_CASE("rule semantics on the wire: distribution modes, UDP, NAT port ranges, several frontends", "[rules]") {
  char tmpl[] = "/tmp/azlb-rulestest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    serve.createVnet();
    for (const char* pip : {"pip1", "pip2"})
      REQUIRE(serve.put(kNet + "/publicIPAddresses/" + pip, {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    serve.putAndWait(kLb, lbWith(json::array({rule("web", "fe", "Tcp", 80, 8080), rule("web2", "fe2", "Tcp", 80, 8082)})));
    const std::string vip = serve.get(kNet + "/publicIPAddresses/pip1")["properties"].value("ipAddress", "");
    const std::string vip2 = serve.get(kNet + "/publicIPAddresses/pip2")["properties"].value("ipAddress", "");
    REQUIRE(vip != vip2);
    const json st = serve.status();
    REQUIRE(st["vms"].size() == 3);
    std::vector<std::unique_ptr<VmServer>> vms;
    std::map<std::string, std::string> nameOfIp, nsOfIp;
    for (const auto& vm : st["vms"]) {
      vms.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
      nameOfIp[vm["ips"][0]] = vm["name"];
      nsOfIp[vm["ips"][0]] = vm["namespace"];
    }

    SECTION("two frontends on one load balancer both balance over the pool") {
      CHECK(spread(vip, 80, 60).size() == 3);
      CHECK(spread(vip2, 80, 60).size() == 3);
    }

    SECTION("loadDistribution: Default spreads one client's connections, SourceIP and SourceIPProtocol pin them") {
      // 100 connections from varied source ports of the one client address; each phase uses ports
      // of its own (a MUX keeps a 5-tuple's flow for the idle timeout, whatever the mode).
      int phase = 0;
      auto fromPorts = [&] {
        std::map<std::string, int> hits;
        for (int i = 0; i < 100; ++i) ++hits[Conn(vip, 80, static_cast<std::uint16_t>(30000 + phase * 1000 + i * 7)).ask()];
        ++phase;
        return hits;
      };
      auto spreadDefault = fromPorts();
      CHECK(spreadDefault.count("") == 0);
      CHECK(spreadDefault.size() == 3);
      for (const char* mode : {"SourceIP", "SourceIPProtocol"}) {
        INFO(mode);
        serve.putAndWait(kLb, lbWith(json::array({rule("web", "fe", "Tcp", 80, 8080, {{"loadDistribution", mode}}),
                                         rule("web2", "fe2", "Tcp", 80, 8082)})));
        auto pinned = fromPorts();
        CHECK(pinned.count("") == 0);
        CHECK(pinned.size() == 1);  // one client address: one backend for every source port
      }
    }

    SECTION("UDP through the frontend: answers come back from the frontend IP, spread over the backends") {
      serve.putAndWait(kLb, lbWith(json::array({rule("web", "fe", "Tcp", 80, 8080), rule("dns", "fe", "Udp", 53, 8080)})));
      std::set<std::string> answeredBy;
      for (int i = 0; i < 40; ++i) {
        bool fromFrontend = false;
        const std::string answer = udpAsk(vip, 53, &fromFrontend, static_cast<std::uint16_t>(42000 + i));
        INFO("request " << i);
        REQUIRE(!answer.empty());
        CHECK(fromFrontend);  // the host agent rewrote the VM's source back to frontend:53
        answeredBy.insert(answer);
      }
      CHECK(answeredBy.size() == 3);
    }

    SECTION("an inbound NAT port range maps each frontend port to the backend queryInboundNatRulePortMapping names") {
      json nat = {{"name", "ssh"},
                  {"properties",
                   {{"protocol", "Tcp"}, {"frontendPortRangeStart", 50000}, {"frontendPortRangeEnd", 50009},
                    {"backendPort", 8080},
                    {"frontendIPConfiguration", idRef(kLb + "/frontendIPConfigurations/fe")},
                    {"backendAddressPool", idRef(kLb + "/backendAddressPools/be")}}}};
      serve.putAndWait(kLb, lbWith(json::array({rule("web2", "fe2", "Tcp", 80, 8082)}), json::array({nat})));
      int checked = 0;
      for (const auto& [ip, name] : nameOfIp) {
        auto r = serve.client()->Post((kLb + "/backendAddressPools/be/queryInboundNatRulePortMapping?api-version=2022-05-01").c_str(),
                                      json{{"ipAddress", ip}}.dump(), "application/json");
        REQUIRE(r);
        INFO(r->body);
        const json mapping = json::parse(r->body, nullptr, false);
        REQUIRE(mapping["inboundNatRulePortMappings"].size() == 1);
        const int port = mapping["inboundNatRulePortMappings"][0]["frontendPort"];
        CHECK(port >= 50000);
        CHECK(port <= 50009);
        for (int i = 0; i < 3; ++i) CHECK(Conn(vip, port).ask() == name);  // always that backend
        ++checked;
      }
      CHECK(checked == 3);
    }
    SECTION("two load balancers side by side: each frontend reaches only its own pool") {
      REQUIRE(serve.put(kNet + "/publicIPAddresses/pip3", {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
      const std::string lb2 = kNet + "/loadBalancers/lb2";
      json addrs = json::array();
      for (int i = 0; i < 2; ++i)
        addrs.push_back({{"name", "other" + std::to_string(i + 1)},
                         {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 10)},
                                         {"virtualNetwork", idRef(kNet + "/virtualNetworks/vnet1")}}}});
      serve.putAndWait(lb2, {{"location", "westus"},
                             {"sku", {{"name", "Standard"}}},
                             {"properties",
                              {{"frontendIPConfigurations",
                                {{{"name", "fe"}, {"properties", {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/pip3")}}}}}},
                               {"backendAddressPools", {{{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}}}},
                               {"loadBalancingRules",
                                {{{"name", "web"},
                                  {"properties", {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080},
                                                  {"frontendIPConfiguration", idRef(lb2 + "/frontendIPConfigurations/fe")},
                                                  {"backendAddressPool", idRef(lb2 + "/backendAddressPools/be")}}}}}}}}});
      const std::string vip3 = serve.get(kNet + "/publicIPAddresses/pip3")["properties"].value("ipAddress", "");
      REQUIRE(!vip3.empty());
      const json st2 = serve.status();
      REQUIRE(st2["vms"].size() == 5);
      std::set<std::string> firstPool, secondPool;
      for (const auto& [ip, name] : nameOfIp) firstPool.insert(name);
      for (const auto& vm : st2["vms"])
        if (!nameOfIp.count(vm["ips"][0])) {
          vms.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
          secondPool.insert(vm["name"].get<std::string>());
        }
      REQUIRE(secondPool.size() == 2);
      auto names = [](const std::map<std::string, int>& hits) {
        std::set<std::string> out;
        for (const auto& [name, n] : hits) out.insert(name);
        return out;
      };
      CHECK(names(spread(vip3, 80, 40)) == secondPool);
      CHECK(names(spread(vip, 80, 60)) == firstPool);
      // Removing the second load balancer removes its VMs and leaves the first one balancing.
      auto del = serve.client()->Delete((lb2 + "?api-version=2022-05-01").c_str());
      REQUIRE(del);
      CHECK((del->status == 200 || del->status == 202));
      CHECK(waitFor([&] { return serve.status()["vms"].size() == 3; }, std::chrono::seconds(20)));
      CHECK(names(spread(vip, 80, 60)) == firstPool);
    }

    SECTION("floating IP: two frontends share backend port 8080; each VM owns both frontend IPs and sees them as destination") {
      const json floating = {{"enableFloatingIP", true}};
      serve.putAndWait(kLb, lbWith(json::array({rule("web", "fe", "Tcp", 80, 8080, floating),
                                                 rule("web2", "fe2", "Tcp", 80, 8080, floating)})));
      // The classic direct-server-return set-up inside each VM: the frontend IPs on loopback.
      for (const auto& [ip, ns] : nsOfIp)
        for (const auto& frontend : {vip, vip2})
          REQUIRE(std::system(("ip -n " + ns + " addr add " + frontend + "/32 dev lo").c_str()) == 0);
      CHECK(spread(vip, 80, 60).size() == 3);
      CHECK(spread(vip2, 80, 60).size() == 3);
      for (const auto& vm : vms) {
        INFO(vm->name());
        CHECK(vm->localAddresses() == std::set<std::string>{vip, vip2});  // never the VM's own address
      }
    }

    vms.clear();
  }
  CHECK(Serve(dir, kWhere).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}

TEST_CASE("idle timeout on the wire: a silent flow is forgotten, enableTcpReset resets both ends", "[rules][idle]") {
  char tmpl[] = "/tmp/azlb-idletest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  ServeInstance where = kWhere;
  where.extraArgs = {"--idle-timeout-scale", "0.01"};  // 4 minutes -> 2.4 s
  {
    Serve serve(dir, where);
    serve.start();
    serve.createVnet();
    for (const char* pip : {"pip1", "pip2"})
      REQUIRE(serve.put(kNet + "/publicIPAddresses/" + pip, {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    const json idle4 = {{"idleTimeoutInMinutes", 4}};
    const json idle4Reset = {{"idleTimeoutInMinutes", 4}, {"enableTcpReset", true}};
    serve.putAndWait(kLb, lbWith(json::array({rule("quiet", "fe", "Tcp", 80, 8080, idle4),
                                               rule("resets", "fe2", "Tcp", 80, 8082, idle4Reset)})));
    const std::string vip = serve.get(kNet + "/publicIPAddresses/pip1")["properties"].value("ipAddress", "");
    const std::string vip2 = serve.get(kNet + "/publicIPAddresses/pip2")["properties"].value("ipAddress", "");
    std::vector<std::unique_ptr<VmServer>> vms;
    const json st = serve.status();  // named: a range-for over a temporary's member would dangle
    REQUIRE(st["vms"].size() == 3);
    for (const auto& vm : st["vms"]) vms.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
    auto hosts = [&](const std::function<std::uint64_t(const azlb::runtime::StatusReport&)>& counter) {
      std::uint64_t sum = 0;
      for (int i = 0; i < 2; ++i) sum += counter(serve.processStatus("host-" + std::to_string(i)));
      return sum;
    };
    auto vmResets = [&] {
      int n = 0;
      for (const auto& vm : vms) n += vm->resets();
      return n;
    };

    Conn quiet(vip, 80), resets(vip2, 80);
    const std::string quietVm = quiet.ask();
    REQUIRE(!quietVm.empty());
    REQUIRE(!resets.ask().empty());
    REQUIRE(vmResets() == 0);

    // enableTcpReset: once the flow has been idle for the timeout, the client gets an RST
    // without sending anything, and so does the server in the VM.
    CHECK(resets.resetWithin(std::chrono::seconds(15)));
    CHECK(waitFor([&] { return vmResets() == 1; }, std::chrono::seconds(5)));
    CHECK(hosts([](const auto& r) { return r.path("idleResets"); }) == 2);

    // Without it: the host agents forget the silent flow (no flows left at all), no RST
    // arrives, and the client's next request is dropped (noFlowState), never answered.
    CHECK(waitFor([&] { return hosts([](const auto& r) { return r.flows; }) == 0; }, std::chrono::seconds(15)));
    CHECK_FALSE(quiet.resetWithin(std::chrono::milliseconds(0)));
    const std::uint64_t droppedBefore = hosts([](const auto& r) { return r.dropped("noFlowState"); });
    quiet.setReceiveTimeout(std::chrono::milliseconds(1500));
    CHECK(quiet.ask().empty());
    CHECK(hosts([](const auto& r) { return r.dropped("noFlowState"); }) > droppedBefore);
    CHECK(vmResets() == 1);  // the VM was not told either

    // A new connection after the timeout works as before.
    CHECK(!Conn(vip, 80).ask().empty());
    vms.clear();
  }
  CHECK(Serve(dir, where).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}
