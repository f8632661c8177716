// ResourceId: parse/format round trips, canonical casing of the fixed words, names kept as
// written, child ids, parent(), case-insensitive keys, malformed paths refused.
#include <catch2/catch.hpp>

#include "arm-api/common/resource_id.h"

using azlb::armapi::canonicalNamespace;
using azlb::armapi::canonicalTypeSegment;
using azlb::armapi::iequals;
using azlb::armapi::ResourceId;

namespace {
const std::string kSub = "/subscriptions/00000000-0000-0000-0000-000000000001";
const std::string kLb = kSub + "/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1";
}  // namespace

TEST_CASE("a canonical load balancer id parses into its parts and formats back unchanged", "[resource_id]") {
  auto id = ResourceId::parse(kLb);
  REQUIRE(id);
  CHECK(id->subscription == "00000000-0000-0000-0000-000000000001");
  CHECK(id->resourceGroup == "rg1");
  CHECK(id->providerNamespace == "Microsoft.Network");
  REQUIRE(id->segments.size() == 1);
  CHECK(id->segments[0].first == "loadBalancers");
  CHECK(id->segments[0].second == "lb1");
  CHECK(id->name() == "lb1");
  CHECK(id->type() == "Microsoft.Network/loadBalancers");
  CHECK(id->str() == kLb);
  CHECK(!id->isResourceGroup());
}

TEST_CASE("every fixed word is formatted in canonical casing whatever the client sent", "[resource_id]") {
  auto id = ResourceId::parse(
      "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/resourcegroups/rg1/PROVIDERS/microsoft.network/"
      "loadbalancers/lb1/BACKENDADDRESSPOOLS/be");
  REQUIRE(id);
  CHECK(id->str() == kLb + "/backendAddressPools/be");
  CHECK(id->type() == "Microsoft.Network/loadBalancers/backendAddressPools");
}

TEST_CASE("canonical spellings of known segments and namespaces", "[resource_id]") {
  CHECK(canonicalTypeSegment("loadbalancers") == "loadBalancers");
  CHECK(canonicalTypeSegment("PUBLICIPADDRESSES") == "publicIPAddresses");
  CHECK(canonicalTypeSegment("frontendipconfigurations") == "frontendIPConfigurations");
  CHECK(canonicalTypeSegment("inboundnatrules") == "inboundNatRules");
  CHECK(canonicalTypeSegment("virtualnetworks") == "virtualNetworks");
  CHECK(canonicalTypeSegment("someUnknownThing") == "someUnknownThing");
  CHECK(canonicalNamespace("microsoft.network") == "Microsoft.Network");
  CHECK(canonicalNamespace("MICROSOFT.RESOURCES") == "Microsoft.Resources");
  CHECK(canonicalNamespace("Contoso.Widgets") == "Contoso.Widgets");
}

TEST_CASE("names keep the case the client wrote", "[resource_id]") {
  auto id = ResourceId::parse(kSub + "/resourcegroups/MyGroup/providers/microsoft.network/loadbalancers/MyLB");
  REQUIRE(id);
  CHECK(id->resourceGroup == "MyGroup");
  CHECK(id->name() == "MyLB");
  CHECK(id->str() == kSub + "/resourceGroups/MyGroup/providers/Microsoft.Network/loadBalancers/MyLB");
}

TEST_CASE("key() is the same for ids that differ only in case", "[resource_id]") {
  auto a = ResourceId::parse(kLb);
  auto b = ResourceId::parse(kSub + "/RESOURCEGROUPS/RG1/providers/MICROSOFT.NETWORK/LoadBalancers/LB1");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->key() == b->key());
  CHECK(a->str() != b->str());  // the names keep their own casing
  CHECK(a->key() == azlb::armapi::toLower(kLb));
}

TEST_CASE("child ids, parent() and resource group ids", "[resource_id]") {
  auto lb = ResourceId::parse(kLb);
  REQUIRE(lb);
  auto probe = lb->child("probes", "hp");
  CHECK(probe.str() == kLb + "/probes/hp");
  CHECK(probe.type() == "Microsoft.Network/loadBalancers/probes");
  CHECK(probe.name() == "hp");
  CHECK(lb->child("PROBES", "Hp").str() == kLb + "/probes/Hp");

  CHECK(probe.parent().str() == kLb);
  auto group = lb->parent();
  CHECK(group.str() == kSub + "/resourceGroups/rg1");
  CHECK(group.isResourceGroup());
  CHECK(group.providerNamespace.empty());
  CHECK(group.type() == "Microsoft.Resources/resourceGroups");
  CHECK(group.name() == "rg1");
  auto sub = group.parent();
  CHECK(sub.str() == kSub);
  CHECK(sub.type() == "Microsoft.Resources/subscriptions");

  auto parsedChild = ResourceId::parse(kLb + "/inboundNatRules/ssh");
  REQUIRE(parsedChild);
  CHECK(parsedChild->segments.size() == 2);
  CHECK(parsedChild->parent().key() == lb->key());

  CHECK(azlb::armapi::resourceGroupId("s", "G1") == "/subscriptions/s/resourceGroups/G1");
  CHECK(azlb::armapi::resourceGroupKey("s", "G1") == "/subscriptions/s/resourcegroups/g1");
}

TEST_CASE("request paths parse with a query string and stray slashes", "[resource_id]") {
  auto id = ResourceId::parse("//subscriptions/s1//resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/"
                              "lb1/?api-version=2022-05-01");
  REQUIRE(id);
  CHECK(id->str() == "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1");
  auto sub = ResourceId::parse("/subscriptions/s1");
  REQUIRE(sub);
  CHECK(sub->resourceGroup.empty());
  CHECK(sub->str() == "/subscriptions/s1");
  auto group = ResourceId::parse("/subscriptions/s1/resourcegroups/rg1");
  REQUIRE(group);
  CHECK(group->isResourceGroup());
}

TEST_CASE("malformed paths are not ids", "[resource_id]") {
  for (const char* bad : {
           "",
           "/",
           "/subscriptions",
           "/tenants/t1",
           "/subscription/s1",
           "/subscriptions/s1/resourceGroups",
           "/subscriptions/s1/groups/rg1",
           "/subscriptions/s1/resourceGroups/rg1/providers",
           "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network",
           "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers",
           "/subscriptions/s1/resourceGroups/rg1/provider/Microsoft.Network/loadBalancers/lb1",
           "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/probes",
       }) {
    INFO(bad);
    CHECK_FALSE(ResourceId::parse(bad));
  }
}

TEST_CASE("case-insensitive helpers", "[resource_id]") {
  CHECK(iequals("LoadBalancers", "loadbalancers"));
  CHECK_FALSE(iequals("lb1", "lb10"));
  CHECK(azlb::armapi::istartsWith("/SUBSCRIPTIONS/x", "/subscriptions/"));
  CHECK_FALSE(azlb::armapi::istartsWith("/sub", "/subscriptions/"));
}
