// ArmError and the one factory that makes every error the ARM surface returns (Azure's codes,
// statuses and message style; SPEC.md §3–4). Rendered once, by toJson(), as
// {"error":{"code","message","target","details"}}.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"

namespace azlb::armapi {

struct ArmError {
  int status = 500;
  std::string code;
  std::string message;
  std::string target;
  std::vector<ArmError> details;

  nlohmann::json toJson() const;      // the {"error":{...}} envelope
  nlohmann::json innerJson() const;   // the object inside it (used in operation status bodies)
};

template <typename T>
using ArmResult = Result<T, ArmError>;
inline Unexpected<ArmError> armFail(ArmError e) { return Unexpected<ArmError>{std::move(e)}; }

namespace errors {
ArmError badRequest(std::string code, std::string message, std::string target = {});
ArmError invalidParameter(std::string message, std::string target);
ArmError conflict(std::string code, std::string message);
ArmError resourceGroupNotFound(std::string_view group);
/// ARM's 404 for a missing top-level resource: "The Resource 'Microsoft.Network/loadBalancers/lb1'
/// under resource group 'rg1' was not found. ..."
ArmError resourceNotFound(std::string_view type, std::string_view name, std::string_view group);
/// NRP's 404 for a missing child of an existing parent: "Resource {id} not found."
ArmError childNotFound(std::string_view id);
ArmError invalidResourceReference(std::string_view ref, std::string_view owner);
/// 400 InvalidRequestFormat "Cannot parse the request." with one detail.
ArmError invalidRequestFormat(std::string detailCode, std::string detailMessage);
ArmError missingApiVersion();
ArmError invalidApiVersion(std::string_view version);
ArmError authenticationFailed(std::string message);
ArmError preconditionFailed(std::string message);
ArmError invalidResourceType(std::string_view type, std::string_view apiVersion);
ArmError methodNotAllowed(std::string_view method, std::string_view what);
ArmError locationRequired();
ArmError subscriptionNotFound(std::string_view subscription);
ArmError payloadTooLarge(size_t limit);
ArmError internal(std::string message);
}  // namespace errors

}  // namespace azlb::armapi
