// Pass 2, placement: hosts, numbers, names and underlay addresses, stable across plans.
#include <catch2/catch.hpp>

#include <set>

#include "emulator/controller/passes/placement.h"
#include "tests/unit/controller/passes/fixture.h"

using namespace azlb;
using namespace azlb::controller::passes;
using namespace azlb::controller::passes::test;

TEST_CASE("placement: every VM gets a distinct index and PA in its host's range, and a MAC from its PA", "[controller][placement]") {
  const Placement p = placement(inventory(threeNics()), options(), {});
  REQUIRE(p.vms.size() == 3);
  std::set<std::uint32_t> indexes;
  std::set<std::string> underlays;
  for (const auto& vm : p.vms) {
    indexes.insert(vm.index);
    underlays.insert(vm.underlay);
    CHECK(vm.host < 2);
    CHECK(vm.underlay.rfind("100.64." + std::to_string(16 + vm.host) + ".", 0) == 0);
    CHECK(vm.ns == "azlbt1-vm" + std::to_string(vm.index));
    CHECK(vm.hostLink == "v" + std::to_string(vm.index));
    const auto pa = p.assignments.vmPa.at(vm.id);
    char mac[18];
    std::snprintf(mac, sizeof mac, "02:00:64:40:%02x:%02x", 16 + vm.host, pa);
    CHECK(vm.mac == mac);
    CHECK(p.assignments.vmIndex.at(vm.id) == vm.index);
  }
  CHECK(indexes.size() == 3);
  CHECK(underlays.size() == 3);
  CHECK(p.assignments.vnetIndex.count(toLower(vnetId("vnet1"))) == 1);
}

TEST_CASE("placement: previous numbers are kept even when a newcomer hashes onto them", "[controller][placement]") {
  auto r = threeNics();
  const Placement first = placement(inventory(r), options(), {});
  // A newcomer listed (and sorted by id) before the others: the previously numbered VMs keep
  // their numbers and it gets a free one.
  r.networkInterfaces.insert(r.networkInterfaces.begin(), nic("nic0", "vnet1", "10.0.0.3"));
  const Placement second = placement(inventory(r), options(), first.assignments);
  REQUIRE(second.vms.size() == 4);
  std::set<std::uint32_t> indexes;
  for (const auto& vm : second.vms) {
    indexes.insert(vm.index);
    if (vm.name == "nic0") continue;
    CHECK(vm.index == first.assignments.vmIndex.at(vm.id));
    CHECK(second.assignments.vmPa.at(vm.id) == first.assignments.vmPa.at(vm.id));
  }
  CHECK(indexes.size() == 4);
}

TEST_CASE("placement: VMs of one VNet on one host share a (host, VNet) namespace; another VNet gets its own", "[controller][placement]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnetA", "10.0.0.0/24"), vnet("vnetB", "10.0.0.0/24")};
  r.networkInterfaces = {nic("a1", "vnetA", "10.0.0.4"), nic("a2", "vnetA", "10.0.0.5"), nic("b1", "vnetB", "10.0.0.4")};
  auto o = options();
  o.hosts = 1;
  const Placement p = placement(inventory(r), o, {});
  REQUIRE(p.vms.size() == 3);
  CHECK(p.vms[0].hostNs == p.vms[1].hostNs);
  CHECK(p.vms[0].hostNs != p.vms[2].hostNs);
}
