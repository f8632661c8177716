// Issue 12: outbound SNAT on the wire, through a real `azlb serve`. VMs open connections to
// servers in "the internet" namespace (every address of 198.19.0.0/16 is a host there); the
// servers report the source they saw. Checks Azure's outbound precedence, the ports each VM was
// allocated, TCP port reuse across destinations, exhaustion (SYN dropped, counted, visible in
// /metrics) and recovery, UDP's port-restricted cone, return traffic through both MUXes, and a
// download that survives a MUX being killed.
#include <map>
#include <set>

#include "tests/netns/lb_support.h"

using namespace azlb::lbtest;

namespace {

const ServeInstance kWhere{"obt", "198.18.246.0/24", "100.121.0.0/16", {"--idle-timeout-scale", "0.1"}};
const std::string kLb = kNet + "/loadBalancers/lb";
const std::string kVnet = kNet + "/virtualNetworks/vnet1";

json idRef(const std::string& id) { return {{"id", id}}; }

std::string peerOf(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
}

/// Servers in the internet namespace: TCP 9000 writes the source address:port it sees and keeps
/// the connection until the client closes; TCP 9002 sends `bulkBytes` and closes; UDP 9001
/// answers every datagram with its source address:port, at 198.19.0.10 and 198.19.7.7 (bound to
/// each: a socket bound to 0.0.0.0 would answer from the namespace's link address, which a
/// port-restricted cone rightly drops, as on any multi-homed host).
class InternetServer {
 public:
  InternetServer(std::string ns, std::size_t bulkBytes) : ns_(std::move(ns)), bulk_(bulkBytes) {
    thread_ = std::thread([this] { run(); });
    REQUIRE(waitFor([&] { return ready_.load(); }, std::chrono::seconds(5)));
  }
  ~InternetServer() {
    stop_ = true;
    thread_.join();
  }

 private:
  static int bound(int type, std::uint16_t port, const char* address = "0.0.0.0") {
    int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, address, &a.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
    if (type == SOCK_STREAM) listen(fd, 1024);
    return fd;
  }
  void run() {
    int fd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return;
    close(fd);
    const int echo = bound(SOCK_STREAM, 9000), bulk = bound(SOCK_STREAM, 9002);
    const int udps[] = {bound(SOCK_DGRAM, 9001, "198.19.0.10"), bound(SOCK_DGRAM, 9001, "198.19.7.7")};
    ready_ = echo >= 0 && bulk >= 0;  // the UDP servers only where 198.19.x.y is local
    std::vector<int> conns;
    std::vector<std::thread> senders;
    while (!stop_) {
      std::vector<pollfd> pfds = {{echo, POLLIN, 0}, {bulk, POLLIN, 0}, {udps[0], POLLIN, 0}, {udps[1], POLLIN, 0}};
      for (int c : conns) pfds.push_back({c, POLLIN, 0});
      poll(pfds.data(), pfds.size(), 50);
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      for (int c; (c = accept4(echo, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK)) >= 0; len = sizeof peer) {
        const std::string text = peerOf(peer) + "\n";
        (void)!write(c, text.data(), text.size());
        conns.push_back(c);
      }
      for (int c; (c = accept4(bulk, nullptr, nullptr, 0)) >= 0;)
        senders.emplace_back([c, n = bulk_] {
          std::vector<char> chunk(1 << 16, 'x');
          for (std::size_t sent = 0; sent < n;) {
            const ssize_t w = write(c, chunk.data(), std::min(chunk.size(), n - sent));
            if (w <= 0) break;
            sent += static_cast<std::size_t>(w);
          }
          close(c);
        });
      char buf[512];
      for (int udp : udps)
        for (ssize_t n; udp >= 0 && (n = recvfrom(udp, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &(len = sizeof peer))) > 0;) {
          const std::string text = peerOf(peer);
          sendto(udp, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&peer), sizeof peer);
        }
      for (std::size_t i = 4; i < pfds.size(); ++i)
        if (pfds[i].revents != 0 && read(pfds[i].fd, buf, sizeof buf) <= 0) {
          close(pfds[i].fd);
          conns.erase(std::find(conns.begin(), conns.end(), pfds[i].fd));
        }
    }
    for (int c : conns) close(c);
    for (auto& t : senders) t.join();
    close(echo);
    close(bulk);
    for (int udp : udps)
      if (udp >= 0) close(udp);
  }

  std::string ns_;
  std::size_t bulk_;
  std::thread thread_;
  std::atomic<bool> ready_{false}, stop_{false};
};

/// A connection from inside a VM namespace: connects within `limit` (a dropped SYN fails) and
/// reads the line the echo server writes (the source it saw).
struct OutConn {
  int fd = -1;
  std::string seen;
  OutConn(const std::string& ip, int port, std::chrono::milliseconds limit = std::chrono::milliseconds(1500)) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) > 0) {
        char buf[64];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) seen.assign(buf, static_cast<std::size_t>(n));
        while (!seen.empty() && seen.back() == '\n') seen.pop_back();
        break;
      }
    }
  }
  ~OutConn() { close(fd); }
  bool ok() const { return !seen.empty(); }
};

/// UDP from inside a VM: one socket, one datagram to each destination; the sources they saw.
std::vector<std::string> udpSeen(const std::vector<std::string>& destinations) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<std::string> out;
  for (const auto& d : destinations) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(9001);
    inet_pton(AF_INET, d.c_str(), &a.sin_addr);
    sendto(fd, "?", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    char buf[64];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    out.push_back(n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "");
  }
  close(fd);
  return out;
}

json pip(const std::string& sku = "Standard") {
  return {{"location", "westus"},
          {"sku", {{"name", sku}}},
          {"properties", {{"publicIPAllocationMethod", "Static"}}}};
}

json poolOf(const std::string& name, const std::vector<std::string>& ips, const std::string& subnetVnet = kVnet) {
  json members = json::array();
  for (std::size_t i = 0; i < ips.size(); ++i)
    members.push_back({{"name", name + std::to_string(i)},
                       {"properties", {{"ipAddress", ips[i]}, {"virtualNetwork", idRef(subnetVnet)}}}});
  return {{"name", name}, {"properties", {{"loadBalancerBackendAddresses", members}}}};
}

/// lb: frontends fe (pip1) and fe2 (pip2); pool "two" (10.0.0.4, .5) with outbound rule "out"
/// (default ports) and pool "few" (10.0.0.6) with outbound rule "tiny" (8 ports, on fe2).
json outboundLb() {
  auto fe = [](const std::string& name, const std::string& p) {
    return json{{"name", name}, {"properties", {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/" + p)}}}};
  };
  auto outRule = [](const std::string& name, const std::string& feName, const std::string& pool, int ports) {
    json p = {{"protocol", "All"},
              {"frontendIPConfigurations", {idRef(kLb + "/frontendIPConfigurations/" + feName)}},
              {"backendAddressPool", idRef(kLb + "/backendAddressPools/" + pool)}};
    if (ports > 0) p["allocatedOutboundPorts"] = ports;
    return json{{"name", name}, {"properties", p}};
  };
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations", {fe("fe", "pip1"), fe("fe2", "pip2")}},
            {"backendAddressPools", {poolOf("two", {"10.0.0.4", "10.0.0.5"}), poolOf("few", {"10.0.0.6"})}},
            {"outboundRules", {outRule("out", "fe", "two", 0), outRule("tiny", "fe2", "few", 8)}}}}};
}

std::string pipAddress(const Serve& serve, const std::string& name) {
  return serve.get(kNet + "/publicIPAddresses/" + name)["properties"].value("ipAddress", "");
}

const json* outboundOf(const json& st, const std::string& ip) {
  for (const auto& o : st["outbound"])
    if (o.value("ip", "") == ip) return &o;
  return nullptr;
}

std::string nsOf(const json& st, const std::string& ip) {
  for (const auto& vm : st["vms"])
    if (vm["ips"][0] == ip) return vm["namespace"];
  return "";
}

/// Whether "a.b.c.d:port" is from `ip` and a port of one of the "ip:first-last" ranges.
bool inRanges(const std::string& seen, const json& ranges) {
  const auto colon = seen.find(':');
  if (colon == std::string::npos) return false;
  const std::string ip = seen.substr(0, colon);
  const int port = std::stoi(seen.substr(colon + 1));
  for (const auto& r : ranges) {
    const std::string text = r;
    const auto c = text.find(':'), dash = text.find('-');
    if (text.substr(0, c) == ip && port >= std::stoi(text.substr(c + 1, dash - c - 1)) &&
        port <= std::stoi(text.substr(dash + 1)))
      return true;
  }
  return false;
}

std::uint64_t metric(const Serve& serve, const std::string& prefix) {
  auto r = serve.client()->Get("/metrics");
  if (!r) return 0;
  std::uint64_t total = 0;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) total += std::stoull(line.substr(line.rfind(' ') + 1));
  return total;
}

}  // namespace

TEST_CASE("outbound rules SNAT VMs' connections to the internet from their own ports", "[outbound]") {
  char tmpl[] = "/tmp/azlb-obtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    serve.createVnet();
    serve.putAndWait(kNet + "/publicIPAddresses/pip1", pip());
    serve.putAndWait(kNet + "/publicIPAddresses/pip2", pip());
    serve.putAndWait(kLb, outboundLb());
    const json st = serve.status();
    REQUIRE(st.value("internet", "") != "");
    InternetServer internet(st["internet"], std::size_t{100} << 20);
    const std::string fe = pipAddress(serve, "pip1"), fe2 = pipAddress(serve, "pip2");
    for (const char* ip : {"10.0.0.4", "10.0.0.5", "10.0.0.6"}) {
      INFO(ip);
      REQUIRE(outboundOf(st, ip) != nullptr);
      CHECK((*outboundOf(st, ip))["kind"] == "OutboundRule");
    }
    CHECK((*outboundOf(st, "10.0.0.4"))["ports"] == 1024);
    CHECK((*outboundOf(st, "10.0.0.6"))["ports"] == 8);

    SECTION("2 VMs x 1000 connections: each from the frontend, from its own ports, back through both MUXes") {
      const auto before0 = serve.processStatus("mux-0").path("snatReturn");
      const auto before1 = serve.processStatus("mux-1").path("snatReturn");
      for (const char* ip : {"10.0.0.4", "10.0.0.5"}) {
        INFO(ip);
        const json ranges = (*outboundOf(st, ip))["portRanges"];
        int ok = 0, inside = 0;
        inNamespace(nsOf(st, ip), [&] {
          for (int i = 0; i < 1000; ++i) {
            OutConn c("198.19.0." + std::to_string(10 + i % 50), 9000);
            ok += c.ok() ? 1 : 0;
            inside += c.ok() && inRanges(c.seen, ranges) && c.seen.rfind(fe + ":", 0) == 0 ? 1 : 0;
          }
        });
        CHECK(ok == 1000);
        CHECK(inside == 1000);
      }
      CHECK(serve.processStatus("mux-0").path("snatReturn") > before0);
      CHECK(serve.processStatus("mux-1").path("snatReturn") > before1);
    }

    SECTION("8 ports: the 9th connection to one destination fails and is counted; another destination works") {
      const std::string failed = "azlb_snat_connection_count{connection_state=\"failed\",backend_ip_address=\"10.0.0.6\"";
      const auto failedBefore = metric(serve, failed);
      inNamespace(nsOf(st, "10.0.0.6"), [&] {
        std::vector<std::unique_ptr<OutConn>> open;
        for (int i = 0; i < 8; ++i) {
          open.push_back(std::make_unique<OutConn>("198.19.0.10", 9000));
          CHECK(open.back()->ok());
          CHECK(open.back()->seen.rfind(fe2 + ":", 0) == 0);
        }
        CHECK_FALSE(OutConn("198.19.0.10", 9000).ok());
        // TCP reuses a port for another destination.
        OutConn other("198.19.0.11", 9000);
        CHECK(other.ok());
        // One closes with an RST: its port returns 15 s (x 0.1 here) later; after a FIN it would
        // take 240 s (x 0.1), as in Azure.
        linger abort{1, 0};
        setsockopt(open.front()->fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        open.erase(open.begin());
        CHECK(waitFor([&] { return OutConn("198.19.0.10", 9000, std::chrono::milliseconds(500)).ok(); },
                      std::chrono::seconds(20)));
      });
      CHECK(waitFor([&] { return metric(serve, failed) > failedBefore; }, std::chrono::seconds(10)));
      CHECK(waitFor([&] { return metric(serve, "azlb_used_snat_ports{backend_ip_address=\"10.0.0.6\"") <= 8; },
                    std::chrono::seconds(10)));
      CHECK(metric(serve, "azlb_allocated_snat_ports{backend_ip_address=\"10.0.0.6\"") == 8);
    }

    SECTION("UDP: one socket seen from the same public IP:port by two servers") {
      std::vector<std::string> seen;
      inNamespace(nsOf(st, "10.0.0.4"), [&] { seen = udpSeen({"198.19.0.10", "198.19.7.7"}); });
      REQUIRE(seen.size() == 2);
      CHECK(!seen[0].empty());
      CHECK(seen[0] == seen[1]);
      CHECK(seen[0].rfind(fe + ":", 0) == 0);
    }

    SECTION("a MUX killed during a 100 MiB download changes nothing for the flow") {
      std::size_t got = 0;
      inNamespace(nsOf(st, "10.0.0.5"), [&] {
        OutConn c("198.19.0.12", 9002, std::chrono::milliseconds(0));
        timeval tv{10, 0};
        setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int flags = fcntl(c.fd, F_GETFL);
        pollfd p{c.fd, POLLOUT, 0};
        poll(&p, 1, 2000);
        fcntl(c.fd, F_SETFL, flags & ~O_NONBLOCK);
        std::vector<char> buf(1 << 16);
        bool killed = false;
        for (ssize_t n; (n = read(c.fd, buf.data(), buf.size())) > 0;) {
          got += static_cast<std::size_t>(n);
          if (!killed && got > (std::size_t{20} << 20)) {
            killed = true;
            const json now = serve.status();
            for (const auto& proc : now["processes"])
              if (proc.value("kind", "") == "mux" && proc.value("index", 1) == 0) kill(proc.value("pid", 0), SIGKILL);
          }
        }
      });
      CHECK(got == (std::size_t{100} << 20));
    }
  }
  CHECK(Serve(dir, kWhere).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}

namespace {

const std::string kSubnetOpen = kVnet + "/subnets/open";
const std::string kSubnetPrivate = kVnet + "/subnets/private";

json precedenceVnet() {
  return {{"location", "westus"},
          {"properties",
           {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
            {"subnets",
             {{{"name", "open"}, {"properties", {{"addressPrefix", "10.0.0.0/24"}}}},
              {{"name", "private"}, {"properties", {{"addressPrefix", "10.0.1.0/24"}, {"defaultOutboundAccess", false}}}}}}}}};
}

json nic(const std::string& ip, const std::string& subnet, const json& extra) {
  json props = {{"subnet", idRef(subnet)}, {"privateIPAddress", ip}, {"privateIPAllocationMethod", "Static"}};
  props.update(extra);
  return {{"location", "westus"}, {"properties", {{"ipConfigurations", {{{"name", "ipconfig1"}, {"properties", props}}}}}}};
}

/// A load balancer with one frontend (public IP `pipName`), pool "p" and a TCP rule 80 -> 8080 that
/// disables outbound SNAT. Standard: `members` are IP-based; Basic: NICs join the pool.
json snatlessLb(const std::string& name, const std::string& sku, const std::string& pipName,
                const std::vector<std::string>& members) {
  const std::string id = kNet + "/loadBalancers/" + name;
  json pool = sku == "Standard" ? json(poolOf("p", {})) : json{{"name", "p"}};
  if (sku == "Standard") {
    pool["properties"]["loadBalancerBackendAddresses"] = json::array();
    for (std::size_t i = 0; i < members.size(); ++i)
      pool["properties"]["loadBalancerBackendAddresses"].push_back(
          {{"name", "m" + std::to_string(i)}, {"properties", {{"ipAddress", members[i]}, {"virtualNetwork", idRef(kVnet)}}}});
  }
  return {{"location", "westus"},
          {"sku", {{"name", sku}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/" + pipName)}}}}}},
            {"backendAddressPools", {pool}},
            {"loadBalancingRules",
             {{{"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"frontendPort", 80}, {"backendPort", 8080}, {"disableOutboundSnat", true},
                 {"frontendIPConfiguration", idRef(id + "/frontendIPConfigurations/fe")},
                 {"backendAddressPool", idRef(id + "/backendAddressPools/p")}}}}}}}}};
}

}  // namespace

TEST_CASE("Azure's outbound precedence on the wire: instance public IP, default access, private subnet, Basic",
          "[outbound]") {
  char tmpl[] = "/tmp/azlb-obtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  {
    Serve serve(dir, kWhere);
    serve.start();
    REQUIRE(serve.put(kSub + "/resourcegroups/rg", {{"location", "westus"}}) == 201);
    serve.putAndWait(kVnet, precedenceVnet());
    for (const char* p : {"vmpip", "stdpip"}) serve.putAndWait(kNet + "/publicIPAddresses/" + p, pip());
    serve.putAndWait(kNet + "/publicIPAddresses/basicpip", pip("Basic"));
    serve.putAndWait(kNet + "/loadBalancers/std", snatlessLb("std", "Standard", "stdpip", {"10.0.0.5", "10.0.1.5"}));
    serve.putAndWait(kNet + "/loadBalancers/basic", snatlessLb("basic", "Basic", "basicpip", {}));
    serve.putAndWait(kNet + "/networkInterfaces/nic1",
                     nic("10.0.0.4", kSubnetOpen, {{"publicIPAddress", idRef(kNet + "/publicIPAddresses/vmpip")}}));
    serve.putAndWait(kNet + "/networkInterfaces/nic2",
                     nic("10.0.0.6", kSubnetOpen,
                         {{"loadBalancerBackendAddressPools", {idRef(kNet + "/loadBalancers/basic/backendAddressPools/p")}}}));
    REQUIRE(waitFor([&] { return serve.status()["outbound"].size() == 4; }, std::chrono::seconds(10)));
    const json st = serve.status();
    InternetServer internet(st["internet"], 0);
    auto seenFrom = [&](const std::string& ip) {
      std::string seen;
      inNamespace(nsOf(st, ip), [&] { seen = OutConn("198.19.0.20", 9000).seen; });
      return seen.substr(0, seen.find(':'));
    };
    CHECK((*outboundOf(st, "10.0.0.4"))["kind"] == "InstancePublicIp");
    CHECK(seenFrom("10.0.0.4") == pipAddress(serve, "vmpip"));
    CHECK((*outboundOf(st, "10.0.0.5"))["kind"] == "DefaultOutboundAccess");
    CHECK(seenFrom("10.0.0.5") == "198.18.246.254");
    CHECK((*outboundOf(st, "10.0.1.5"))["kind"] == "None");
    CHECK(seenFrom("10.0.1.5").empty());
    CHECK((*outboundOf(st, "10.0.0.6"))["kind"] == "LoadBalancingRule");
    CHECK(seenFrom("10.0.0.6") == pipAddress(serve, "basicpip"));

    SECTION("the instance public IP also takes inbound connections to the VM, on any port") {
      VmServer server(nsOf(st, "10.0.0.4"), "nic1");
      CHECK(Conn(pipAddress(serve, "vmpip"), 8082).ask() == "nic1");
    }
  }
  CHECK(Serve(dir, kWhere).leftoverNamespaces() == 0);
  fs::remove_all(dir);
}

namespace {

struct FastpathRun {
  std::size_t got = 0;
  std::uint64_t throughMuxes = 0, redirects = 0, hostOut = 0, hostIn = 0;
};

/// VM 10.0.0.4 (outbound rule "out" of lb) downloads 50 MiB from VM 10.0.0.7 behind lb "b"'s
/// frontend pip3:9100: VIP to VIP.
FastpathRun vipToVipDownload(const ServeInstance& where) {
  char tmpl[] = "/tmp/azlb-obtest.XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  FastpathRun run;
  {
    Serve serve(dir, where);
    serve.start();
    serve.createVnet();
    for (const char* p : {"pip1", "pip2", "pip3"}) serve.putAndWait(kNet + "/publicIPAddresses/" + p, pip());
    serve.putAndWait(kLb, outboundLb());
    json b = snatlessLb("b", "Standard", "pip3", {"10.0.0.7"});
    b["properties"]["loadBalancingRules"][0]["properties"]["frontendPort"] = 9100;
    b["properties"]["loadBalancingRules"][0]["properties"]["backendPort"] = 9002;
    serve.putAndWait(kNet + "/loadBalancers/b", b);
    const json st = serve.status();
    InternetServer server(nsOf(st, "10.0.0.7"), std::size_t{50} << 20);  // 9002: 50 MiB
    auto sum = [&](const std::vector<std::string>& procs, const std::function<std::uint64_t(const azlb::runtime::StatusReport&)>& f) {
      std::uint64_t n = 0;
      for (const auto& p : procs) n += f(serve.processStatus(p));
      return n;
    };
    const std::vector<std::string> muxes = {"mux-0", "mux-1"}, hosts = {"host-0", "host-1"};
    auto rx = [](const azlb::runtime::StatusReport& r) { return r.rxPackets; };
    const std::string vipB = pipAddress(serve, "pip3");
    const auto before = sum(muxes, rx);
    inNamespace(nsOf(st, "10.0.0.4"), [&] {
      OutConn c(vipB, 9100, std::chrono::milliseconds(0));
      pollfd p{c.fd, POLLOUT, 0};
      poll(&p, 1, 3000);
      fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
      timeval tv{10, 0};
      setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::vector<char> buf(1 << 16);
      for (ssize_t n; (n = read(c.fd, buf.data(), buf.size())) > 0;) run.got += static_cast<std::size_t>(n);
    });
    run.throughMuxes = sum(muxes, rx) - before;
    run.redirects = sum(muxes, [](const auto& r) { return r.path("fastpathRedirects"); });
    run.hostOut = sum(hosts, [](const auto& r) { return r.path("fastpathOut"); });
    run.hostIn = sum(hosts, [](const auto& r) { return r.path("fastpathIn"); });
  }
  CHECK(Serve(dir, where).leftoverNamespaces() == 0);
  fs::remove_all(dir);
  return run;
}

}  // namespace

TEST_CASE("Fastpath: an established VIP-to-VIP connection leaves the MUXes after its first packets", "[outbound][fastpath]") {
  const FastpathRun on = vipToVipDownload(kWhere);
  INFO("packets through the MUXes with Fastpath: " << on.throughMuxes);
  CHECK(on.got == (std::size_t{50} << 20));
  CHECK(on.throughMuxes < 64);  // the handshake (and what was in flight), not the transfer
  CHECK(on.redirects == 1);
  CHECK(on.hostOut > 100);
  CHECK(on.hostIn > 100);

  ServeInstance off = kWhere;
  off.extraArgs.insert(off.extraArgs.end(), {"--fastpath", "off"});
  const FastpathRun without = vipToVipDownload(off);
  INFO("packets through the MUXes without: " << without.throughMuxes);
  CHECK(without.got == (std::size_t{50} << 20));
  CHECK(without.throughMuxes > 500);  // every reply segment to VIP A and every ACK to VIP B
  CHECK(without.redirects == 0);
  CHECK(without.hostOut == 0);
}
