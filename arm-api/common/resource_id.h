// ARM resource ids: parse, canonical formatting, case-insensitive keys. Pure; owns no state.
// An id is
// /subscriptions/{s}[/resourceGroups/{rg}[/providers/{ns}/{type}/{name}[/{child}/{name}]...]].
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace azlb::armapi {

using azlb::iequals;
using azlb::istartsWith;
using azlb::toLower;

/// Canonical spelling of a known resource-type segment ("loadbalancers" -> "loadBalancers");
/// unknown segments are returned as given.
std::string canonicalTypeSegment(std::string_view segment);
/// Canonical provider namespace ("microsoft.network" -> "Microsoft.Network").
std::string canonicalNamespace(std::string_view ns);

struct ResourceId {
  std::string subscription;
  std::string resourceGroup;      // empty for subscription-scope ids
  std::string providerNamespace;  // e.g. Microsoft.Network; empty for a resource group id
  std::vector<std::pair<std::string, std::string>> segments;  // (type segment, name) pairs

  /// Parses an id or a request path (leading/trailing/double slashes tolerated). Returns nullopt
  /// when the shape is not an ARM id.
  static std::optional<ResourceId> parse(std::string_view path);

  /// Canonical id string: canonical words, names as stored.
  std::string str() const;
  /// Lower-case str(): the key resources are stored and compared under.
  std::string key() const { return toLower(str()); }
  /// "Microsoft.Network/loadBalancers/probes"; "Microsoft.Resources/resourceGroups" for a group.
  std::string type() const;
  const std::string& name() const;
  bool isResourceGroup() const { return !resourceGroup.empty() && segments.empty(); }
  /// The id of the enclosing resource (one segment pair fewer), or the group for a top-level one.
  ResourceId parent() const;
  ResourceId child(std::string_view typeSegment, std::string_view childName) const;
};

std::string resourceGroupId(std::string_view subscription, std::string_view group);
/// Lower-case key of a resource group: every resource of the group has a key starting with it +
/// "/".
std::string resourceGroupKey(std::string_view subscription, std::string_view group);

}  // namespace azlb::armapi
