#include "netns/realize.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "netns/netlink.h"
#include "netns/sysctl.h"
#include "tests/netns/test_net.h"

using namespace azlb;
using azlb::testnet::address;
using azlb::testnet::nameOf;
using azlb::testnet::prefix;
using azlb::testnet::Role;
using azlb::testnet::runCommand;

namespace {

// Root <-> router <-> two MUXes with a TUN in MUX 0 and an ECMP route for one frontend IP: the
// first tier of the architecture, as the controller will describe it.
netns_model::Topology firstTier() {
  const std::string rtr = nameOf(Role::Router), mux0 = nameOf(Role::Mux, 0),
                    mux1 = nameOf(Role::Mux, 1), root = nameOf(Role::Root),
                    tun = nameOf(Role::Tun, 0);
  netns_model::Topology t;
  t.namespaces = {
      {rtr, {{"net.ipv4.ip_forward", "1"}, {"net.ipv4.fib_multipath_hash_policy", "1"}}},
      {mux0, {{"net/ipv4/conf/" + rtr + "/rp_filter", "0"}}},
      {mux1, {}}};
  t.veths = {
      {.a = {netns_model::kRootNamespace, rtr, {}, ""}, .b = {rtr, root, {}, ""}},
      {.a = {rtr, mux0, {prefix("100.64.1.1/30")}, ""}, .b = {mux0, rtr, {prefix("100.64.1.2/30")}, ""},
       .mtu = 1400},
      {.a = {rtr, mux1, {prefix("100.64.2.1/30")}, ""}, .b = {mux1, rtr, {prefix("100.64.2.2/30")}, ""}}};
  t.tuns = {{.ns = mux0, .name = tun, .addresses = {prefix("100.64.9.1/30")}}};
  t.routes = {
      {.ns = rtr,
       .destination = prefix("198.18.0.1/32"),
       .nexthops = {{.gateway = address("100.64.1.2"), .dev = mux0},
                    {.gateway = address("100.64.2.2"), .dev = mux1}}},
      {.ns = mux0, .destination = prefix("198.18.0.1/32"), .nexthops = {{.gateway = std::nullopt, .dev = tun}}}};
  return t;
}

bool listedByIp(const std::string& name) {
  auto listed = runCommand({"ip", "netns", "list"});
  REQUIRE(listed.exitCode == 0);
  return listed.output.find(name) != std::string::npos;
}

bool rootHasLink(const std::string& name) {
  auto rtnl = netns::Rtnl::open();
  REQUIRE(rtnl);
  return rtnl->linkIndex(name).has_value();
}

}  // namespace

TEST_CASE("realize builds the first tier and destroy removes it", "[netns][realize]") {
  testnet::TestNet backstop;
  const std::string rtr = nameOf(Role::Router), mux0 = nameOf(Role::Mux, 0);
  {
    netns::TopologyRealizer realizer(testnet::testNaming());
    auto applied = realizer.apply(firstTier());
    INFO((applied ? std::string() : applied.error().message()));
    REQUIRE(applied);
    CHECK(listedByIp(rtr));
    CHECK(listedByIp(mux0));
    CHECK(listedByIp(nameOf(Role::Mux, 1)));
    CHECK(rootHasLink(rtr));
    REQUIRE(realizer.findTun(mux0, nameOf(Role::Tun, 0)) != nullptr);
    CHECK(realizer.findNamespace(nameOf(Role::Mux, 7)) == nullptr);

    const auto* rtrNs = realizer.findNamespace(rtr);
    REQUIRE(rtrNs != nullptr);
    CHECK(netns::readSysctl(*rtrNs, "net.ipv4.fib_multipath_hash_policy").value() == "1");
    CHECK(netns::readSysctl(*realizer.findNamespace(mux0), "net/ipv4/conf/" + rtr + "/rp_filter")
              .value() == "0");

    auto shown = runCommand({"ip", "-n", rtr, "route", "show", "198.18.0.1/32"});
    INFO(shown.output);
    CHECK(shown.output.find("nexthop via 100.64.1.2") != std::string::npos);
    CHECK(shown.output.find("nexthop via 100.64.2.2") != std::string::npos);
    auto mtu = runCommand({"ip", "-n", rtr, "-o", "link", "show", mux0});
    CHECK(mtu.output.find("mtu 1400") != std::string::npos);

    auto echo = testnet::icmpEcho(*rtrNs, address("100.64.1.2"));
    INFO(echo.value_or(""));
    CHECK_FALSE(echo);

    auto destroyed = realizer.teardown();
    INFO((destroyed ? std::string() : destroyed.error().message()));
    CHECK(destroyed);
  }
  CHECK_FALSE(listedByIp(rtr));
  CHECK_FALSE(listedByIp(mux0));
  CHECK(testnet::eventually([&] { return !rootHasLink(rtr); }));
}

TEST_CASE("a realize that fails half-way leaves nothing behind", "[netns][realize]") {
  testnet::TestNet backstop;
  auto topology = firstTier();
  // A gateway outside every connected subnet, without onlink: the kernel refuses the route,
  // after namespaces, links and the TUN already exist.
  topology.routes[0].nexthops[1].gateway = address("100.64.77.7");
  netns::TopologyRealizer realizer(testnet::testNaming());
  auto built = realizer.apply(topology);
  REQUIRE_FALSE(built);
  INFO(built.error().message());
  CHECK(built.error().message().find("RTM_NEWROUTE 198.18.0.1/32") != std::string::npos);
  CHECK_FALSE(listedByIp(nameOf(Role::Router)));
  CHECK_FALSE(listedByIp(nameOf(Role::Mux, 0)));
  CHECK(testnet::eventually([&] { return !rootHasLink(nameOf(Role::Router)); }));
}

TEST_CASE("realize refuses an invalid topology before touching the kernel", "[netns][realize]") {
  auto topology = firstTier();
  topology.veths[1].b.ns = nameOf(Role::Host, 5);
  netns::TopologyRealizer realizer(testnet::testNaming());
  auto built = realizer.apply(topology);
  REQUIRE_FALSE(built);
  CHECK(built.error().code == std::errc::invalid_argument);
  CHECK_FALSE(listedByIp(nameOf(Role::Router)));
}

namespace {

// Inode of /run/netns/<name> (the namespace itself): 0 when absent.
ino_t namespaceInode(const std::string& name) {
  struct stat st {};
  return stat(("/run/netns/" + name).c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

TEST_CASE("a second apply adopts what exists, removes what is no longer wanted and ends the "
          "processes inside it",
          "[netns][realize]") {
  testnet::TestNet backstop;
  const std::string rtr = nameOf(Role::Router), mux1 = nameOf(Role::Mux, 1);
  {
    netns::TopologyRealizer first(testnet::testNaming());  // what it makes outlives it
    auto applied = first.apply(firstTier());
    INFO((applied ? std::string() : applied.error().message()));
    REQUIRE(applied);
  }
  const ino_t routerInode = namespaceInode(rtr);
  REQUIRE(routerInode != 0);

  // A process living in MUX 1 (as `azlb exec` workloads do).
  const std::string mux1Path = "/run/netns/" + mux1;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int fd = open(mux1Path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(1);
    for (;;) pause();
  }
  struct Reaper {  // ends the child if a REQUIRE below stops the test first
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  } reaper{child};
  const ino_t mux1Inode = namespaceInode(mux1);
  auto inMux1 = [&] {
    struct stat st {};
    return stat(("/proc/" + std::to_string(child) + "/ns/net").c_str(), &st) == 0 && st.st_ino == mux1Inode;
  };
  CHECK(testnet::eventually(inMux1));

  // MUX 1 leaves: its namespace, veth and next hop go; the rest is adopted, not rebuilt.
  auto smaller = firstTier();
  smaller.namespaces.pop_back();
  smaller.veths.pop_back();
  smaller.routes[0].nexthops.pop_back();
  netns::TopologyRealizer restarted(testnet::testNaming());  // a new manager adopts
  auto applied = restarted.apply(smaller);
  INFO((applied ? std::string() : applied.error().message()));
  REQUIRE(applied);
  int status = 0;
  const bool ended = testnet::eventually([&] { return waitpid(child, &status, WNOHANG) == child; });
  CHECK(ended);
  if (ended) reaper.pid = 0;
  CHECK((ended && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  CHECK_FALSE(listedByIp(mux1));
  CHECK(namespaceInode(rtr) == routerInode);
  auto shown = runCommand({"ip", "-n", rtr, "route", "show", "198.18.0.1/32"});
  INFO(shown.output);
  CHECK(shown.output.find("via 100.64.1.2") != std::string::npos);
  CHECK(shown.output.find("100.64.2.2") == std::string::npos);
  CHECK(restarted.findNamespace(mux1) == nullptr);
  CHECK(restarted.teardown());
  CHECK_FALSE(listedByIp(rtr));
}
