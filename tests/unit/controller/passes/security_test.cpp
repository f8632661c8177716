// The security pass: each VM gets its subnet's and its NIC's groups, tags and application
// security groups resolved into address ranges, evaluated as the host agent will evaluate them.
#include "emulator/controller/passes/security.h"

#include <catch2/catch.hpp>

#include "emulator/controller/passes/snapshots.h"
#include "tests/unit/controller/passes/fixture.h"

using namespace azlb;
using namespace azlb::controller::passes;
using namespace azlb::controller::passes::test;
namespace dp = azlb::dataplane;

namespace {

model::SecurityRule rule(const std::string& name, int priority, const std::string& access, const std::string& direction,
                         std::vector<std::string> from, std::vector<std::string> ports,
                         std::vector<std::string> fromAsgs = {}, const std::string& protocol = "Tcp") {
  model::SecurityRule r;
  r.name = name;
  r.priority = priority;
  r.access = access;
  r.direction = direction;
  r.protocol = protocol;
  r.sourceAddresses = std::move(from);
  r.sourceApplicationSecurityGroupIds = std::move(fromAsgs);
  r.sourcePorts = {"*"};
  r.destinationPorts = std::move(ports);
  r.destinationAddresses = {"*"};
  return r;
}

/// A group with Azure's six default rules (as ARM renders them) plus `own`.
model::NetworkSecurityGroup group(const std::string& name, std::vector<model::SecurityRule> own) {
  model::NetworkSecurityGroup g;
  g.id = kRg + "/networkSecurityGroups/" + name;
  g.name = name;
  g.securityRules = std::move(own);
  auto d = [](const char* n, int p, const char* access, const char* dir, const char* from, const char* to) {
    model::SecurityRule r = rule(n, p, access, dir, {from}, {"*"}, {}, "*");
    r.destinationAddresses = {to};
    return r;
  };
  g.defaultSecurityRules = {d("AllowVnetInBound", 65000, "Allow", "Inbound", "VirtualNetwork", "VirtualNetwork"),
                            d("AllowAzureLoadBalancerInBound", 65001, "Allow", "Inbound", "AzureLoadBalancer", "*"),
                            d("DenyAllInBound", 65500, "Deny", "Inbound", "*", "*"),
                            d("AllowVnetOutBound", 65000, "Allow", "Outbound", "VirtualNetwork", "VirtualNetwork"),
                            d("AllowInternetOutBound", 65001, "Allow", "Outbound", "*", "Internet"),
                            d("DenyAllOutBound", 65500, "Deny", "Outbound", "*", "*")};
  return g;
}

dp::FlowKey flow(const char* from, const char* to, std::uint16_t port) {
  return {*dp::Ipv4Address::parse(from), *dp::Ipv4Address::parse(to), 40000, port, 6};
}

/// Who decides an inbound flow to the VM: "allowed:<rule>" or "denied:<rule>".
std::string inbound(const controller::VmSecurity& s, const dp::FlowKey& f) {
  const auto v = dp::evaluateNsg(s.subnet ? &s.subnet->inbound : nullptr, s.nic ? &s.nic->inbound : nullptr, f);
  return std::string(v.allowed ? "allowed:" : "denied:") + (v.rule ? v.rule->name : "-");
}

}  // namespace

TEST_CASE("security: a VM gets its subnet's and NIC's groups with the tags of its VNet", "[controller][security]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  r.virtualNetworks[0].addressPrefixes = {"10.0.0.0/16"};
  r.networkInterfaces = {nic("nic1", "vnet1", "10.0.0.4"), nic("nic2", "vnet1", "10.0.0.5")};
  const std::string asg = kRg + "/applicationSecurityGroups/admins";
  r.networkInterfaces[1].ipConfigurations[0].applicationSecurityGroupIds = {asg};
  r.networkSecurityGroups = {
      group("subnet-nsg", {rule("web", 100, "Allow", "Inbound", {"Internet"}, {"8080"}),
                           rule("ssh-from-admins", 110, "Allow", "Inbound", {}, {"22"}, {asg}),
                           rule("from-storage", 120, "Allow", "Inbound", {"Storage.WestEurope"}, {"9000"})}),
      group("nic-nsg", {rule("no-8080-from-198-19-0-66", 100, "Deny", "Inbound", {"198.19.0.66"}, {"8080"}),
                        rule("allow-web", 200, "Allow", "Inbound", {"Internet"}, {"8080"})})};
  r.virtualNetworks[0].subnets[0].networkSecurityGroupId = r.networkSecurityGroups[0].id;
  r.networkInterfaces[0].networkSecurityGroupId = r.networkSecurityGroups[1].id;
  const Inventory inv = inventory(r);
  const Security sec = security(r, inv);
  REQUIRE(sec.byVm.size() == 2);
  const controller::VmSecurity& vm1 = sec.byVm[0];
  REQUIRE(vm1.subnet);
  REQUIRE(vm1.nic);
  CHECK_FALSE(sec.byVm[1].nic);  // nic2 has no group of its own
  // Internet = outside the VNet's space (10.0.0.0/16, not only the subnet). Both levels allow:
  // the verdict names the NIC's rule (the last level asked).
  CHECK(inbound(vm1, flow("198.19.0.7", "10.0.0.4", 8080)) == "allowed:allow-web");
  CHECK(vm1.subnet->inbound.decide(flow("198.19.0.7", "10.0.0.4", 8080))->name == "web");
  CHECK(inbound(vm1, flow("10.0.200.1", "10.0.0.4", 8080)) == "allowed:AllowVnetInBound");
  CHECK(inbound(vm1, flow("198.19.0.66", "10.0.0.4", 8080)) == "denied:no-8080-from-198-19-0-66");
  CHECK(inbound(vm1, flow("198.19.0.7", "10.0.0.4", 22)) == "denied:DenyAllInBound");
  // The application security group resolves to its members' addresses (nic2 = 10.0.0.5).
  CHECK(vm1.subnet->inbound.decide(flow("10.0.0.5", "10.0.0.4", 22))->name == "ssh-from-admins");
  CHECK(vm1.subnet->inbound.decide(flow("10.0.0.6", "10.0.0.4", 22))->name == "AllowVnetInBound");
  // An unknown service tag matches nothing: the rule is left out.
  CHECK(inbound(vm1, flow("198.19.0.7", "10.0.0.4", 9000)) == "denied:DenyAllInBound");
  for (const auto& rr : vm1.subnet->inbound.rules) CHECK(rr.name != "from-storage");
  // The load balancer's probe address passes the defaults; outbound to the internet is allowed.
  // (Azure's VirtualNetwork tag holds the host's 168.63.129.16 too, so it is not Internet, and
  // AllowVnetInBound, numbered before AllowAzureLoadBalancerInBound, lets it in.)
  CHECK(inbound(vm1, flow("168.63.129.16", "10.0.0.4", 8080)) == "allowed:AllowVnetInBound");
  CHECK(inbound(vm1, flow("168.63.129.16", "10.0.0.4", 81)) == "allowed:AllowVnetInBound");
  CHECK(vm1.subnet->inbound.decide(flow("168.63.129.16", "10.0.0.4", 81))->name == "AllowVnetInBound");
  const auto out = dp::evaluateNsg(&vm1.nic->outbound, &vm1.subnet->outbound, flow("10.0.0.4", "198.19.0.10", 80));
  CHECK(out.allowed);
  CHECK(out.rule->name == "AllowInternetOutBound");
}

TEST_CASE("security: no group anywhere means no rules at either level", "[controller][security]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  r.networkInterfaces = {nic("nic1", "vnet1", "10.0.0.4")};
  const Security sec = security(r, inventory(r));
  REQUIRE(sec.byVm.size() == 1);
  CHECK_FALSE(sec.byVm[0].subnet);
  CHECK_FALSE(sec.byVm[0].nic);
}

TEST_CASE("security: host agents get each group once per VNet and every VM's indexes", "[controller][security]") {
  controller::GroupRules web;
  web.inbound.group = web.outbound.group = kRg + "/networkSecurityGroups/web";
  web.inbound.rules = {dp::NsgRule{}};
  std::vector<controller::VmPlan> vms(4);
  const char* vnets[] = {"vnet1", "vnet1", "vnet2", "vnet1"};
  for (std::size_t i = 0; i < vms.size(); ++i) {
    vms[i].id = "nic" + std::to_string(i);
    vms[i].vnet = vnets[i];
  }
  std::map<std::string, controller::VmSecurity> byVm;
  byVm["nic0"].nic = web;
  byVm["nic1"].subnet = web;
  byVm["nic1"].nic = web;
  byVm["nic2"].nic = web;  // the same group in another VNet: compiled with that VNet's tags
  byVm["nic3"] = {};       // no group at all: not listed
  const auto s = hostSecurity(vms, byVm, runtime::NsgMode::Enforce);
  CHECK(s.mode == runtime::NsgMode::Enforce);
  REQUIRE(s.inbound.size() == 2);
  REQUIRE(s.outbound.size() == 2);
  REQUIRE(s.vms.size() == 3);
  CHECK(s.vms[0].vm == "nic0");
  CHECK(s.vms[0].subnet == -1);
  CHECK(s.vms[0].nic == 0);
  CHECK(s.vms[1].subnet == 0);
  CHECK(s.vms[1].nic == 0);
  CHECK(s.vms[2].nic == 1);
}
