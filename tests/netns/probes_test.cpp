// Issue 4 §1 end to end: health probes run by the host agents from 168.63.129.16 decide which
// backends get new flows, on real traffic. A real `azlb serve` with --probe-time-scale 0.2
// (Azure's minimum interval of 5 s becomes 1 s) and a load balancer with two rules over three
// VMs: port 80 -> 8080 with a Tcp probe on 8080, port 81 -> 8082 with an Http probe on a health
// endpoint (8081 /health). Deadlines follow Azure's rule: interval × threshold + 1 s.
#include <algorithm>
#include <map>
#include <set>

#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kWhere{"lbp", "198.18.250.0/24", "100.125.0.0/16", {"--probe-time-scale", "0.2"}};
constexpr auto kInterval = std::chrono::milliseconds(1000);  // 5 s × 0.2
constexpr int kTcpThreshold = 2;

json probedLb(const std::string& vnetId) {
  const std::string lb = kNet + "/loadBalancers/lb1";
  json addrs = json::array();
  for (int i = 0; i < 3; ++i)
    addrs.push_back({{"name", "vm" + std::to_string(i + 1)},
                     {"properties", {{"ipAddress", "10.0.0." + std::to_string(i + 4)}, {"virtualNetwork", {{"id", vnetId}}}}}});
  auto rule = [&](const std::string& name, int port, int backendPort, const std::string& probe) {
    return json{{"name", name},
                {"properties",
                 {{"protocol", "Tcp"}, {"frontendPort", port}, {"backendPort", backendPort},
                  {"frontendIPConfiguration", {{"id", lb + "/frontendIPConfigurations/fe"}}},
                  {"backendAddressPool", {{"id", lb + "/backendAddressPools/be"}}},
                  {"probe", {{"id", lb + "/probes/" + probe}}}}}};
  };
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", kNet + "/publicIPAddresses/pip1"}}}}}}}},
            {"backendAddressPools", {{{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}}}},
            {"probes",
             {{{"name", "tcp"},
               {"properties", {{"protocol", "Tcp"}, {"port", 8080}, {"intervalInSeconds", 5}, {"probeThreshold", kTcpThreshold}}}},
              {{"name", "http"},
               {"properties",
                {{"protocol", "Http"}, {"port", 8081}, {"requestPath", "/health"}, {"intervalInSeconds", 5},
                 {"probeThreshold", 2}}}}}},
            {"loadBalancingRules", {rule("app", 80, 8080, "tcp"), rule("health", 81, 8082, "http")}}}}};
}

/// The /azlb/probes entry of (probe name, backend address).
json probeEntry(const Serve& serve, const std::string& probe, const std::string& ip) {
  const json st = serve.get("/azlb/probes");
  for (const auto& p : st.value("probes", json::array()))
    if (p.value("ip", "") == ip && p.value("probe", "").ends_with("/probes/" + probe)) return p;
  return json();
}


}  // namespace

TEST_CASE("health probes from 168.63.129.16 take backends out of rotation and back, on real traffic", "[probes]") {
  char tmpl[] = "/tmp/azlb-probetest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    serve.createVnet();
    REQUIRE(serve.put(kNet + "/publicIPAddresses/pip1", {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    serve.putAndWait(kNet + "/loadBalancers/lb1", probedLb(kNet + "/virtualNetworks/vnet1"));
    const std::string vip = serve.get(kNet + "/publicIPAddresses/pip1")["properties"].value("ipAddress", "");
    const json st = serve.status();
    REQUIRE(st["vms"].size() == 3);
    std::map<std::string, std::unique_ptr<VmServer>> vms;  // by ip
    for (const auto& vm : st["vms"]) vms[vm["ips"][0].get<std::string>()] = std::make_unique<VmServer>(vm["namespace"], vm["name"]);

    // Every backend passes both probes and is put in rotation.
    for (const auto& [ip, vm] : vms) {
      INFO(ip);
      CHECK(waitFor([&] { return probeEntry(serve, "tcp", ip).value("inRotation", false); }, std::chrono::seconds(10)));
      CHECK(waitFor([&] { return probeEntry(serve, "http", ip).value("inRotation", false); }, std::chrono::seconds(10)));
      CHECK(vm->probeSourceHits() > 0);  // the VM saw Azure's probe address
      CHECK(vm->healthRequests() > 0);   // and the Http probe's GET
    }
    CHECK(spread(vip, 80, 60).size() == 3);

    const std::string victimIp = vms.begin()->first;
    VmServer* victim = vms.begin()->second.get();
    const auto budget = kInterval * kTcpThreshold + std::chrono::seconds(1);

    SECTION("a stopped server leaves rotation within interval x threshold + 1 s; its connections continue; it returns") {
      std::vector<std::unique_ptr<Conn>> open;
      std::vector<std::string> owner;
      for (int i = 0; i < 30; ++i) {
        open.push_back(std::make_unique<Conn>(vip, 80));
        owner.push_back(open.back()->ask());
      }
      REQUIRE(std::count(owner.begin(), owner.end(), victim->name()) > 0);
      victim->setListening(false);
      const auto stopped = Clock::now();
      REQUIRE(waitFor([&] { return !probeEntry(serve, "tcp", victimIp).value("inRotation", true); }, budget + std::chrono::seconds(5)));
      const auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped).count();
      INFO("out of rotation after " << tookMs << " ms");
      CHECK(tookMs <= std::chrono::duration_cast<std::chrono::milliseconds>(budget).count());
      CHECK(probeEntry(serve, "tcp", victimIp).value("outcome", "") == "refused");
      // Established connections to it still work (Standard keeps flows to a probed-down backend).
      for (size_t i = 0; i < open.size(); ++i) CHECK(open[i]->ask() == owner[i]);
      // Every new connection goes elsewhere and succeeds.
      auto hits = spread(vip, 80, 60);
      CHECK(hits.count("") == 0);
      CHECK(hits.count(victim->name()) == 0);
      CHECK(hits.size() == 2);
      // The metrics say so too.
      auto metrics = serve.client()->Get("/metrics");
      REQUIRE(metrics);
      CHECK(metrics->body.find("backend_ip_address=\"" + victimIp + "\"} 0") != std::string::npos);

      victim->setListening(true);
      REQUIRE(waitFor([&] { return probeEntry(serve, "tcp", victimIp).value("inRotation", false); }, kInterval + std::chrono::seconds(3)));
      CHECK(spread(vip, 80, 60).count(victim->name()) > 0);
    }

    SECTION("an Http probe answered 503 takes the backend out at once; 200 brings it back") {
      victim->setHealthStatus(503);
      const auto changed = Clock::now();
      REQUIRE(waitFor([&] { return !probeEntry(serve, "http", victimIp).value("inRotation", true); }, kInterval + std::chrono::seconds(5)));
      const auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - changed).count();
      INFO("out of rotation after " << tookMs << " ms");
      // One failed answer is enough (no threshold for a non-200 status).
      CHECK(tookMs <= std::chrono::duration_cast<std::chrono::milliseconds>(kInterval + std::chrono::seconds(1)).count());
      CHECK(probeEntry(serve, "http", victimIp).value("detail", "").find("503") != std::string::npos);
      auto hits = spread(vip, 81, 60);
      CHECK(hits.count("") == 0);
      CHECK(hits.count(victim->name()) == 0);
      // The other rule's Tcp probe is still happy: port 80 still reaches it.
      CHECK(spread(vip, 80, 60).count(victim->name()) > 0);
      victim->setHealthStatus(200);
      REQUIRE(waitFor([&] { return probeEntry(serve, "http", victimIp).value("inRotation", false); }, kInterval + std::chrono::seconds(3)));
      CHECK(spread(vip, 81, 60).count(victim->name()) > 0);
    }
    SECTION("adminState overrides the probe; the health-status API gives each backend's state and reason") {
      const std::string lbPath = kNet + "/loadBalancers/lb1";
      // POST .../health answers 202 + Location; the operation's result is the status.
      auto health = [&](const std::string& rule) {
        auto c = serve.client();
        auto post = c->Post((lbPath + "/loadBalancingRules/" + rule + "/health?api-version=2024-05-01").c_str(), "{}",
                            "application/json");
        REQUIRE(post);
        REQUIRE(post->status == 202);
        std::string location = post->get_header_value("Location");
        location = location.substr(location.find("/subscriptions/"));
        auto result = c->Get(location.c_str());
        REQUIRE(result);
        REQUIRE(result->status == 200);
        return json::parse(result->body, nullptr, false);
      };
      auto reasonOf = [](const json& status, const std::string& ip) {
        for (const auto& a : status.value("loadBalancerBackendAddresses", json::array()))
          if (a.value("ipAddress", "") == ip) return a.value("reason", "") + "/" + a.value("state", "");
        return std::string("absent");
      };
      auto withAdmin = [&](const std::string& state) {
        json body = probedLb(kNet + "/virtualNetworks/vnet1");
        for (auto& a : body["properties"]["backendAddressPools"][0]["properties"]["loadBalancerBackendAddresses"])
          if (a["properties"]["ipAddress"] == victimIp && !state.empty()) a["properties"]["adminState"] = state;
        serve.putAndWait(lbPath, body);
      };

      const json all = health("app");
      INFO(all.dump());
      CHECK(all["up"] == 3);
      CHECK(all["down"] == 0);
      for (const auto& [ip, vm] : vms) CHECK(reasonOf(all, ip) == "Up_Probe_Success/Up");
      // Connections the victim already has (Standard keeps established flows of a Down backend).
      std::vector<std::unique_ptr<Conn>> held;
      for (int i = 0; i < 30 && held.size() < 3; ++i) {
        auto conn = std::make_unique<Conn>(vip, 80);
        if (conn->ask() == victim->name()) held.push_back(std::move(conn));
      }
      REQUIRE(!held.empty());

      // Down: no new flows although its probe passes.
      withAdmin("Down");
      CHECK(waitFor([&] { return reasonOf(health("app"), victimIp) == "Down_Admin/Down"; }, std::chrono::seconds(10)));
      CHECK(probeEntry(serve, "tcp", victimIp).value("inRotation", false));  // the probe itself is up
      auto hits = spread(vip, 80, 60);
      CHECK(hits.count("") == 0);
      CHECK(hits.count(victim->name()) == 0);
      CHECK(hits.size() == 2);
      for (auto& c : held) CHECK(c->ask() == victim->name());
      CHECK(health("app")["up"] == 2);

      // Up: new flows although its Http probe fails.
      victim->setHealthStatus(503);
      withAdmin("Up");
      CHECK(waitFor([&] { return !probeEntry(serve, "http", victimIp).value("inRotation", true); }, std::chrono::seconds(10)));
      CHECK(waitFor([&] { return reasonOf(health("health"), victimIp) == "Up_Admin/Up"; }, std::chrono::seconds(10)));
      CHECK(spread(vip, 81, 60).count(victim->name()) > 0);

      // None: the probe decides again, and the reason says why it is down.
      withAdmin("");
      CHECK(waitFor([&] { return reasonOf(health("health"), victimIp) == "Down_Probe_HttpStatusCodeError/Down"; },
                    std::chrono::seconds(10)));
      hits = spread(vip, 81, 60);
      CHECK(hits.count("") == 0);
      CHECK(hits.count(victim->name()) == 0);
    }
    vms.clear();
  }
  CHECK(Serve(dir, kWhere).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}
