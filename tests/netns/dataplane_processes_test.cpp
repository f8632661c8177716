// The real data-plane processes between real namespaces: `azlb mux` and two `azlb host-agent`s
// started inside their namespaces, configured over their control sockets, and crossed by TCP
// from a client namespace to a frontend (load balancing, stickiness, direct server return),
// between VMs of one VNet on two hosts, and not between overlapping VNets.
//
//   client 198.19.1.2 -- router -- mux0 (TUN, outer source 100.64.4.1)
//                          |
//               host0 -----+----- host1              host j: TUN for 100.64.(16+j).0/24
//                 |                 |
//               h0v1           h1v1 and h1v2         (host, VNet) namespaces: TUN, default route
//              /    |            |       |
//          vm-a   vm-b         vm-c    vm-d          vm-d: VNet two, same address as vm-b
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "emulator/runtime/control_client.h"
#include "emulator/runtime/snapshot.h"
#include "netns/realize.h"
#include "netns/topology.h"
#include "tests/netns/dp_support.h"
#include "tests/netns/test_net.h"
#include "tests/support/temp_dir.h"

using namespace azlb;
using azlb::dptest::DpConnection;
using azlb::dptest::DpProcess;
using azlb::testnet::nameOf;
using azlb::testnet::prefix;
using azlb::testnet::Role;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr const char* kVnet1 =
    "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/one";
constexpr const char* kVnet2 =
    "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/two";
constexpr const char* kFrontend = "198.18.0.10";
constexpr const char* kMuxUnderlay = "100.64.4.1";
constexpr std::uint16_t kBackendPort = 8080;

struct VmDef {
  const char* name;
  unsigned index;  // Role::Vm index
  const char* ip;
  const char* underlay;
  unsigned host;
  const char* vnet;
  unsigned hostVnet;  // Role::Link index of its (host, VNet) namespace
};
const VmDef kVms[] = {
    {"vm-a", 0, "10.0.0.4", "100.64.16.1", 0, kVnet1, 10},
    {"vm-b", 1, "10.0.0.5", "100.64.16.2", 0, kVnet1, 10},
    {"vm-c", 2, "10.0.0.6", "100.64.17.1", 1, kVnet1, 11},
    {"vm-d", 3, "10.0.0.5", "100.64.17.2", 1, kVnet2, 21},
};

struct HostVnetDef {
  unsigned index;  // Role::Link index of the namespace; also its TUN's Role::Tun index
  unsigned host;
  const char* vnet;
};
const HostVnetDef kHostVnets[] = {{10, 0, kVnet1}, {11, 1, kVnet1}, {21, 1, kVnet2}};

dataplane::Ipv4Address dpIp(const char* text) {
  auto a = dataplane::Ipv4Address::parse(text);
  REQUIRE(a);
  return *a;
}

netns_model::Sysctl sysctl(std::string key, std::string value) {
  return netns_model::Sysctl{std::move(key), std::move(value)};
}

// What the manager would build: namespaces, veths, addresses, routes and sysctls. The TUNs and
// the routes into them are the processes' own.
netns_model::Topology labTopology() {
  using netns_model::Nexthop;
  netns_model::Topology t;
  const std::string client = nameOf(Role::Client, 0), router = nameOf(Role::Router),
                    mux = nameOf(Role::Mux, 0), host0 = nameOf(Role::Host, 0),
                    host1 = nameOf(Role::Host, 1);
  auto via = [](const char* gw, const std::string& dev, bool onlink = false) {
    return std::vector<Nexthop>{{.gateway = testnet::address(gw), .dev = dev, .onlink = onlink}};
  };
  auto dev = [](const std::string& d) { return std::vector<Nexthop>{{.gateway = std::nullopt, .dev = d}}; };

  std::vector<netns_model::Sysctl> routerSysctls = {
      sysctl("net.ipv4.ip_forward", "1"), sysctl("net/ipv4/conf/all/rp_filter", "0"),
      sysctl("net/ipv4/conf/default/rp_filter", "0"),
      sysctl("net.ipv4.fib_multipath_hash_policy", "1")};
  for (const auto& link : {nameOf(Role::Client, 0), nameOf(Role::Mux, 0), nameOf(Role::Host, 0),
                           nameOf(Role::Host, 1)}) {
    routerSysctls.push_back(sysctl("net/ipv4/conf/" + link + "/rp_filter", "0"));
  }
  t.namespaces = {{client, {}}, {router, routerSysctls}, {mux, {}}, {host0, {}}, {host1, {}}};

  // Underlay links carry IP-in-IP: MTU 1600 so 1500-byte packets + 20 bytes fit.
  t.veths.push_back({{client, router, {prefix("198.19.1.2/24")}, ""},
                     {router, nameOf(Role::Client, 0), {prefix("198.19.1.1/24")}, ""}, 1500});
  t.veths.push_back({{router, nameOf(Role::Mux, 0), {prefix("100.64.1.1/30")}, ""},
                     {mux, router, {prefix("100.64.1.2/30")}, ""}, 1600});
  t.veths.push_back({{router, nameOf(Role::Host, 0), {prefix("100.64.2.1/30")}, ""},
                     {host0, router, {prefix("100.64.2.2/30")}, ""}, 1600});
  t.veths.push_back({{router, nameOf(Role::Host, 1), {prefix("100.64.2.5/30")}, ""},
                     {host1, router, {prefix("100.64.2.6/30")}, ""}, 1600});
  t.routes.push_back({client, prefix("0.0.0.0/0"), via("198.19.1.1", router)});
  t.routes.push_back({mux, prefix("0.0.0.0/0"), via("100.64.1.1", router)});
  t.routes.push_back({host0, prefix("0.0.0.0/0"), via("100.64.2.1", router)});
  t.routes.push_back({host1, prefix("0.0.0.0/0"), via("100.64.2.5", router)});
  t.routes.push_back({router, prefix("198.18.0.0/16"), via("100.64.1.2", nameOf(Role::Mux, 0))});
  t.routes.push_back({router, prefix("100.64.16.0/24"), via("100.64.2.2", nameOf(Role::Host, 0))});
  t.routes.push_back({router, prefix("100.64.17.0/24"), via("100.64.2.6", nameOf(Role::Host, 1))});

  for (const auto& hv : kHostVnets) {
    std::vector<netns_model::Sysctl> sysctls = {sysctl("net.ipv4.ip_forward", "1"),
                                                sysctl("net/ipv4/conf/all/rp_filter", "0"),
                                                sysctl("net/ipv4/conf/default/rp_filter", "0")};
    for (const auto& vm : kVms) {
      if (vm.hostVnet != hv.index) continue;
      const std::string link = nameOf(Role::Vm, vm.index);
      sysctls.push_back(sysctl("net/ipv4/conf/" + link + "/rp_filter", "0"));
      sysctls.push_back(sysctl("net/ipv4/conf/" + link + "/proxy_arp", "1"));
      // Answer the VM's ARP for its gateway (and on-link peers) at once, not after up to 0.8 s.
      sysctls.push_back(sysctl("net/ipv4/neigh/" + link + "/proxy_delay", "0"));
    }
    t.namespaces.push_back({nameOf(Role::Link, hv.index), sysctls});
  }
  for (const auto& vm : kVms) {
    const std::string vmNs = nameOf(Role::Vm, vm.index), hostSide = nameOf(Role::Link, vm.hostVnet);
    const std::string link = nameOf(Role::Vm, vm.index);
    t.namespaces.push_back({vmNs, {}});
    t.veths.push_back({{hostSide, link, {}, ""},
                       {vmNs, "eth0", {prefix((std::string(vm.ip) + "/24").c_str())}, ""}, 1500});
    t.routes.push_back({hostSide, prefix((std::string(vm.ip) + "/32").c_str()), dev(link)});
    t.routes.push_back({vmNs, prefix("0.0.0.0/0"), via("10.0.0.1", "eth0", /*onlink=*/true)});
  }
  return t;
}

// The snapshot the manager would send to host agent `host` (the MUX ignores the host part).
runtime::Snapshot labSnapshot(std::uint64_t version, unsigned host,
                              const std::set<std::string>& unhealthy = {}) {
  runtime::Snapshot s;
  s.version = version;
  s.forwarding.version = version;
  dataplane::RuleSpec web{.name = "web", .frontendIp = dpIp(kFrontend), .frontendPort = 80,
                          .backendPort = kBackendPort};
  for (const auto& vm : kVms) {
    if (std::string(vm.vnet) != kVnet1) continue;
    web.backends.push_back({.id = vm.name, .ip = dpIp(vm.ip), .hostIp = dpIp(vm.underlay),
                            .healthy = unhealthy.count(vm.name) == 0});
  }
  s.forwarding.rules = {web};
  s.muxUnderlays = {dpIp(kMuxUnderlay)};
  for (const auto& vm : kVms) {
    s.vms.push_back({.id = vm.name, .vnet = vm.vnet, .ip = dpIp(vm.ip),
                     .underlay = dpIp(vm.underlay), .host = vm.host,
                     .hostNamespace = nameOf(Role::Link, vm.hostVnet), .link = {}, .mac = {}});
  }
  s.host.index = host;
  s.host.underlayRange = "100.64." + std::to_string(16 + host) + ".0/24";
  for (const auto& hv : kHostVnets) {
    if (hv.host != host) continue;
    s.host.vnetNamespaces.push_back(
        {.name = nameOf(Role::Link, hv.index), .vnet = hv.vnet, .tun = nameOf(Role::Tun, hv.index)});
  }
  return s;
}

// Connects to a process's control socket, polling until it listens; fails fast (with the
// process's log) if the process exits first.
runtime::ControlClient controlOf(DpProcess& process, const std::string& path) {
  std::optional<runtime::ControlClient> client;
  const bool up = dptest::dpEventually(
      [&] {
        if (!process.running()) return true;
        auto c = runtime::ControlClient::connect(path);
        if (c) client.emplace(std::move(*c));
        return client.has_value();
      },
      seconds(15));
  INFO("process log:\n" << process.log());
  REQUIRE(up);
  REQUIRE(client.has_value());
  return std::move(*client);
}

/// Everything one test needs, torn down in reverse: processes, then servers, then namespaces.
class DpLab {
 public:
  DpLab() {
    auto built = topology_.apply(labTopology());
    INFO((built ? std::string() : built.error().message()));
    REQUIRE(built);
    for (const auto& vm : kVms) {
      servers_[vm.name] = std::make_unique<dptest::DpNameServer>(ns(Role::Vm, vm.index), vm.name,
                                                                 kBackendPort);
    }
  }

  const netns::NetNamespace& ns(Role role, unsigned index = 0) const {
    const auto* found = topology_.findNamespace(nameOf(role, index));
    REQUIRE(found != nullptr);
    return *found;
  }
  std::string socketPath(const std::string& what) const { return dir_.str() + "/" + what + ".sock"; }

  void startMux() {
    mux_ = std::make_unique<DpProcess>(
        nameOf(Role::Mux, 0),
        std::vector<std::string>{AZLB_BINARY, "mux", "--index", "0", "--socket", socketPath("mux0"),
                                 "--tun", nameOf(Role::Tun, 0), "--underlay", kMuxUnderlay},
        dir_.str() + "/mux0.log");
    muxControl_.emplace(controlOf(*mux_, socketPath("mux0")));
  }
  void startHost(unsigned j) {
    const std::string name = "host" + std::to_string(j);
    hosts_[j] = std::make_unique<DpProcess>(
        nameOf(Role::Host, j),
        std::vector<std::string>{AZLB_BINARY, "host-agent", "--index", std::to_string(j),
                                 "--socket", socketPath(name), "--tun", nameOf(Role::Tun, 1 + j)},
        dir_.str() + "/" + name + ".log");
    hostControl_[j].emplace(controlOf(*hosts_[j], socketPath(name)));
  }

  DpProcess& mux() { return *mux_; }
  DpProcess& host(unsigned j) { return *hosts_[j]; }
  runtime::ControlClient& muxControl() { return *muxControl_; }
  runtime::ControlClient& hostControl(unsigned j) { return *hostControl_[j]; }
  dptest::DpNameServer& server(const std::string& vm) { return *servers_.at(vm); }

  void pushMux(std::uint64_t version, const std::set<std::string>& unhealthy = {}) {
    auto acked = muxControl().sendSnapshot(labSnapshot(version, 0, unhealthy));
    INFO((acked ? std::string() : acked.error().message()) << "\nmux log:\n" << mux().log());
    REQUIRE(acked);
    CHECK(*acked == version);
  }
  void pushHost(unsigned j, std::uint64_t version) {
    auto acked = hostControl(j).sendSnapshot(labSnapshot(version, j));
    INFO((acked ? std::string() : acked.error().message()) << "\nhost log:\n" << host(j).log());
    REQUIRE(acked);
    CHECK(*acked == version);
  }
  void pushAll(std::uint64_t version, const std::set<std::string>& unhealthy = {}) {
    pushMux(version, unhealthy);
    pushHost(0, version);
    pushHost(1, version);
  }

  runtime::StatusReport muxStatus() {
    auto s = muxControl().status();
    INFO((s ? std::string() : s.error().message()));
    REQUIRE(s);
    return *s;
  }
  runtime::StatusReport hostStatus(unsigned j) {
    auto s = hostControl(j).status();
    INFO((s ? std::string() : s.error().message()));
    REQUIRE(s);
    return *s;
  }

  /// Connects from the client namespace to the frontend and asks `asks` times; REQUIREs one
  /// backend for the whole connection and returns it.
  std::string lbConnection(int asks = 3) {
    auto c = DpConnection::open(ns(Role::Client), kFrontend, 80, seconds(5));
    INFO((c ? std::string() : c.error().message()) << "\nmux log:\n" << mux().log());
    REQUIRE(c);
    std::string backend;
    for (int i = 0; i < asks; ++i) {
      auto answer = c->ask("who", seconds(5));
      INFO("connection from port " << c->localPort() << ", ask " << i << ": "
                                   << (answer ? *answer : answer.error().message()));
      REQUIRE(answer);
      if (i == 0) backend = *answer;
      REQUIRE(*answer == backend);
    }
    return backend;
  }

 private:
  /// The lab's namespaces; teardown() when destroyed (last).
  struct Topology {
    netns::TopologyRealizer realizer{testnet::testNaming()};
    ~Topology() { (void)realizer.teardown(); }
    Result<void> apply(const netns_model::Topology& t) { return realizer.apply(t); }
    const netns::NetNamespace* findNamespace(const std::string& name) const { return realizer.findNamespace(name); }
  };
  Topology topology_;  // destroyed last
  testsupport::TempDir dir_{"dp"};
  std::map<std::string, std::unique_ptr<dptest::DpNameServer>> servers_;
  std::unique_ptr<DpProcess> mux_;
  std::unique_ptr<DpProcess> hosts_[2];
  std::optional<runtime::ControlClient> muxControl_;
  std::optional<runtime::ControlClient> hostControl_[2];
};

std::string vmAddress(const char* name) {
  for (const auto& vm : kVms) {
    if (std::string(vm.name) == name) return vm.ip;
  }
  FAIL("no vm " << name);
  return {};
}

// From VM `from` to `ip`:8080 within a deadline: the answering VM's name, or the error.
std::string vmToVm(DpLab& lab, unsigned fromIndex, const std::string& ip, milliseconds timeout) {
  auto c = DpConnection::open(lab.ns(Role::Vm, fromIndex), ip, kBackendPort, timeout);
  if (!c) return "error: " + c.error().message();
  auto answer = c->ask("who", timeout);
  return answer ? *answer : "error: " + answer.error().message();
}

}  // namespace

TEST_CASE("MUX and host agents load-balance a frontend, keep connections on their backend and "
          "answer by direct server return",
          "[netns][dataplane-processes]") {
  DpLab lab;
  lab.startMux();
  lab.startHost(0);
  lab.startHost(1);
  lab.pushAll(1);

  const auto clientLink = nameOf(Role::Router);  // the client's veth end towards the router
  auto clientBefore = dptest::dpLinkCounters(lab.ns(Role::Client), clientLink);
  REQUIRE(clientBefore);
  const auto muxBefore = lab.muxStatus();
  const auto host0Before = lab.hostStatus(0);
  const auto host1Before = lab.hostStatus(1);

  std::map<std::string, int> perBackend;
  for (int i = 0; i < 60; ++i) ++perBackend[lab.lbConnection()];
  INFO("vm-a " << perBackend["vm-a"] << ", vm-b " << perBackend["vm-b"] << ", vm-c "
               << perBackend["vm-c"]);
  CHECK(perBackend["vm-a"] > 0);
  CHECK(perBackend["vm-b"] > 0);
  CHECK(perBackend["vm-c"] > 0);
  CHECK(perBackend.count("vm-d") == 0);  // VNet two is not in the pool

  // Replies never cross the MUX: everything it read came from the client and it forwarded all
  // of it to the host agents; what the client received is the host agents' DSR output. The last
  // ACKs may still be in flight: poll until the counters agree (or the deadline passes).
  struct Deltas {
    std::uint64_t muxRx = 0, muxTx = 0, clientTx = 0, clientRx = 0, lbInbound = 0, dsr = 0;
    runtime::StatusReport mux;
  };
  auto measure = [&] {
    Deltas d;
    auto clientAfter = dptest::dpLinkCounters(lab.ns(Role::Client), clientLink);
    REQUIRE(clientAfter);
    d.mux = lab.muxStatus();
    const auto host0After = lab.hostStatus(0);
    const auto host1After = lab.hostStatus(1);
    d.muxRx = d.mux.rxPackets - muxBefore.rxPackets;
    d.muxTx = d.mux.txPackets - muxBefore.txPackets;
    d.clientTx = clientAfter->txPackets - clientBefore->txPackets;
    d.clientRx = clientAfter->rxPackets - clientBefore->rxPackets;
    d.lbInbound = host0After.path("lbInbound") - host0Before.path("lbInbound") +
                  host1After.path("lbInbound") - host1Before.path("lbInbound");
    d.dsr = host0After.path("dsrOutbound") - host0Before.path("dsrOutbound") +
            host1After.path("dsrOutbound") - host1Before.path("dsrOutbound");
    return d;
  };
  Deltas d;
  const bool settled = dptest::dpEventually(
      [&] {
        d = measure();
        // The client's veth also sends and receives a few ARP frames.
        return d.muxTx == d.muxRx && d.lbInbound == d.muxTx && d.muxRx <= d.clientTx &&
               d.clientTx - d.muxRx <= 4 && d.dsr <= d.clientRx && d.clientRx - d.dsr <= 4;
      },
      seconds(5));
  std::string drops;
  for (const auto& [name, count] : d.mux.drops) {
    if (count != 0) drops += " " + name + "=" + std::to_string(count);
  }
  INFO("mux rx " << d.muxRx << " tx " << d.muxTx << " drops" << drops << "; host agents got "
                 << d.lbInbound << " and sent " << d.dsr << " by DSR; client tx " << d.clientTx
                 << " rx " << d.clientRx);
  CHECK(settled);
  CHECK(d.muxRx >= 60 * 5);  // SYN, ACK, 3 requests, FIN, ... per connection
  CHECK(d.mux.droppedTotal() == 0);
  CHECK(d.mux.appliedVersion == 1);
  CHECK(d.mux.flows >= 60);

  SECTION("a connection keeps its backend across snapshots, even when the backend turns unhealthy") {
    auto held = DpConnection::open(lab.ns(Role::Client), kFrontend, 80, seconds(5));
    REQUIRE(held);
    auto first = held->ask("who", seconds(5));
    REQUIRE(first);
    lab.pushMux(2, {*first});
    std::set<std::string> newcomers;
    for (int i = 0; i < 20; ++i) newcomers.insert(lab.lbConnection(1));
    CHECK(newcomers.count(*first) == 0);  // no new flows to an unhealthy backend
    for (int i = 0; i < 3; ++i) {
      auto again = held->ask("who", seconds(5));
      REQUIRE(again);
      CHECK(*again == *first);
    }
    CHECK(lab.muxStatus().appliedVersion == 2);
  }

  SECTION("a bad snapshot is rejected with a message and the previous one keeps forwarding") {
    auto bad = labSnapshot(7, 0);
    bad.forwarding.rules[0].idleTimeout = std::chrono::minutes(0);
    auto rejected = lab.muxControl().sendSnapshot(bad);
    REQUIRE_FALSE(rejected);
    CHECK(rejected.error().message().find("idle timeout") != std::string::npos);
    auto wrongHost = lab.hostControl(0).sendSnapshot(labSnapshot(8, 1));
    REQUIRE_FALSE(wrongHost);
    CHECK(wrongHost.error().message().find("this agent serves host 0") != std::string::npos);
    auto garbage = lab.muxControl().request("{\"type\":\"snapshot\",\"version\":\"x\"}", seconds(5));
    REQUIRE(garbage);
    CHECK(std::holds_alternative<runtime::ErrorResponse>(*garbage));
    CHECK(lab.muxStatus().version == 1);
    CHECK(lab.hostStatus(0).version == 1);
    CHECK_FALSE(lab.lbConnection(1).empty());
  }

  SECTION("a new control connection is accepted at any time, and a restarted MUX restores its "
          "plumbing") {
    auto second = runtime::ControlClient::connect(lab.socketPath("mux0"));
    REQUIRE(second);
    auto status = second->status();
    REQUIRE(status);
    CHECK(status->role == "mux");
    CHECK(status->version == 1);

    CHECK(lab.mux().stop() == 0);  // SIGTERM: clean exit
    lab.startMux();
    lab.pushMux(3);
    std::set<std::string> seen;
    for (int i = 0; i < 12; ++i) seen.insert(lab.lbConnection(1));
    CHECK_FALSE(seen.empty());
  }

  CHECK(lab.mux().stop() == 0);
  CHECK(lab.host(0).stop() == 0);
  CHECK(lab.host(1).stop() == 0);
}

TEST_CASE("VMs of one VNet reach each other across hosts; an overlapping VNet reaches neither",
          "[netns][dataplane-processes]") {
  DpLab lab;
  lab.startMux();
  lab.startHost(0);
  lab.startHost(1);
  lab.pushAll(1);

  // vm-c (host 1) and vm-a (host 0): IP-in-IP between their PAs.
  CHECK(vmToVm(lab, 2, vmAddress("vm-a"), seconds(5)) == "vm-a");
  CHECK(vmToVm(lab, 0, vmAddress("vm-c"), seconds(5)) == "vm-c");
  // 10.0.0.5 from vm-c is vm-b in VNet one on the other host, never vm-d (VNet two, same host,
  // same address).
  CHECK(vmToVm(lab, 2, "10.0.0.5", seconds(5)) == "vm-b");
  // vm-a to vm-b: same host and VNet, the kernel's /32 routes carry it without the agent.
  CHECK(vmToVm(lab, 0, "10.0.0.5", seconds(5)) == "vm-b");

  const auto host0 = lab.hostStatus(0);
  const auto host1 = lab.hostStatus(1);
  CHECK(host0.path("vnetEncap") > 0);
  CHECK(host0.path("vnetDecap") > 0);
  CHECK(host1.path("vnetEncap") > 0);
  CHECK(host1.path("vnetDecap") > 0);
  CHECK(lab.muxStatus().rxPackets == 0);  // VNet traffic never touches the MUX

  // vm-d (VNet two) tries vm-c (same host) and vm-a (other host): both unreachable.
  const std::size_t acceptedA = lab.server("vm-a").accepted();
  const std::size_t acceptedC = lab.server("vm-c").accepted();
  // Leaving its VNet, and it has no outbound connectivity (no snapshot outbound): noOutbound.
  const std::uint64_t droppedBefore = host1.dropped("noOutbound");
  CHECK(vmToVm(lab, 3, vmAddress("vm-c"), milliseconds(1500)).rfind("error:", 0) == 0);
  CHECK(vmToVm(lab, 3, vmAddress("vm-a"), milliseconds(1500)).rfind("error:", 0) == 0);
  CHECK(lab.server("vm-a").accepted() == acceptedA);
  CHECK(lab.server("vm-c").accepted() == acceptedC);
  CHECK(lab.hostStatus(1).dropped("noOutbound") >= droppedBefore + 2);
  // vm-d still reaches nothing but itself: its own address works locally.
  CHECK(vmToVm(lab, 3, "10.0.0.5", seconds(5)) == "vm-d");

  SECTION("a restarted host agent recreates its TUNs and routes") {
    CHECK(lab.host(1).stop() == 0);
    lab.startHost(1);
    lab.pushHost(1, 2);
    CHECK(vmToVm(lab, 2, vmAddress("vm-a"), seconds(5)) == "vm-a");
    CHECK(lab.hostStatus(1).appliedVersion == 2);
  }

  CHECK(lab.mux().stop() == 0);
  CHECK(lab.host(0).stop() == 0);
  CHECK(lab.host(1).stop() == 0);
}

TEST_CASE("the data-plane processes explain bad flags and a control socket in use",
          "[netns][dataplane-processes]") {
  testsupport::TempDir dir{"dp"};
  testnet::TestNet net;
  net.add(Role::Mux, 0);
  {
    DpProcess noFlags(nameOf(Role::Mux, 0), {AZLB_BINARY, "mux", "--index", "0"}, dir.str() + "/a.log");
    REQUIRE(dptest::dpEventually([&] { return !noFlags.running(); }, seconds(10)));
    CHECK(noFlags.stop() == 2);
    CHECK(noFlags.log().find("--socket is required") != std::string::npos);
  }
  const std::string sock = dir.str() + "/mux.sock";
  DpProcess first(nameOf(Role::Mux, 0),
                  {AZLB_BINARY, "mux", "--socket", sock, "--tun", nameOf(Role::Tun, 0),
                   "--underlay", kMuxUnderlay},
                  dir.str() + "/first.log");
  auto control = controlOf(first, sock);
  DpProcess second(nameOf(Role::Mux, 0),
                   {AZLB_BINARY, "mux", "--socket", sock, "--tun", nameOf(Role::Tun, 1),
                    "--underlay", kMuxUnderlay},
                   dir.str() + "/second.log");
  REQUIRE(dptest::dpEventually([&] { return !second.running(); }, seconds(10)));
  CHECK(second.stop() == 1);
  INFO(second.log());
  CHECK(second.log().find("another process serves it") != std::string::npos);
  // The first one is untouched and still answers.
  auto status = control.status();
  REQUIRE(status);
  CHECK(status->role == "mux");
  CHECK(first.stop() == 0);
}
