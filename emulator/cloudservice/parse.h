// The .csdef and .cscfg readers (pugixml): XML text -> definition.h values. The schema namespaces
// (…/ServiceHosting/2008/10/ServiceDefinition and …/ServiceConfiguration) are honoured; elements
// azlb does not know are kept by name in unknownElements, not fatal. Malformed XML or a schema
// error (missing required attribute, bad value) is an error naming file, line and column. Pure.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "emulator/cloudservice/definition.h"

namespace azlb::cloudservice {

/// Error message: "<file>:<line>:<column>: <what>", e.g.
/// "ServiceDefinition.csdef:27:10: malformed XML: ... (near '<InputEndpointname=')".
Result<ServiceDefinition> parseServiceDefinition(std::string_view xml, const std::string& file);
Result<ServiceConfiguration> parseServiceConfiguration(std::string_view xml,
                                                       const std::string& file);

}  // namespace azlb::cloudservice
