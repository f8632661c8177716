#include "netns/naming.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using azlb::netns_model::kMaxNameLength;
using azlb::netns_model::maxIndex;
using azlb::netns_model::Naming;
using azlb::netns_model::parseName;
using azlb::netns_model::ParsedName;
using azlb::netns_model::Role;
using azlb::netns_model::roleHasIndex;

namespace {

const std::vector<Role> kAllRoles = {Role::Router, Role::Mux,    Role::Host,
                                     Role::Vm,     Role::Internet, Role::Client,
                                     Role::Root,   Role::Tun,    Role::Link,
                                     Role::HostVnet};

Naming make(const char* prefix, const char* instance) {
  auto n = Naming::create(prefix, instance);
  REQUIRE(n);
  return *n;
}

std::string nameOf(const Naming& naming, Role role, unsigned index = 0) {
  auto n = naming.name(role, index);
  REQUIRE(n);
  return *n;
}

}  // namespace

TEST_CASE("default naming makes the documented namespace names", "[netns][naming]") {
  const Naming n = Naming::defaults();
  CHECK(n.prefix() == "azlb");
  CHECK(n.instance() == "0");
  CHECK(nameOf(n, Role::Router) == "azlb0-rtr");
  CHECK(nameOf(n, Role::Mux, 2) == "azlb0-mux2");
  CHECK(nameOf(n, Role::Host, 11) == "azlb0-host11");
  CHECK(nameOf(n, Role::Vm, 7) == "azlb0-vm7");
  CHECK(nameOf(n, Role::Internet) == "azlb0-inet");
  CHECK(nameOf(n, Role::Tun, 0) == "azlb0-tun0");
}

TEST_CASE("every name parses back to its parts", "[netns][naming]") {
  for (const Naming& n : {Naming::defaults(), make("azlb", "t1z9"), make("lb", "7")}) {
    for (Role role : kAllRoles) {
      std::vector<unsigned> indices{0};
      if (roleHasIndex(role)) indices = {0, 1, 9, 10, maxIndex(role) / 2, maxIndex(role)};
      for (unsigned index : indices) {
        const std::string name = nameOf(n, role, index);
        auto parsed = n.parse(name);
        INFO(name);
        REQUIRE(parsed);
        CHECK(*parsed == ParsedName{n.prefix(), n.instance(), role, index});
        CHECK(parseName(name, n.prefix()) == parsed);
      }
    }
  }
}

TEST_CASE("the longest prefix, instance and largest index still fit IFNAMSIZ", "[netns][naming]") {
  const Naming n = make("abcd", "wxyz");
  for (Role role : kAllRoles) {
    const std::string name = nameOf(n, role, maxIndex(role));
    INFO(name);
    CHECK(name.size() <= kMaxNameLength);
  }
  CHECK(nameOf(n, Role::Host, 99) == "abcdwxyz-host99");
  CHECK(nameOf(n, Role::Vm, 9999) == "abcdwxyz-vm9999");
  CHECK(nameOf(n, Role::HostVnet, 9999) == "abcdwxyz-hv9999");
}

TEST_CASE("an index beyond the role's range is refused, not truncated", "[netns][naming]") {
  const Naming n = Naming::defaults();
  for (Role role : kAllRoles) {
    if (!roleHasIndex(role)) {
      auto bad = n.name(role, 1);
      REQUIRE_FALSE(bad);
      CHECK(bad.error().code == std::errc::invalid_argument);
      continue;
    }
    auto bad = n.name(role, maxIndex(role) + 1);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == std::errc::result_out_of_range);
  }
}

TEST_CASE("bad prefixes and instance ids are refused", "[netns][naming]") {
  CHECK_FALSE(Naming::create("", "0"));
  CHECK_FALSE(Naming::create("azlbx", "0"));  // 5 chars
  CHECK_FALSE(Naming::create("AZLB", "0"));
  CHECK_FALSE(Naming::create("az1", "0"));
  CHECK_FALSE(Naming::create("azlb", ""));
  CHECK_FALSE(Naming::create("azlb", "12345"));
  CHECK_FALSE(Naming::create("azlb", "a-b"));
  CHECK_FALSE(Naming::create("azlb", "T1"));
  auto err = Naming::create("azlb", "a-b");
  REQUIRE_FALSE(err);
  CHECK(err.error().message().find("a-b") != std::string::npos);
}

TEST_CASE("foreign names are not ours", "[netns][naming]") {
  const Naming n = Naming::defaults();
  for (const char* foreign :
       {"eth0", "lo", "azlb", "azlb0", "azlb0-", "azlb0-rtr0", "azlb0-mux", "azlb0-mux01",
        "azlb0-mux1000", "azlb0-host100", "azlb0-vmx", "azlb0-vm-1", "azlb0-foo1", "azlb1-rtr",
        "xazlb0-rtr", "azlb0-rtr ", "azlb0-MUX1", "azlb0-l100000", "azlb12345-rtr",
        "azlb0-host1extra", "docker0", "veth1a2b3c"}) {
    INFO(foreign);
    CHECK_FALSE(n.parse(foreign));
  }
  // Another instance of the same prefix: not ours, but found when all instances are asked for.
  CHECK_FALSE(n.parse("azlbt1-mux3"));
  auto other = parseName("azlbt1-mux3", "azlb");
  REQUIRE(other);
  CHECK(other->instance == "t1");
  CHECK(other->role == Role::Mux);
  CHECK(other->index == 3);
  CHECK_FALSE(parseName("azlbt1-mux3", "lb"));
  CHECK_FALSE(parseName("azlb0-rtr", "BAD"));
}
