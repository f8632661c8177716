// ArmError and the one factory that makes every error the ARM surface returns (Azure's codes,
// statuses and message style; SPEC.md §3–4). Rendered once, by toJson(), as
// {"error":{"code","message","target","details"}}.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

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
/// The ArmError an innerJson() object describes (an error read back from an operation record or
/// a response body); `status` is the HTTP status to give it.
ArmError fromInnerJson(const nlohmann::json& inner, int status);

// --- routing: a path nothing answers ---
/// 404 NotFound "No route for '{path}'."
ArmError noRoute(std::string_view path);
/// 404 NotFound for a path under /adfs that is not one of the login endpoints.
ArmError noLoginEndpoint(std::string_view path);
/// 400 NoRegisteredProviderFound: a resource provider azlb does not emulate.
ArmError noRegisteredProvider(std::string_view apiVersion, std::string_view type);

// --- request bodies ---
/// 400 InvalidRequestFormat with detail InvalidJson (the body does not parse, or is no object).
ArmError invalidJson(std::string message);
/// 400 InvalidRequestFormat with detail InvalidJsonTokenType (a value of the wrong JSON type).
ArmError invalidJsonTokenType(std::string message);

// --- resource groups and the generic resources list ---
ArmError invalidResourceGroupName(std::string_view group);
/// 409: the group exists in another location.
ArmError invalidResourceGroupLocation(std::string_view location, std::string_view existing);
/// 400 InvalidFilterInQueryString: a $filter that is not "<field> eq '<value>' [and ...]".
ArmError invalidFilter(std::string_view filter);
/// 400 InvalidFilterInQueryString: a $filter field other than resourceGroup/name/resourceType/location.
ArmError unsupportedFilterField(std::string_view field);

// --- network resources ---
ArmError invalidResourceName(std::string_view name);
/// 400: a PUT moving an existing resource to another location.
ArmError invalidResourceLocation(std::string_view name, std::string_view existing,
                                 std::string_view group, std::string_view requested);
ArmError invalidTagValue(std::string_view key);
ArmError ruleHealthWithoutProbe(std::string_view ruleId);
/// 400 OperationNotSupportedForBasicSkuLoadBalancer: a pool PUT/DELETE of its own on a Basic LB.
ArmError basicSkuPoolChange(std::string_view loadBalancerId);

// --- operations ---
ArmError operationNotFound(std::string_view operationId);

// --- deployments ---
ArmError deploymentNotFound(std::string_view name);
/// 409 DeploymentActive: a DELETE of a running deployment.
ArmError deploymentRunning(std::string_view name);
/// 409 DeploymentActive: a PUT over a running deployment started at `since`.
ArmError deploymentStillActive(std::string_view name, std::string_view since);
/// 409 DeploymentInterrupted: azlb restarted while the deployment ran.
ArmError deploymentInterrupted(std::string message);
ArmError invalidTemplate(std::string message);
ArmError invalidDeploymentMode(std::string_view mode);
/// 400 DeploymentFailed wrapping the first resource's error as its detail.
ArmError deploymentFailed(const ArmError& inner);
/// 400 with the template engine's own code (InvalidTemplate, InvalidTemplateFunction, ...).
ArmError templateError(std::string code, std::string message);
}  // namespace errors

}  // namespace azlb::armapi
