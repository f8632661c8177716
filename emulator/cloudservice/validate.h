// Joins a ServiceDefinition with its ServiceConfiguration and checks both as Azure does (roles
// match, instance counts, endpoint limits and port uniqueness, certificates for https, probe
// references, FixedPortRange sizes, traffic rules). Each error names the element at fault
// ("file:line:column: ..."). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "emulator/cloudservice/definition.h"

namespace azlb::cloudservice {

/// Without a configuration every role gets 1 instance. Error: the first rule broken,
/// "file:line:col: Element 'name': what".
Result<Deployment> deploy(ServiceDefinition definition,
                          std::optional<ServiceConfiguration> configuration);

/// The whole read of a stored service: the csdef text, the cscfg text ("" = defaultConfiguration)
/// and per-role instance counts that override the cscfg's (ARM's roleProfile sku.capacity, role
/// names compared case-insensitively), parsed and validated. Error: the first problem found.
struct ServiceTexts {
  std::string_view definition;
  std::string definitionFile;
  std::string_view configuration;
  std::string configurationFile = "ServiceConfiguration.cscfg";
  std::vector<std::pair<std::string, int>> capacities;
};
Result<Deployment> deployTexts(const ServiceTexts& texts);

/// The .cscfg text azlb uses when none is given: every role with Instances count="1".
std::string defaultConfiguration(const ServiceDefinition& definition);

}  // namespace azlb::cloudservice
