// Issue 11 end to end: the brief's ProbeTenant (samples/cloud-services/ProbeTenant, FERole x3,
// BERole x2, the sample's Python role programs) created through Microsoft.Compute/cloudServices
// on a real `azlb serve` runs on the real data path: input endpoints spread over the instances
// at exactly the csdef ports, the custom probe and the guest agent's Ready/Busy decide rotation,
// instance input endpoints reach one instance each, internal endpoints answer inside the service
// only. --probe-time-scale 0.2: the csdef's 5 s interval becomes 1 s.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "emulator/cloudservice/guest_agent.h"
#include "emulator/cloudservice/ports.h"
#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kWhere{"cst", "198.18.249.0/24", "100.124.0.0/16", {"--probe-time-scale", "0.2"}};
const std::string kGroup = kSub + "/resourceGroups/cs";
const std::string kService = kGroup + "/providers/Microsoft.Compute/cloudServices/ProbeTenant";
const std::string kPip = kGroup + "/providers/Microsoft.Network/publicIPAddresses/ProbeTenant-vip";
const std::string kSample = std::string(AZLB_SOURCE_DIR) + "/samples/cloud-services/ProbeTenant";

std::string readText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int putVersion(const Serve& serve, const std::string& path, const json& body, const char* version) {
  auto r = serve.client()->Put((path + "?api-version=" + version).c_str(), body.dump(), "application/json");
  if (r && r->status >= 300) UNSCOPED_INFO(r->body);
  return r ? r->status : 0;
}

json cloudServiceBody(const std::string& pip = kPip, const std::string& configuration = readText(kSample + "/ServiceConfiguration.cscfg")) {
  return {{"location", "westus"},
          {"properties",
           {{"packageUrl", kSample},
            {"configuration", configuration},
            {"networkProfile",
             {{"loadBalancerConfigurations",
               {{{"name", "lb"},
                 {"properties",
                  {{"frontendIpConfigurations",
                    {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", pip}}}}}}}}}}}}}}}}}};
}

/// The sample's configuration with every role at one instance (the staging deployment).
std::string oneInstanceEach() {
  std::string cfg = readText(kSample + "/ServiceConfiguration.cscfg");
  for (std::size_t at = cfg.find("count=\""); at != std::string::npos; at = cfg.find("count=\"", at + 1))
    cfg.replace(at + 7, cfg.find('"', at + 7) - (at + 7), "1");
  return cfg;
}

/// Every role instance in status.json.
json allInstances(const Serve& serve) {
  const json st = serve.status();
  return st.is_object() ? st.value("roleInstances", json::array()) : json::array();  // not written yet
}

/// ProbeTenant's role instances in status.json by name.
std::map<std::string, json> instances(const Serve& serve) {
  std::map<std::string, json> out;
  for (const auto& r : allInstances(serve))
    if (r.value("service", "") == "ProbeTenant") out[r["name"]] = r;
  return out;
}

/// `n` instances (of every service), all Ready.
bool allReady(const Serve& serve, std::size_t n) {
  const json all = allInstances(serve);
  return all.size() == n &&
         std::all_of(all.begin(), all.end(), [](const json& r) { return r.value("status", "") == "Ready"; });
}

/// The data plane has applied the newest plan everywhere (every process acknowledged its
/// version, no MUX down, no reconcile pending) and every probed instance is in rotation: after
/// this no snapshot changes under the traffic the sections send.
bool settled(const Serve& serve) {
  const json st = serve.status();
  if (!st.is_object() || st.value("reconcile", json::object()).value("state", "") != "ok") return false;
  const json down = st.value("muxesDown", json());
  if ((down.is_array() && !down.empty()) || (down.is_number() && down.get<int>() != 0)) return false;
  for (const auto& p : st.value("processes", json::array()))
    if (p.value("snapshot", json()) != st.value("version", json())) return false;
  const json probes = st.value("probes", json::array());
  return !probes.empty() &&
         std::all_of(probes.begin(), probes.end(), [](const json& p) { return p.value("inRotation", false); });
}

/// GET `path` on ip:port over a new connection; the body ("" on failure).
std::string httpGet(const std::string& ip, int port, const std::string& path = "/") {
  httplib::Client c(ip, port);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(3, 0);
  auto r = c.Get(path.c_str());
  return r && r->status == 200 ? r->body : std::string();
}

std::map<std::string, int> httpSpread(const std::string& ip, int port, int n) {
  std::map<std::string, int> hits;
  for (int i = 0; i < n; ++i) ++hits[httpGet(ip, port)];
  return hits;
}

/// `fn()` run on a thread inside namespace `ns`.
template <typename Fn>
std::string runIn(const std::string& ns, Fn fn) {
  std::string out;
  std::thread t([&] {
    int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
    close(fd);
    out = fn();
  });
  t.join();
  return out;
}

/// httpGet run from inside namespace `ns`.
std::string httpGetIn(const std::string& ns, const std::string& ip, int port, const std::string& path) {
  return runIn(ns, [&] { return httpGet(ip, port, path); });
}

/// One line asked over a new TCP connection from inside `ns` ("" when refused or dropped).
std::string askIn(const std::string& ns, const std::string& ip, int port) {
  return runIn(ns, [&] { return Conn(ip, port).ask(); });
}

/// Sets an instance's status through its guest agent, from inside its namespace.
void setStatus(const std::string& ns, const json& body) {
  std::thread t([&] {
    int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE((fd >= 0 && setns(fd, CLONE_NEWNET) == 0));
    close(fd);
    httplib::Client c("127.0.0.1", azlb::cloudservice::kGuestAgentPort);
    auto r = c.Put(azlb::cloudservice::kStatusPath, body.dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
  });
  t.join();
}

}  // namespace

TEST_CASE("a cloud service runs on the real data path: endpoints, probes, Ready/Busy, instance and internal endpoints",
          "[cloudservice]") {
  char tmpl[] = "/tmp/azlb-cstest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    REQUIRE(serve.put(kSub + "/resourcegroups/cs", {{"location", "westus"}}) == 201);
    REQUIRE(serve.put(kPip, {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    const auto t0 = Clock::now();
    REQUIRE(putVersion(serve, kService, cloudServiceBody(), "2022-09-04") == 201);
    REQUIRE(waitFor([&] { return allReady(serve, 5); }, std::chrono::seconds(30)));
    const std::string vip = serve.get(kPip)["properties"].value("ipAddress", "");
    REQUIRE_FALSE(vip.empty());
    // Every probed endpoint has its instances in rotation once the probes passed.
    REQUIRE(waitFor([&] { return settled(serve); }, std::chrono::seconds(15)));
    REQUIRE(waitFor([&] { return httpSpread(vip, 10000, 30).size() == 3; }, std::chrono::seconds(15)));
    INFO("import to all endpoints answering: " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() << " ms");
    auto all = instances(serve);

    SECTION("input endpoints spread over the FE instances at exactly the csdef ports") {
      auto http = httpSpread(vip, 10000, 60);
      CHECK(http.count("") == 0);
      CHECK(http.size() == 3);
      CHECK(http.count("FERole_IN_0"));
      auto tcp = spread(vip, 10001, 60);
      CHECK(tcp.count("") == 0);
      CHECK(tcp.size() == 3);
      std::set<std::string> udp;
      for (int i = 0; i < 30; ++i) udp.insert(udpAsk(vip, 10002, nullptr, static_cast<std::uint16_t>(42000 + i)));
      CHECK(udp.count("") == 0);
      CHECK(udp.size() == 3);
      // The start-up task ran (with the settings) before the entry point started.
      const std::string log = readText(all.at("FERole_IN_0")["log"]);
      const auto task = log.find("startup task: FERole_IN_0 of ProbeTenant is starting (Greeting: hello from the front end)");
      CHECK(task != std::string::npos);
      CHECK(task < log.find("FERole_IN_0: http on"));
    }

    SECTION("instance input endpoints reach one instance each; internal endpoints only inside the service") {
      for (int i = 0; i < 3; ++i) CHECK(httpGet(vip, 10110 + i) == "FERole_IN_" + std::to_string(i));
      for (int i = 0; i < 2; ++i) CHECK(httpGet(vip, 10210 + i) == "BERole_IN_" + std::to_string(i));
      CHECK(httpGet(vip, 10113).empty());  // FERole has 3 instances: 10113 is no endpoint
      // FE instance 0 asks every BE instance's internal endpoints (found through discovery).
      const std::string fromFe = httpGet(vip, 10110, "/sample/be");
      CHECK(fromFe.find("BERole_IN_0") != std::string::npos);
      CHECK(fromFe.find("BERole_IN_1") != std::string::npos);
      // Inside the service a BE instance answers at its address; from outside (the router's
      // namespace: never the root one, whose default route leaves the machine) it does not.
      const std::string beIp = all.at("BERole_IN_0")["ip"];
      CHECK(httpGetIn(all.at("FERole_IN_2")["namespace"], beIp, 80, "/") == "BERole_IN_0");
      CHECK(httpGetIn(serve.status()["router"], beIp, 80, "/").empty());
    }

    SECTION("NetworkTrafficRules: BE_InternalEP_Tcp takes connections from FERole only") {
      // The sample's rule: OnlyAllowTrafficTo BERole/BE_InternalEP_Tcp WhenSource FromRole FERole.
      // BE_InternalEP_Tcp has no port in the csdef: the first dynamic port (ports.h).
      const std::string beIp = all.at("BERole_IN_0")["ip"];
      const int port = azlb::cloudservice::kFirstDynamicPort;
      CHECK(askIn(all.at("FERole_IN_1")["namespace"], beIp, port) == "BERole_IN_0");
      CHECK(askIn(all.at("BERole_IN_1")["namespace"], beIp, port).empty());  // dropped: times out
      CHECK(httpGetIn(all.at("BERole_IN_1")["namespace"], beIp, 80, "/") == "BERole_IN_0");  // not restricted
    }

    SECTION("Probe.aspx answering 503 takes an instance out of HTTP_Probe's rotation; its open connection continues; 200 brings it back") {
      httplib::Client pinned(vip, 80);  // one keep-alive connection
      pinned.set_keep_alive(true);
      std::string owner;
      for (int i = 0; i < 20 && owner != "FERole_IN_0"; ++i) {
        pinned.stop();
        auto r = pinned.Get("/");
        owner = r ? r->body : "";
      }
      REQUIRE(owner == "FERole_IN_0");
      REQUIRE(httpGet(vip, 10110, "/sample/probe?code=503") != "");
      REQUIRE(waitFor([&] { return httpSpread(vip, 80, 30).count("FERole_IN_0") == 0; }, std::chrono::seconds(5)));
      auto again = pinned.Get("/");
      REQUIRE(again);
      CHECK(again->body == "FERole_IN_0");  // established flow keeps its instance
      CHECK(httpSpread(vip, 10000, 30).count("FERole_IN_0") == 1);  // other endpoints unaffected
      REQUIRE(httpGet(vip, 10110, "/sample/probe?code=200") != "");
      CHECK(waitFor([&] { return httpSpread(vip, 80, 30).count("FERole_IN_0") == 1; }, std::chrono::seconds(5)));
    }

    SECTION("a Busy instance leaves the endpoints without a custom probe; ignoreRoleInstanceStatus keeps it") {
      const std::string ns = all.at("FERole_IN_1")["namespace"];
      setStatus(ns, {{"status", "busy"}, {"forced", true}});
      REQUIRE(waitFor([&] { return instances(serve)["FERole_IN_1"].value("status", "") == "Busy"; }, std::chrono::seconds(5)));
      CHECK(waitFor([&] { return httpSpread(vip, 10000, 30).count("FERole_IN_1") == 0; }, std::chrono::seconds(5)));
      CHECK(spread(vip, 10001, 60).count("FERole_IN_1") == 1);  // FE_External_Tcp ignores the status
      setStatus(ns, {{"forced", false}});
      CHECK(waitFor([&] { return httpSpread(vip, 10000, 30).count("FERole_IN_1") == 1; }, std::chrono::seconds(5)));
    }

    SECTION("VIP swap: established connections stay on their deployment, new ones reach the new production") {
      const std::string stagingPip = kGroup + "/providers/Microsoft.Network/publicIPAddresses/ProbeTenant-staging-vip";
      const std::string staging = kService + "-staging";
      REQUIRE(serve.put(stagingPip, {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
      json body = cloudServiceBody(stagingPip, oneInstanceEach());
      body["properties"]["networkProfile"]["swappableCloudService"] = {{"id", kService}};
      REQUIRE(putVersion(serve, staging, body, "2022-09-04") == 201);
      REQUIRE(waitFor([&] { return allReady(serve, 7); }, std::chrono::seconds(30)));
      const std::string stagingVip = serve.get(stagingPip)["properties"].value("ipAddress", "");
      REQUIRE(waitFor([&] { return httpGet(stagingVip, 10000, "/sample/whoami").rfind("ProbeTenant-staging/", 0) == 0; },
                      std::chrono::seconds(15)));
      httplib::Client pinned(vip, 10000);  // one keep-alive connection to production
      pinned.set_keep_alive(true);
      auto before = pinned.Get("/sample/whoami");
      REQUIRE(before);
      REQUIRE(before->body.rfind("ProbeTenant/", 0) == 0);
      // New connections to the production VIP while the swap happens: every one is answered.
      std::atomic<bool> swapping{true};
      std::atomic<int> failed{0}, answered{0};
      std::thread load([&] {
        while (swapping) (httpGet(vip, 10000, "/sample/whoami").empty() ? failed : answered)++;
      });
      const int swapStatus = putVersion(serve, staging + "/providers/Microsoft.Network/cloudServiceSlots/swap",
                                        {{"properties", {{"slotType", "Production"}}}}, "2023-09-01");
      const bool moved = waitFor([&] { return httpGet(vip, 10000, "/sample/whoami").rfind("ProbeTenant-staging/", 0) == 0; },
                                 std::chrono::seconds(10));
      swapping = false;
      load.join();
      REQUIRE((swapStatus == 200 || swapStatus == 201 || swapStatus == 202));
      CHECK(moved);
      CHECK(failed == 0);
      CHECK(answered > 0);
      CHECK(serve.get(kService)["properties"]["networkProfile"]["loadBalancerConfigurations"][0]["properties"]["frontendIpConfigurations"][0]["properties"]["publicIPAddress"]["id"] == stagingPip);
      auto after = pinned.Get("/sample/whoami");  // the established connection: still the old deployment
      REQUIRE(after);
      CHECK(after->body == before->body);
      CHECK(httpGet(stagingVip, 10000, "/sample/whoami").rfind("ProbeTenant/", 0) == 0);
    }

    serve.stop(SIGTERM);
  }
  std::filesystem::remove_all(dir);
}
