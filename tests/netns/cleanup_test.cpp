#include "netns/cleanup.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include "netns/namespace.h"
#include "netns/netlink.h"
#include "tests/netns/test_net.h"

using namespace azlb;
using azlb::testnet::nameOf;
using azlb::testnet::Role;
using azlb::testnet::runCommand;

namespace {

void require(const Result<void>& r) {
  INFO((r ? std::string() : r.error().message()));
  REQUIRE(r);
}

// Makes a namespace and forgets it, as a crashed azlb would.
void leakNamespace(const std::string& name) {
  auto ns = netns::NetNamespace::create(name);
  INFO((ns ? std::string() : ns.error().message()));
  REQUIRE(ns);
  ns->release();
}

bool rootHasLinkOf(const netns_model::Naming& naming) {
  auto rtnl = netns::Rtnl::open();
  REQUIRE(rtnl);
  auto links = rtnl->links();
  REQUIRE(links);
  return std::any_of(links->begin(), links->end(),
                     [&](const netns::LinkInfo& l) { return naming.parse(l.name).has_value(); });
}

bool listedByIp(const std::string& name) {
  auto listed = runCommand({"ip", "netns", "list"});
  REQUIRE(listed.exitCode == 0);
  return listed.output.find(name) != std::string::npos;
}

}  // namespace

TEST_CASE("cleanup removes every object of the test instance, once", "[netns][cleanup]") {
  testnet::TestNet backstop;  // if a REQUIRE below fails, its destructor still sweeps
  const std::string host0 = nameOf(Role::Host, 0), vm3 = nameOf(Role::Vm, 3);
  leakNamespace(host0);
  leakNamespace(vm3);
  auto other = testnet::otherTestNaming().name(Role::Router);
  REQUIRE(other);
  leakNamespace(*other);

  auto rootRtnl = netns::Rtnl::open();
  REQUIRE(rootRtnl);
  auto host0Ns = netns::NetNamespace::open(host0);
  REQUIRE(host0Ns);
  // Root end named after its neighbour (host 0); the host's end leads to the root namespace.
  require(rootRtnl->addVeth(host0, nameOf(Role::Root), &*host0Ns));
  // A pair with both ends in the root namespace: deleting one removes the other.
  require(rootRtnl->addVeth(nameOf(Role::Link, 7), nameOf(Role::Link, 8), nullptr));
  host0Ns = netns::NetNamespace::current();  // drop our reference to host0

  auto report = netns::cleanup(testnet::testNaming());
  REQUIRE(report);
  for (const auto& f : report->failures) FAIL_CHECK(f.message());
  auto namespaces = report->namespaces;
  std::sort(namespaces.begin(), namespaces.end());
  CHECK(namespaces == std::vector<std::string>{host0, vm3});
  CHECK(std::count(report->links.begin(), report->links.end(), host0) == 1);
  CHECK(report->links.size() == 2);  // host0's root end and one of link 7/8

  CHECK_FALSE(listedByIp(host0));
  CHECK_FALSE(listedByIp(vm3));
  CHECK(testnet::eventually([] { return !rootHasLinkOf(testnet::testNaming()); }));

  // Another instance of the same prefix is left alone.
  CHECK(listedByIp(*other));

  auto again = netns::cleanup(testnet::testNaming());
  REQUIRE(again);
  CHECK(again->empty());

  auto otherReport = netns::cleanup(testnet::otherTestNaming());
  REQUIRE(otherReport);
  CHECK(otherReport->namespaces == std::vector<std::string>{*other});
  CHECK_FALSE(listedByIp(*other));
}

TEST_CASE("cleanup refuses a malformed prefix or instance", "[netns][cleanup]") {
  auto badPrefix = netns::cleanup("AZ-LB", std::nullopt);
  REQUIRE_FALSE(badPrefix);
  CHECK(badPrefix.error().code == std::errc::invalid_argument);
  auto badInstance = netns::cleanup("azlb", std::string_view("x-1"));
  REQUIRE_FALSE(badInstance);
  CHECK(badInstance.error().code == std::errc::invalid_argument);
}
