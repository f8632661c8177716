// Pass 1, inventory: which VMs exist, with their VNet, addresses and gateway, and how to find them.
#include <catch2/catch.hpp>

#include "emulator/controller/passes/inventory.h"
#include "tests/unit/controller/passes/fixture.h"

using namespace azlb;
using namespace azlb::controller::passes;
using namespace azlb::controller::passes::test;

TEST_CASE("inventory: a NIC is one VM, its primary address first, its gateway the subnet's .1", "[controller][inventory]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  model::NetworkInterface n = nic("nic1", "vnet1", "10.0.0.4");
  n.ipConfigurations[0].primary = false;
  n.ipConfigurations.push_back({configId("nic1", "ipconfig2"), "ipconfig2", true, "10.0.0.9", subnetId("vnet1"), "", {}});
  r.networkInterfaces = {n};
  const Inventory inv = inventory(r);
  REQUIRE(inv.vms.size() == 1);
  CHECK(inv.vms[0].ips == std::vector<std::string>{"10.0.0.9", "10.0.0.4"});
  CHECK(inv.vms[0].gateway == "10.0.0.1");
  CHECK(inv.vms[0].prefixLength == 24);
  CHECK(inv.vms[0].vnet == toLower(vnetId("vnet1")));
  CHECK(inv.vmByConfig.count(toLower(configId("nic1", "ipconfig2"))) == 1);
  CHECK(inv.ipOfConfig.at(toLower(configId("nic1"))) == "10.0.0.4");
}

TEST_CASE("inventory: a NIC in no known subnet is no VM; a subnet may give only addressPrefixes", "[controller][inventory]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "")};
  // Dual-stack: the IPv6 prefix may come first; the VM is placed by the IPv4 one.
  r.virtualNetworks[0].subnets[0].addressPrefixes = {"fdae:f296:2787:1::/64", "10.7.0.0/16"};
  r.networkInterfaces = {nic("nic1", "vnet1", "10.7.0.4"), nic("lost", "vnet9", "10.9.0.4")};
  const Inventory inv = inventory(r);
  REQUIRE(inv.vms.size() == 1);
  CHECK(inv.vms[0].name == "nic1");
  CHECK(inv.vms[0].prefixLength == 16);
}

TEST_CASE("inventory: a pool address that is a NIC's address is that NIC's VM, else a VM of its own", "[controller][inventory]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  r.networkInterfaces = {nic("nic1", "vnet1", "10.0.0.4")};
  r.loadBalancers = {loadBalancer({}, {address("same", "10.0.0.4", "vnet1"), address("own", "10.0.0.8", "vnet1")})};
  const Inventory inv = inventory(r);
  REQUIRE(inv.vms.size() == 2);
  CHECK(inv.vmByAddress.at(toLower(poolId() + "/loadBalancerBackendAddresses/same")) == 0);
  CHECK(inv.vmByAddress.at(toLower(poolId() + "/loadBalancerBackendAddresses/own")) == 1);
  CHECK(inv.vms[1].ips == std::vector<std::string>{"10.0.0.8"});
  CHECK(inv.errors.empty());
}

TEST_CASE("inventory: a pool address outside every subnet is reported on its load balancer", "[controller][inventory]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  r.loadBalancers = {loadBalancer({}, {address("lost", "10.9.0.4", "vnet1")})};
  const Inventory inv = inventory(r);
  CHECK(inv.vms.empty());
  REQUIRE(inv.errors.count(lbId()) == 1);
  CHECK(inv.errors.at(lbId()).find("10.9.0.4") != std::string::npos);
}
