// BGP like Ananta, on the wire: BIRD runs in the router; every MUX announces the frontends it
// serves; the routes in the router's kernel come from BIRD (proto bird), follow new frontends,
// lose a MUX that stops answering (hold time) and get it back when it recovers, while traffic
// keeps flowing through the other MUX. And --routing static still routes through the MUXes
// without any daemon.
#include <set>

#include "emulator/routing/bird.h"
#include "netns/namespace.h"
#include "netns/netlink.h"
#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kBgp{"bgp", "198.18.234.0/24", "100.114.0.0/16", {"--routing", "bgp", "--probe-time-scale", "0.1"}};
const ServeInstance kStatic{"stc", "198.18.233.0/24", "100.113.0.0/16", {"--routing", "static"}};

json lbBody(const std::string& name, const std::string& pip, const std::string& vm) {
  const std::string lb = kNet + "/loadBalancers/" + name;
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", kNet + "/publicIPAddresses/" + pip}}}}}}}},
            {"backendAddressPools",
             {{{"name", "be"},
               {"properties",
                {{"loadBalancerBackendAddresses",
                  {{{"name", vm},
                    {"properties", {{"ipAddress", vm == "vm1" ? "10.0.0.4" : "10.0.0.5"},
                                    {"virtualNetwork", {{"id", kNet + "/virtualNetworks/vnet1"}}}}}}}}}}}}},
            {"loadBalancingRules",
             {{{"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080},
                 {"frontendIPConfiguration", {{"id", lb + "/frontendIPConfigurations/fe"}}},
                 {"backendAddressPool", {{"id", lb + "/backendAddressPools/be"}}}}}}}}}}};
}

std::string frontendOf(const Serve& serve, const std::string& pip) {
  REQUIRE(serve.put(kNet + "/publicIPAddresses/" + pip, {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
  return serve.get(kNet + "/publicIPAddresses/" + pip)["properties"].value("ipAddress", "");
}

/// The router kernel's route to `destination` ("198.18.0.5/32", "198.18.0.0/24"): its next hops'
/// devices ("mux0", "mux1"); empty if there is none.
std::set<std::string> routeDevs(const std::string& routerNs, const std::string& destination) {
  auto ns = azlb::netns::NetNamespace::open(routerNs);
  REQUIRE(ns);
  auto rtnl = azlb::netns::Rtnl::openIn(*ns);
  REQUIRE(rtnl);
  auto routes = rtnl->routes();
  REQUIRE(routes);
  std::set<std::string> devs;
  for (const auto& r : *routes)
    if (azlb::netns_model::toString(r.destination) == destination)
      for (const auto& h : r.nexthops) devs.insert(h.dev);
  return devs;
}

/// The route to `ip`/32.
std::set<std::string> routeTo(const std::string& routerNs, const std::string& ip) {
  return routeDevs(routerNs, ip + "/32");
}

/// A shell command's output (stdout and stderr).
std::string run(const std::string& command) {
  std::string out;
  FILE* f = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(f);
  char buf[512];
  while (fgets(buf, sizeof buf, f)) out += buf;
  pclose(f);
  return out;
}

/// One ping from this (root) namespace: "reply", "unreachable" or "silence".
std::string ping(const std::string& ip) {
  const std::string out = run("ping -n -c 1 -W 2 " + ip);
  if (out.find("1 received") != std::string::npos) return "reply";
  if (out.find("Destination Host Unreachable") != std::string::npos) return "unreachable";
  return "silence";
}

pid_t pidOf(const Serve& serve, const std::string& kind, int index) {
  const json st = serve.status();  // named: a range-for over a temporary's member dangles
  for (const auto& p : st.value("processes", json::array()))
    if (p["kind"] == kind && p["index"] == index) return p["pid"].get<pid_t>();
  return 0;
}

}  // namespace

TEST_CASE("BGP: MUXes announce frontends to BIRD, which installs and withdraws the ECMP routes", "[routing][bgp]") {
  REQUIRE(azlb::routing::birdInstalled());  // install-deps installs bird2
  char tmpl[] = "/tmp/azlb-bgptest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kBgp);
    serve.start();
    serve.createVnet();
    const std::string vip1 = frontendOf(serve, "pip1");
    serve.putAndWait(kNet + "/loadBalancers/lb1", lbBody("lb1", "pip1", "vm1"));
    const json st = serve.status();
    const std::string router = st.value("router", "");
    CHECK(st.value("routing", "") == "bgp");
    REQUIRE(pidOf(serve, "bird", 0) > 0);

    // Both MUXes' sessions come up and the router's kernel holds one ECMP route over both.
    const std::set<std::string> both{"mux0", "mux1"};
    CHECK(waitFor([&] { return routeTo(router, vip1) == both; }, std::chrono::seconds(10)));
    auto sessions = azlb::routing::birdQuery("/run/azlb/bgp/bird.ctl", "show protocols", std::chrono::seconds(2));
    REQUIRE(sessions);
    for (const auto& s : azlb::routing::parseProtocols(*sessions)) CHECK(s.info == "Established");
    // Nothing else of the public prefix is routed anywhere: no MUX announces it.
    CHECK(routeTo(router, "198.18.234.200").empty());

    // A new frontend: its route appears.
    const std::string vip2 = frontendOf(serve, "pip2");
    CHECK(routeTo(router, vip2).empty());
    serve.putAndWait(kNet + "/loadBalancers/lb2", lbBody("lb2", "pip2", "vm2"));
    CHECK(waitFor([&] { return routeTo(router, vip2) == both; }, std::chrono::seconds(10)));

    std::vector<std::unique_ptr<VmServer>> servers;
    const json withVms = serve.status();  // named: a range-for over a temporary's member dangles
    for (const auto& vm : withVms["vms"]) servers.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
    std::vector<std::unique_ptr<Conn>> conns;
    for (int i = 0; i < 20; ++i) {
      conns.push_back(std::make_unique<Conn>(vip1, 80));
      REQUIRE(conns.back()->ask() == "vm1");
    }

    SECTION("a hung MUX loses its routes after the hold time and announces again when it recovers") {
      const pid_t mux0 = pidOf(serve, "mux", 0);
      REQUIRE(kill(mux0, SIGSTOP) == 0);
      const auto stopped = Clock::now();
      CHECK(waitFor([&] { return routeTo(router, vip1) == std::set<std::string>{"mux1"}; }, std::chrono::seconds(8)));
      CHECK(routeTo(router, vip2) == std::set<std::string>{"mux1"});
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped).count();
      INFO("withdrawn after " << took << " ms");
      // BIRD waited for the hold time (3 s from the last KEEPALIVE, sent every second): the
      // socket stayed open, only the silence tells.
      CHECK(took >= 1500);
      // Every flow now crosses mux1: the 20 open connections (Maglev gives mux1 the same
      // backends) and new ones.
      for (auto& c : conns) CHECK(c->ask() == "vm1");
      for (int i = 0; i < 10; ++i) CHECK(Conn(vip1, 80).ask() == "vm1");
      REQUIRE(kill(mux0, SIGCONT) == 0);
      CHECK(waitFor([&] { return routeTo(router, vip1) == both; }, std::chrono::seconds(10)));
      CHECK(pidOf(serve, "mux", 0) == mux0);  // the same process came back: no restart needed
    }

    SECTION("a killed MUX's routes go with it; its successor announces them again") {
      const pid_t mux0 = pidOf(serve, "mux", 0);
      // Watch the route from a thread while the MUX dies, so the short gap before the manager's
      // restart is seen.
      std::atomic<bool> watching{true}, sawOnlyMux1{false};
      std::thread watcher([&] {
        while (watching.load())
          if (routeTo(router, vip1) == std::set<std::string>{"mux1"}) sawOnlyMux1 = true;
      });
      REQUIRE(kill(mux0, SIGKILL) == 0);
      CHECK(waitFor([&] { return sawOnlyMux1.load(); }, std::chrono::seconds(5)));
      for (auto& c : conns) CHECK(c->ask() == "vm1");
      CHECK(waitFor([&] { return pidOf(serve, "mux", 0) != mux0 && routeTo(router, vip1) == both; },
                    std::chrono::seconds(10)));
      watching = false;
      watcher.join();
      for (auto& c : conns) CHECK(c->ask() == "vm1");
    }

    SECTION("ping and traceroute to frontends answer as Azure's Standard frontends do") {
      CHECK(ping(vip1) == "reply");  // a rule with a backend in rotation
      // A frontend with a rule whose only backend is probed down: host unreachable.
      const std::string vip3 = frontendOf(serve, "pip3");
      json lb3 = lbBody("lb3", "pip3", "vm1");
      const std::string l3 = kNet + "/loadBalancers/lb3";
      lb3["properties"]["probes"] = {{{"name", "closed"}, {"properties", {{"protocol", "Tcp"}, {"port", 8099}}}}};
      lb3["properties"]["loadBalancingRules"][0]["properties"]["probe"] = {{"id", l3 + "/probes/closed"}};
      serve.putAndWait(l3, lb3);
      CHECK(waitFor([&] { return ping(vip3) == "unreachable"; }, std::chrono::seconds(10)));
      // A public IP with no rule: silence (routed nowhere: no MUX announces it).
      const std::string idle = frontendOf(serve, "pip4");
      CHECK(ping(idle) == "silence");
      CHECK(serve.processStatus("mux-0").path("pingReplies") + serve.processStatus("mux-1").path("pingReplies") >= 1);
      // traceroute shows the router, the MUX that took the probe, then the frontend.
      const std::string trace = run("traceroute -I -n -q 1 -w 2 -m 5 " + vip1);
      INFO(trace);
      CHECK(trace.find(" 100.114.255.2 ") != std::string::npos);
      CHECK((trace.find(" 100.114.1.2 ") != std::string::npos || trace.find(" 100.114.1.6 ") != std::string::npos));
      CHECK(trace.find(" " + vip1 + " ") != std::string::npos);
    }

    SECTION("azlb trace agrees with real connections: the MUX the router picks and the backend") {
      // A second backend on lb1, so the choice matters.
      json body = lbBody("lb1", "pip1", "vm1");
      body["properties"]["backendAddressPools"][0]["properties"]["loadBalancerBackendAddresses"].push_back(
          {{"name", "vm3"}, {"properties", {{"ipAddress", "10.0.0.6"}, {"virtualNetwork", {{"id", kNet + "/virtualNetworks/vnet1"}}}}}});
      serve.putAndWait(kNet + "/loadBalancers/lb1", body);
      conns.clear();
      // Both MUXes forward with the new tables (acknowledged is not yet applied).
      REQUIRE(waitFor([&] {
        const auto version = serve.status().value("version", std::uint64_t{0});
        return serve.processStatus("mux-0").appliedVersion == version &&
               serve.processStatus("mux-1").appliedVersion == version;
      }, std::chrono::seconds(10)));
      const json now = serve.status();
      for (const auto& vm : now["vms"])
        if (vm["name"] == "vm3") servers.push_back(std::make_unique<VmServer>(vm["namespace"], "vm3"));
      // vm3's first passing probe makes a new plan (vm3 joins the Maglev tables): wait for it
      // to be in force everywhere, or trace and the connections would see different tables.
      auto vm3InForce = [&] {
        const json status = serve.status();
        bool healthy = false;
        for (const auto& r : status.value("rules", json::array()))
          for (const auto& m : r.value("members", json::array()))
            healthy = healthy || (m.value("vm", "") == "vm3" && m.value("healthy", false));
        const auto version = status.value("version", std::uint64_t{0});
        return healthy && serve.processStatus("mux-0").appliedVersion == version &&
               serve.processStatus("mux-1").appliedVersion == version;
      };
      REQUIRE(waitFor(vm3InForce, std::chrono::seconds(15)));
      auto trace = [&](std::uint16_t port) {
        auto r = serve.client()->Get(("/azlb/trace?protocol=tcp&destination=" + vip1 + ":80&from=100.114.255.1:" +
                                      std::to_string(port)).c_str());
        REQUIRE(r);
        REQUIRE(r->status == 200);
        return json::parse(r->body);
      };
      std::set<std::string> backendsSeen, muxesSeen;
      // Source ports below the kernel's ephemeral range (32768-60999): a port the test's own HTTPS
      // client happened to hold made the bind fail and the connection leave from another port.
      for (std::uint16_t port = 21000; port < 21024; ++port) {
        const json t = trace(port);
        REQUIRE(t["verdict"] == "delivered");
        CHECK_FALSE(t["steps"][1].value("pinned", false));  // a new flow: no flow-table entry yet
        const std::string mux = "mux-" + std::to_string(t["mux"].get<int>());
        const std::string other = mux == "mux-0" ? "mux-1" : "mux-0";
        const auto before = serve.processStatus(mux).rxPackets, otherBefore = serve.processStatus(other).rxPackets;
        {
          Conn c(vip1, 80, port);
          CHECK(c.ask() == t["backend"]["name"].get<std::string>());
          // The MUX's flow table now holds the flow, and trace asks it.
          const json pinned = trace(port);
          CHECK(pinned["steps"][1].value("pinned", false));
          CHECK(pinned["backend"]["name"] == t["backend"]["name"]);
        }
        CHECK(serve.processStatus(mux).rxPackets > before);
        CHECK(serve.processStatus(other).rxPackets == otherBefore);  // the router sent none there
        backendsSeen.insert(t["backend"]["name"].get<std::string>());
        muxesSeen.insert(mux);
      }
      CHECK(backendsSeen.size() == 2);
      CHECK(muxesSeen.size() == 2);
      // From a VM: outbound through the rule's SNAT; a bad question is a 400.
      auto out = serve.client()->Get("/azlb/trace?protocol=tcp&destination=198.19.0.10:80&from=vm1");
      REQUIRE(out);
      CHECK(json::parse(out->body)["steps"][1]["tier"] == "snat");
      auto bad = serve.client()->Get("/azlb/trace?protocol=icmp&destination=1.2.3.4:1");
      REQUIRE(bad);
      CHECK(bad->status == 400);
    }

    SECTION("a frontend that goes away is withdrawn") {
      REQUIRE(serve.client()->Delete((kNet + "/loadBalancers/lb2?api-version=2022-05-01").c_str()));
      CHECK(waitFor([&] { return routeTo(router, vip2).empty(); }, std::chrono::seconds(10)));
      CHECK(routeTo(router, vip1) == both);
    }
    conns.clear();
    servers.clear();
  }
  CHECK(Serve(dir, kBgp).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}

TEST_CASE("--routing static: azlb writes one ECMP route over the MUXes, no daemon runs", "[routing][static]") {
  char tmpl[] = "/tmp/azlb-stctest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kStatic);
    serve.start();
    serve.createVnet();
    const std::string vip = frontendOf(serve, "pip1");
    serve.putAndWait(kNet + "/loadBalancers/lb1", lbBody("lb1", "pip1", "vm1"));
    const json st = serve.status();
    CHECK(st.value("routing", "") == "static");
    CHECK(pidOf(serve, "bird", 0) == 0);
    CHECK(routeTo(st.value("router", ""), vip).empty());  // no /32s: the /16 (here /24) route
    CHECK(routeDevs(st.value("router", ""), kStatic.publicPrefix) == std::set<std::string>{"mux0", "mux1"});
    const json withVms = serve.status();
    VmServer server(withVms["vms"][0]["namespace"], "vm1");
    for (int i = 0; i < 10; ++i) CHECK(Conn(vip, 80).ask() == "vm1");
  }
  CHECK(Serve(dir, kStatic).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}
