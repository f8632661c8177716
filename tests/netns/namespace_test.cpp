#include "netns/namespace.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/netns/test_net.h"

using namespace azlb;
using azlb::testnet::nameOf;
using azlb::testnet::Role;
using azlb::testnet::runCommand;

namespace {

ino_t inodeOf(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_ino;
}

ino_t currentThreadNetns() {
  struct stat st {};
  REQUIRE(::stat("/proc/thread-self/ns/net", &st) == 0);
  return st.st_ino;
}

}  // namespace

TEST_CASE("a created namespace works with ip netns and is gone after destroy", "[netns][namespace]") {
  const std::string name = nameOf(Role::Vm, 0);
  {
    auto ns = netns::NetNamespace::create(name);
    INFO((ns ? std::string() : ns.error().message()));
    REQUIRE(ns);
    CHECK(ns->owned());
    CHECK(ns->name() == name);

    auto listed = runCommand({"ip", "netns", "list"});
    CHECK(listed.exitCode == 0);
    CHECK(listed.output.find(name) != std::string::npos);

    // `ip netns exec` enters our bind mount: the same namespace as our fd.
    auto inside = runCommand({"ip", "netns", "exec", name, "stat", "-L", "-c", "%i",
                              "/proc/self/ns/net"});
    REQUIRE(inside.exitCode == 0);
    CHECK(std::stoull(inside.output) == inodeOf(ns->fd()));

    auto again = netns::NetNamespace::create(name);
    REQUIRE_FALSE(again);
    CHECK(again.error().code == std::errc::file_exists);
    CHECK(again.error().message().find(name) != std::string::npos);

    auto opened = netns::NetNamespace::open(name);
    REQUIRE(opened);
    CHECK_FALSE(opened->owned());
    CHECK(inodeOf(opened->fd()) == inodeOf(ns->fd()));

    auto destroyed = ns->destroy();
    CHECK(destroyed);
  }
  auto listed = runCommand({"ip", "netns", "list"});
  CHECK(listed.output.find(name) == std::string::npos);
  auto opened = netns::NetNamespace::open(name);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == std::errc::no_such_file_or_directory);
  CHECK(netns::NetNamespace::remove(name));  // idempotent
}

TEST_CASE("an owned namespace is removed when its handle goes out of scope", "[netns][namespace]") {
  const std::string name = nameOf(Role::Vm, 1);
  {
    auto ns = netns::NetNamespace::create(name);
    REQUIRE(ns);
    netns::NetNamespace moved = std::move(*ns);  // the moved-from handle must not delete it
    REQUIRE(netns::NetNamespace::open(name));
  }
  CHECK_FALSE(netns::NetNamespace::open(name));
}

TEST_CASE("ScopedNetnsEnter moves only this thread and comes back", "[netns][namespace]") {
  testnet::TestNet net;
  auto& ns = net.add(Role::Vm, 2);
  const ino_t before = currentThreadNetns();
  REQUIRE(before != inodeOf(ns.fd()));
  {
    auto entered = netns::ScopedNetnsEnter::enter(ns);
    INFO((entered ? std::string() : entered.error().message()));
    REQUIRE(entered);
    CHECK(currentThreadNetns() == inodeOf(ns.fd()));
  }
  CHECK(currentThreadNetns() == before);

  auto seen = netns::runInNamespace(ns, [&]() -> Result<ino_t> { return currentThreadNetns(); });
  REQUIRE(seen);
  CHECK(*seen == inodeOf(ns.fd()));
  CHECK(currentThreadNetns() == before);
}
