#include "netns/netlink.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>

#include "netns/fd.h"
#include "netns/sysctl.h"
#include "tests/netns/test_net.h"

using namespace azlb;
using azlb::testnet::address;
using azlb::testnet::nameOf;
using azlb::testnet::prefix;
using azlb::testnet::Role;
using azlb::testnet::runCommand;

namespace {

void require(const Result<void>& r) {
  INFO((r ? std::string() : r.error().message()));
  REQUIRE(r);
}

std::optional<netns::LinkInfo> findLink(netns::Rtnl& rtnl, const std::string& name) {
  auto links = rtnl.links();
  REQUIRE(links);
  for (const auto& l : *links) {
    if (l.name == name) return l;
  }
  return std::nullopt;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// A UDP socket bound to 0.0.0.0:port inside `ns`.
netns::Fd udpSocketIn(const netns::NetNamespace& ns, std::uint16_t port) {
  auto fd = netns::runInNamespace(ns, [&]() -> Result<int> {
    netns::Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s) return fail("socket", errno);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      return fail("bind", errno);
    }
    return s.release();
  });
  INFO((fd ? std::string() : fd.error().message()));
  REQUIRE(fd);
  return netns::Fd(*fd);
}

}  // namespace

TEST_CASE("two namespaces joined by a veth reach each other", "[netns][netlink]") {
  testnet::TestNet net;
  auto& vm0 = net.add(Role::Vm, 0);
  auto& vm1 = net.add(Role::Vm, 1);
  // Each end is named after the neighbour it leads to.
  const std::string toVm1 = nameOf(Role::Vm, 1), toVm0 = nameOf(Role::Vm, 0);
  net.connect(vm0, toVm1, prefix("100.64.0.1/30"), vm1, toVm0, prefix("100.64.0.2/30"));

  auto end0 = findLink(net.rtnl(vm0), toVm1);
  REQUIRE(end0);
  CHECK(end0->kind == "veth");
  CHECK(end0->up);
  auto end1 = findLink(net.rtnl(vm1), toVm0);
  REQUIRE(end1);
  CHECK(end1->kind == "veth");
  CHECK_FALSE(findLink(net.rtnl(vm0), toVm0));  // the peer really is in the other namespace

  require(net.rtnl(vm0).setMtu(toVm1, 1400));
  CHECK(findLink(net.rtnl(vm0), toVm1)->mtu == 1400);

  auto echo = testnet::icmpEcho(vm0, address("100.64.0.2"));
  INFO(echo.value_or(""));
  CHECK_FALSE(echo);

  if (testnet::haveProgram("ping")) {
    auto ping = runCommand({"ip", "netns", "exec", vm1.name(), "ping", "-c", "1", "-W", "1",
                            "100.64.0.1"});
    INFO(ping.output);
    CHECK(ping.exitCode == 0);
  } else {
    WARN("ping not installed (Debian: iputils-ping): checked with the in-process ICMP echo only");
  }

  SECTION("creating the same veth again reports the name") {
    auto again = net.rtnl(vm0).addVeth(toVm1, toVm0, &vm1);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == std::errc::file_exists);
    CHECK(again.error().message().find(toVm1) != std::string::npos);
  }
  SECTION("an unknown link is ENODEV") {
    auto missing = net.rtnl(vm0).setLinkUp(nameOf(Role::Vm, 9));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == std::errc::no_such_device);
  }
  SECTION("link down then up") {
    require(net.rtnl(vm0).setLinkUp(toVm1, false));
    CHECK_FALSE(findLink(net.rtnl(vm0), toVm1)->up);
    require(net.rtnl(vm0).setLinkUp(toVm1, true));
    CHECK(findLink(net.rtnl(vm0), toVm1)->up);
  }
}

TEST_CASE("a router spreads flows to a /32 over two multipath next hops", "[netns][netlink]") {
  testnet::TestNet net;
  auto& rtr = net.add(Role::Router);
  auto& mux0 = net.add(Role::Mux, 0);
  auto& mux1 = net.add(Role::Mux, 1);
  const std::string rtrName = nameOf(Role::Router), mux0Name = nameOf(Role::Mux, 0),
                    mux1Name = nameOf(Role::Mux, 1);
  net.connect(rtr, mux0Name, prefix("100.64.1.1/30"), mux0, rtrName, prefix("100.64.1.2/30"));
  net.connect(rtr, mux1Name, prefix("100.64.2.1/30"), mux1, rtrName, prefix("100.64.2.2/30"));

  auto root = netns::NetNamespace::current();
  REQUIRE(root);
  auto rootPolicy = netns::readSysctl(*root, "net.ipv4.fib_multipath_hash_policy");
  REQUIRE(rootPolicy);
  require(netns::setIpForwarding(rtr, true));
  require(netns::setMultipathHashPolicy(rtr, 1));
  CHECK(netns::readSysctl(rtr, "net.ipv4.ip_forward").value() == "1");
  CHECK(netns::readSysctl(rtr, "net.ipv4.fib_multipath_hash_policy").value() == "1");
  // The root namespace keeps its own value: sysctls really are per namespace.
  CHECK(netns::readSysctl(*root, "net.ipv4.fib_multipath_hash_policy").value() == *rootPolicy);
  for (auto* mux : {&mux0, &mux1}) {
    require(netns::setRpFilter(*mux, "all", 0));
    require(netns::setRpFilter(*mux, "default", 0));
    require(netns::setRpFilter(*mux, rtrName, 0));
    require(netns::setAcceptLocal(*mux, rtrName, true));
    CHECK(netns::readSysctl(*mux, "net/ipv4/conf/" + rtrName + "/accept_local").value() == "1");
  }

  // The frontend address is local on both MUXes (on lo), as a VIP routed into a MUX would be.
  const auto vip = prefix("198.18.0.1/32");
  require(net.rtnl(mux0).addAddress("lo", vip));
  require(net.rtnl(mux1).addAddress("lo", vip));
  // Return routes: one via a gateway, one on-link through a gateway outside the link's subnet.
  const std::vector<netns_model::Nexthop> back0{{.gateway = address("100.64.1.1"), .dev = rtrName}};
  require(net.rtnl(mux0).addRoute(prefix("0.0.0.0/0"), back0));
  const std::vector<netns_model::Nexthop> back1{
      {.gateway = address("100.64.9.9"), .dev = rtrName, .onlink = true}};
  require(net.rtnl(mux1).addRoute(prefix("100.64.128.0/24"), back1));
  const std::vector<netns_model::Nexthop> plain{{.gateway = std::nullopt, .dev = rtrName}};
  require(net.rtnl(mux1).addRoute(prefix("0.0.0.0/0"), plain));

  const std::vector<netns_model::Nexthop> ecmp{
      {.gateway = address("100.64.1.2"), .dev = mux0Name},
      {.gateway = address("100.64.2.2"), .dev = mux1Name}};
  require(net.rtnl(rtr).addRoute(vip, ecmp));
  require(net.rtnl(rtr).addRoute(vip, ecmp));  // replace: idempotent

  auto shown = runCommand({"ip", "-n", rtr.name(), "route", "show", "198.18.0.1/32"});
  INFO(shown.output);
  REQUIRE(shown.exitCode == 0);
  CHECK(count(shown.output, "nexthop via") == 2);
  CHECK(shown.output.find("via 100.64.1.2 dev " + mux0Name) != std::string::npos);
  CHECK(shown.output.find("via 100.64.2.2 dev " + mux1Name) != std::string::npos);

  auto onlink = runCommand({"ip", "-n", mux1.name(), "route", "show", "100.64.128.0/24"});
  INFO(onlink.output);
  CHECK(onlink.output.find("onlink") != std::string::npos);

  auto routes = net.rtnl(rtr).routes();
  REQUIRE(routes);
  auto it = std::find_if(routes->begin(), routes->end(),
                         [&](const netns::RouteInfo& r) { return r.destination == vip; });
  REQUIRE(it != routes->end());
  REQUIRE(it->nexthops.size() == 2);
  CHECK(it->nexthops[0].dev == mux0Name);
  CHECK(it->nexthops[1].dev == mux1Name);
  CHECK(it->nexthops[0].weight == 1);

  // 64 flows (distinct source ports) from the router: with the L4 hash both MUXes get some.
  // All on one side by chance has probability 2^-63.
  constexpr std::uint16_t kPort = 7000;
  netns::Fd sink0 = udpSocketIn(mux0, kPort), sink1 = udpSocketIn(mux1, kPort);
  std::vector<netns::Fd> senders;
  for (int i = 0; i < 64; ++i) senders.push_back(udpSocketIn(rtr, 0));
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(kPort);
  dst.sin_addr.s_addr = netns_model::toNetworkOrder(vip.address);
  for (auto& s : senders) {
    REQUIRE(::sendto(s.get(), "flow", 4, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 4);
  }
  int got0 = 0, got1 = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got0 + got1 < 64 && std::chrono::steady_clock::now() < deadline) {
    pollfd p[2] = {{sink0.get(), POLLIN, 0}, {sink1.get(), POLLIN, 0}};
    if (::poll(p, 2, 200) <= 0) continue;
    char buf[16];
    while (::recv(sink0.get(), buf, sizeof buf, 0) > 0) ++got0;
    while (::recv(sink1.get(), buf, sizeof buf, 0) > 0) ++got1;
  }
  INFO("mux0 got " << got0 << ", mux1 got " << got1);
  CHECK(got0 + got1 == 64);
  CHECK(got0 > 0);
  CHECK(got1 > 0);

  require(net.rtnl(rtr).deleteRoute(vip));
  auto gone = runCommand({"ip", "-n", rtr.name(), "route", "show", "198.18.0.1/32"});
  CHECK(gone.output.empty());
}

TEST_CASE("routes with bad nexthops are refused before reaching the kernel", "[netns][netlink]") {
  testnet::TestNet net;
  auto& vm0 = net.add(Role::Vm, 0);
  const std::vector<netns_model::Nexthop> none;
  auto empty = net.rtnl(vm0).addRoute(prefix("198.18.0.0/24"), none);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == std::errc::invalid_argument);
  const std::vector<netns_model::Nexthop> unknown{{.gateway = std::nullopt, .dev = nameOf(Role::Link, 4)}};
  auto noDev = net.rtnl(vm0).addRoute(prefix("198.18.0.0/24"), unknown);
  REQUIRE_FALSE(noDev);
  CHECK(noDev.error().code == std::errc::no_such_device);
  CHECK(noDev.error().message().find("RTM_NEWROUTE 198.18.0.0/24") != std::string::npos);
}
