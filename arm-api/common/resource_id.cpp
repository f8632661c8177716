#include "arm-api/common/resource_id.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace azlb::armapi {

namespace {
constexpr std::array kKnownSegments = {"loadBalancers",
                                       "frontendIPConfigurations",
                                       "backendAddressPools",
                                       "loadBalancingRules",
                                       "probes",
                                       "inboundNatRules",
                                       "inboundNatPools",
                                       "outboundRules",
                                       "publicIPAddresses",
                                       "virtualNetworks",
                                       "subnets",
                                       "networkInterfaces",
                                       "ipConfigurations",
                                       "networkSecurityGroups",
                                       "securityRules",
                                       "defaultSecurityRules",
                                       "applicationSecurityGroups",
                                       "publicIPPrefixes",
                                       "deployments",
                                       "loadBalancerBackendAddresses",
                                       "operations",
                                       "operationStatuses",
                                       "locations",
                                       "cloudServices",
                                       "roles",
                                       "roleInstances"};
constexpr std::array kKnownNamespaces = {"Microsoft.Network", "Microsoft.Resources",
                                         "Microsoft.Compute"};

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}
}  // namespace

std::string canonicalTypeSegment(std::string_view segment) {
  for (const char* k : kKnownSegments)
    if (iequals(segment, k)) return k;
  return std::string(segment);
}

std::string canonicalNamespace(std::string_view ns) {
  for (const char* k : kKnownNamespaces)
    if (iequals(ns, k)) return k;
  return std::string(ns);
}

std::optional<ResourceId> ResourceId::parse(std::string_view path) {
  auto q = path.find('?');
  if (q != std::string_view::npos) path = path.substr(0, q);
  auto parts = splitPath(path);
  if (parts.size() < 2 || !iequals(parts[0], "subscriptions")) return std::nullopt;
  ResourceId id;
  id.subscription = std::string(parts[1]);
  if (parts.size() == 2) return id;
  if (parts.size() < 4 || !iequals(parts[2], "resourceGroups")) return std::nullopt;
  id.resourceGroup = std::string(parts[3]);
  if (parts.size() == 4) return id;
  if (parts.size() < 8 || !iequals(parts[4], "providers")) return std::nullopt;
  id.providerNamespace = canonicalNamespace(parts[5]);
  if ((parts.size() - 6) % 2 != 0) return std::nullopt;
  for (size_t i = 6; i < parts.size(); i += 2)
    id.segments.emplace_back(canonicalTypeSegment(parts[i]), std::string(parts[i + 1]));
  return id;
}

std::string ResourceId::str() const {
  std::string s = "/subscriptions/" + subscription;
  if (resourceGroup.empty()) return s;
  s += "/resourceGroups/" + resourceGroup;
  if (segments.empty()) return s;
  s += "/providers/" + providerNamespace;
  for (const auto& [t, n] : segments) s += "/" + t + "/" + n;
  return s;
}

std::string ResourceId::type() const {
  if (segments.empty())
    return resourceGroup.empty() ? "Microsoft.Resources/subscriptions"
                                 : "Microsoft.Resources/resourceGroups";
  std::string t = providerNamespace;
  for (const auto& seg : segments) t += "/" + seg.first;
  return t;
}

const std::string& ResourceId::name() const {
  if (!segments.empty()) return segments.back().second;
  return resourceGroup.empty() ? subscription : resourceGroup;
}

ResourceId ResourceId::parent() const {
  ResourceId p = *this;
  if (!p.segments.empty()) {
    p.segments.pop_back();
    if (p.segments.empty()) p.providerNamespace.clear();
  } else {
    p.resourceGroup.clear();
  }
  return p;
}

ResourceId ResourceId::child(std::string_view typeSegment, std::string_view childName) const {
  ResourceId c = *this;
  c.segments.emplace_back(canonicalTypeSegment(typeSegment), std::string(childName));
  return c;
}

std::string resourceGroupId(std::string_view subscription, std::string_view group) {
  return "/subscriptions/" + std::string(subscription) + "/resourceGroups/" + std::string(group);
}

std::string resourceGroupKey(std::string_view subscription, std::string_view group) {
  return toLower(resourceGroupId(subscription, group));
}

}  // namespace azlb::armapi
