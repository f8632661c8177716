// Issue 14 §2 on the wire: network security groups evaluated by the host agents of a real `azlb
// serve`. With --nsg enforce a Standard load balancer's backends without a group receive nothing
// while their probes (from 168.63.129.16, the AzureLoadBalancer tag) still pass; a subnet group
// allowing 8080 from Internet opens them, a lower-numbered deny closes them again; replies of an
// allowed outbound connection pass although no inbound rule allows them, and an outbound deny
// stops new ones; a Basic load balancer's backend without a group stays open. With --nsg warn the
// same denied flow is let through and the host agent logs what Azure would do. Per-rule hits come
// from the host agents' status.
#include <fstream>
#include <sstream>

#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kEnforce{"nsg", "198.18.229.0/24", "100.109.0.0/16", {"--probe-time-scale", "0.2", "--nsg", "enforce"}};
const std::string kVnet = kNet + "/virtualNetworks/vnet1";
const std::string kNsg = kNet + "/networkSecurityGroups/web-nsg";

json idRef(const std::string& id) { return {{"id", id}}; }

/// A Standard (or Basic) load balancer: frontend `pip`, rule 80 -> 8080 with a Tcp probe on 8080.
json balancer(const std::string& name, const std::string& sku, const std::string& pip, const json& pool) {
  const std::string lb = kNet + "/loadBalancers/" + name;
  return {{"location", "westus"},
          {"sku", {{"name", sku}}},
          {"properties",
           {{"frontendIPConfigurations", {{{"name", "fe"}, {"properties", {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/" + pip)}}}}}},
            {"backendAddressPools", json::array({pool})},
            {"probes", {{{"name", "tcp"}, {"properties", {{"protocol", "Tcp"}, {"port", 8080}, {"intervalInSeconds", 5}}}}}},
            {"loadBalancingRules",
             {{{"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080},
                 {"frontendIPConfiguration", idRef(lb + "/frontendIPConfigurations/fe")},
                 {"backendAddressPool", idRef(lb + "/backendAddressPools/be")}, {"probe", idRef(lb + "/probes/tcp")}}}}}}}}};
}

json rule(const std::string& name, int priority, const std::string& access, const std::string& direction,
          const std::string& port) {
  return {{"name", name},
          {"properties",
           {{"priority", priority}, {"access", access}, {"direction", direction}, {"protocol", "Tcp"},
            {"sourceAddressPrefix", direction == "Inbound" ? "Internet" : "*"}, {"sourcePortRange", "*"},
            {"destinationAddressPrefix", direction == "Inbound" ? "*" : "Internet"}, {"destinationPortRange", port}}}};
}

json subnet(const std::string& prefix, bool withNsg) {
  json props = {{"addressPrefix", prefix}};
  if (withNsg) props["networkSecurityGroup"] = idRef(kNsg);
  return {{"properties", props}};
}

/// A TCP connection to ip:port from namespace `ns` ("" = this one) completes within `limit`.
bool connects(const std::string& ns, const std::string& ip, int port, std::chrono::milliseconds limit) {
  bool ok = false;
  auto attempt = [&] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    (void)connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    pollfd p{fd, POLLOUT, 0};
    int err = -1;
    socklen_t len = sizeof err;
    if (poll(&p, 1, static_cast<int>(limit.count())) == 1) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    ok = err == 0;
    close(fd);
  };
  if (ns.empty())
    attempt();
  else
    inNamespace(ns, attempt);
  return ok;
}

/// Accepts and closes connections on 0.0.0.0:port inside namespace `ns` (a server on the internet).
class Listener {
 public:
  Listener(std::string ns, std::uint16_t port) : ns_(std::move(ns)), port_(port) {
    thread_ = std::thread([this] { run(); });
    REQUIRE(waitFor([&] { return ready_.load(); }, std::chrono::seconds(5)));
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    int nsfd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return;
    close(nsfd);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 64) != 0) return;
    ready_ = true;
    while (!stop_) {
      pollfd p{ls, POLLIN, 0};
      if (poll(&p, 1, 50) > 0)
        for (int c; (c = accept4(ls, nullptr, nullptr, 0)) >= 0;) close(c);
    }
    close(ls);
  }
  std::string ns_;
  std::uint16_t port_;
  std::thread thread_;
  std::atomic<bool> ready_{false}, stop_{false};
};

/// Hits of one security rule, summed over both host agents.
std::uint64_t hits(const Serve& serve, const std::string& ruleName) {
  std::uint64_t n = 0;
  for (const char* host : {"host-0", "host-1"})
    for (const auto& r : serve.processStatus(host).nsgRules)
      if (r.rule == ruleName) n += r.hits;
  return n;
}

std::uint64_t nsgDrops(const Serve& serve) {
  return serve.processStatus("host-0").dropped("nsgDenied") + serve.processStatus("host-1").dropped("nsgDenied");
}

/// Both host agents' logs.
std::string hostLogs(const std::string& instance) {
  std::string all;
  for (const char* host : {"host-0", "host-1"}) {
    std::ifstream in("/run/azlb/" + instance + "/" + host + ".log");
    std::stringstream text;
    text << in.rdbuf();
    all += text.str();
  }
  return all;
}

bool probedUp(const Serve& serve, const std::string& ip) {
  for (const auto& p : serve.get("/azlb/probes").value("probes", json::array()))
    if (p.value("ip", "") == ip && !p.value("inRotation", false)) return false;
  return true;
}

}  // namespace

TEST_CASE("network security groups on the wire: enforce, Standard's secure default, Basic open, warn", "[nsg]") {
  char tmpl[] = "/tmp/azlb-nsgtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const auto second = std::chrono::milliseconds(1000);
  std::string vip;
  {
    Serve serve(dir, kEnforce);
    serve.start();
    serve.createVnet();
    REQUIRE(serve.put(kNet + "/publicIPAddresses/pip1", {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}) == 201);
    json addrs = json::array();
    for (const char* ip : {"10.0.0.4", "10.0.0.5"})
      addrs.push_back({{"name", ip}, {"properties", {{"ipAddress", ip}, {"virtualNetwork", idRef(kVnet)}}}});
    serve.putAndWait(kNet + "/loadBalancers/lb1",
                     balancer("lb1", "Standard", "pip1", {{"name", "be"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}}));
    vip = serve.get(kNet + "/publicIPAddresses/pip1")["properties"].value("ipAddress", "");
    json st = serve.status();
    REQUIRE(st["vms"].size() == 2);
    std::vector<std::unique_ptr<VmServer>> servers;
    std::string vmNs;
    for (const auto& vm : st["vms"]) servers.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
    vmNs = st["vms"][0]["namespace"];

    // No group anywhere: the probes pass (they come from 168.63.129.16 inside the host, as
    // AllowAzureLoadBalancerInBound lets them), yet the backends receive no client.
    REQUIRE(waitFor([&] { return probedUp(serve, "10.0.0.4") && probedUp(serve, "10.0.0.5"); }, std::chrono::seconds(10)));
    for (const auto& s : servers) CHECK(s->probeSourceHits() > 0);
    CHECK_FALSE(connects("", vip, 80, second));
    CHECK(nsgDrops(serve) > 0);
    CHECK(waitFor([&] { return hostLogs("nsg").find("nsg: dropped tcp") != std::string::npos; }, std::chrono::seconds(5)));
    CHECK(hostLogs("nsg").find("no network security group on the VM's subnet or NIC") != std::string::npos);

    // A subnet group allowing 8080 from Internet opens them.
    serve.putAndWait(kNsg, {{"location", "westus"},
                            {"properties", {{"securityRules", json::array({rule("allow-8080", 200, "Allow", "Inbound", "8080")})}}}});
    serve.putAndWait(kVnet + "/subnets/default", subnet("10.0.0.0/24", true));
    REQUIRE(waitFor([&] { return connects("", vip, 80, second); }, std::chrono::seconds(15)));
    auto answered = spread(vip, 80, 20);
    CHECK(answered.count("") == 0);
    CHECK(answered.size() == 2);
    CHECK(hits(serve, "allow-8080") >= 20);

    // Replies of an allowed outbound connection pass (no inbound rule allows them); an outbound
    // deny stops new ones.
    Listener internet(st["internet"], 9000);
    CHECK(connects(vmNs, "198.19.0.10", 9000, 2 * second));
    CHECK(hits(serve, "AllowInternetOutBound") > 0);
    json withDeny = {{"location", "westus"},
                     {"properties",
                      {{"securityRules", json::array({rule("allow-8080", 200, "Allow", "Inbound", "8080"),
                                                      rule("deny-8080", 150, "Deny", "Inbound", "8080"),
                                                      rule("no-9000-out", 100, "Deny", "Outbound", "9000")})}}}};
    serve.putAndWait(kNsg, withDeny);
    // A deny rule with a lower number closes 8080 again.
    REQUIRE(waitFor([&] { return !connects("", vip, 80, second); }, std::chrono::seconds(15)));
    CHECK(hits(serve, "deny-8080") > 0);
    CHECK_FALSE(connects(vmNs, "198.19.0.10", 9000, second));
    CHECK(hits(serve, "no-9000-out") > 0);

    // Basic stays open: a Basic load balancer's backend in a subnet without any group.
    REQUIRE(serve.put(kNet + "/publicIPAddresses/pip2", {{"location", "westus"}, {"sku", {{"name", "Basic"}}}}) == 201);
    serve.putAndWait(kVnet + "/subnets/open", subnet("10.0.1.0/24", false));
    serve.putAndWait(kNet + "/loadBalancers/lb2", balancer("lb2", "Basic", "pip2", {{"name", "be"}}));
    serve.putAndWait(kNet + "/networkInterfaces/nic3",
                     {{"location", "westus"},
                      {"properties",
                       {{"ipConfigurations",
                         json::array({{{"name", "ipconfig1"},
                                       {"properties",
                                        {{"subnet", idRef(kVnet + "/subnets/open")},
                                         {"privateIPAllocationMethod", "Static"},
                                         {"privateIPAddress", "10.0.1.4"},
                                         {"loadBalancerBackendAddressPools",
                                          json::array({idRef(kNet + "/loadBalancers/lb2/backendAddressPools/be")})}}}}})}}}});
    const std::string basicVip = serve.get(kNet + "/publicIPAddresses/pip2")["properties"].value("ipAddress", "");
    st = serve.status();
    for (const auto& vm : st["vms"])
      if (vm["ips"][0] == "10.0.1.4") servers.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
    REQUIRE(servers.size() == 3);
    REQUIRE(waitFor([&] { return probedUp(serve, "10.0.1.4") && connects("", basicVip, 80, second); }, std::chrono::seconds(15)));
    CHECK(Conn(basicVip, 80).ask() == servers.back()->name());
  }
  {
    // warn: the denied flow is let through, and the host agent says what Azure would do.
    ServeInstance warn = kEnforce;
    warn.extraArgs = {"--probe-time-scale", "0.2", "--nsg", "warn"};
    Serve serve(dir, warn);
    serve.start();
    json st;
    REQUIRE(waitFor([&] { return (st = serve.status()).is_object() && st.value("vms", json::array()).size() == 3; },
                    std::chrono::seconds(20)));
    std::vector<std::unique_ptr<VmServer>> servers;
    for (const auto& vm : st["vms"]) servers.push_back(std::make_unique<VmServer>(vm["namespace"], vm["name"]));
    REQUIRE(waitFor([&] { return probedUp(serve, "10.0.0.4") && connects("", vip, 80, second); }, std::chrono::seconds(20)));
    CHECK(waitFor([&] { return hostLogs("nsg").find("nsg warn: Azure would drop tcp") != std::string::npos; }, std::chrono::seconds(5)));
    const std::string logs = hostLogs("nsg");
    CHECK(logs.find("denied by web-nsg/deny-8080; let through (serve --nsg warn)") != std::string::npos);
    CHECK(nsgDrops(serve) == 0);
    CHECK(hits(serve, "deny-8080") > 0);
  }
  std::filesystem::remove_all(dir);
}
