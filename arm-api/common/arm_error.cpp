#include "arm-api/common/arm_error.h"

namespace azlb::armapi {

nlohmann::json ArmError::innerJson() const {
  nlohmann::json j = {{"code", code}, {"message", message}};
  if (!target.empty()) j["target"] = target;
  auto d = nlohmann::json::array();
  for (const auto& e : details) d.push_back(e.innerJson());
  j["details"] = std::move(d);
  return j;
}

nlohmann::json ArmError::toJson() const { return {{"error", innerJson()}}; }

namespace errors {

ArmError badRequest(std::string code, std::string message, std::string target) {
  return ArmError{400, std::move(code), std::move(message), std::move(target), {}};
}

ArmError invalidParameter(std::string message, std::string target) {
  return badRequest("InvalidParameter", std::move(message), std::move(target));
}

ArmError conflict(std::string code, std::string message) {
  return ArmError{409, std::move(code), std::move(message), {}, {}};
}

ArmError resourceGroupNotFound(std::string_view group) {
  return ArmError{404, "ResourceGroupNotFound",
                  "Resource group '" + std::string(group) + "' could not be found.", {}, {}};
}

ArmError resourceNotFound(std::string_view type, std::string_view name, std::string_view group) {
  return ArmError{404, "ResourceNotFound",
                  "The Resource '" + std::string(type) + "/" + std::string(name) +
                      "' under resource group '" + std::string(group) +
                      "' was not found. For more details please go to "
                      "https://aka.ms/ARMResourceNotFoundFix",
                  {}, {}};
}

ArmError childNotFound(std::string_view id) {
  return ArmError{404, "NotFound", "Resource " + std::string(id) + " not found.", {}, {}};
}

ArmError invalidResourceReference(std::string_view ref, std::string_view owner) {
  return badRequest("InvalidResourceReference",
                    "Resource " + std::string(ref) + " referenced by resource " +
                        std::string(owner) +
                        " was not found. Please make sure that the referenced resource exists, "
                        "and that both resources are in the same region.");
}

ArmError invalidRequestFormat(std::string detailCode, std::string detailMessage) {
  ArmError e = badRequest("InvalidRequestFormat", "Cannot parse the request.");
  e.details.push_back(ArmError{400, std::move(detailCode), std::move(detailMessage), {}, {}});
  return e;
}

ArmError missingApiVersion() {
  return badRequest("MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all "
                    "requests.");
}

ArmError invalidApiVersion(std::string_view version) {
  return badRequest("InvalidApiVersionParameter",
                    "The api-version '" + std::string(version) +
                        "' is invalid. The supported versions are of the form 'YYYY-MM-DD' or "
                        "'YYYY-MM-DD-preview'.");
}

ArmError authenticationFailed(std::string message) {
  return ArmError{401, "AuthenticationFailed", std::move(message), {}, {}};
}

ArmError preconditionFailed(std::string message) {
  return ArmError{412, "PreconditionFailed", std::move(message), {}, {}};
}

ArmError invalidResourceType(std::string_view type, std::string_view apiVersion) {
  auto slash = type.find('/');
  std::string ns(slash == std::string_view::npos ? type : type.substr(0, slash));
  std::string rt(slash == std::string_view::npos ? "" : type.substr(slash + 1));
  return badRequest("InvalidResourceType", "The resource type '" + rt +
                                               "' could not be found in the namespace '" + ns +
                                               "' for api version '" + std::string(apiVersion) +
                                               "'.");
}

ArmError methodNotAllowed(std::string_view method, std::string_view what) {
  return ArmError{405, "MethodNotAllowed",
                  "The requested method '" + std::string(method) + "' is not allowed on " +
                      std::string(what) + ".",
                  {}, {}};
}

ArmError locationRequired() {
  return badRequest("LocationRequired", "The location property is required for this definition.");
}

ArmError subscriptionNotFound(std::string_view subscription) {
  return ArmError{404, "SubscriptionNotFound",
                  "The subscription '" + std::string(subscription) + "' could not be found.", {}, {}};
}

ArmError payloadTooLarge(size_t limit) {
  return ArmError{413, "RequestEntityTooLarge",
                  "The request content length exceeds the limit of " + std::to_string(limit) +
                      " bytes.",
                  {}, {}};
}

ArmError internal(std::string message) {
  return ArmError{500, "InternalServerError", std::move(message), {}, {}};
}

ArmError fromInnerJson(const nlohmann::json& inner, int status) {
  ArmError e{status, inner.value("code", "Unknown"), inner.value("message", ""),
             inner.value("target", ""), {}};
  for (const auto& d : inner.value("details", nlohmann::json::array()))
    e.details.push_back(fromInnerJson(d, status));
  return e;
}

// --- routing ---------------------------------------------------------------------------------

ArmError noRoute(std::string_view path) {
  return ArmError{404, "NotFound", "No route for '" + std::string(path) + "'.", {}, {}};
}

ArmError noLoginEndpoint(std::string_view path) {
  return ArmError{404, "NotFound", "No such login endpoint: " + std::string(path), {}, {}};
}

ArmError noRegisteredProvider(std::string_view apiVersion, std::string_view type) {
  return badRequest("NoRegisteredProviderFound",
                    "No registered resource provider found for location and API version '" +
                        std::string(apiVersion) + "' for type '" + std::string(type) +
                        "'. azlb emulates Microsoft.Network and Microsoft.Resources.");
}

// --- request bodies --------------------------------------------------------------------------

ArmError invalidJson(std::string message) {
  return invalidRequestFormat("InvalidJson", std::move(message));
}

ArmError invalidJsonTokenType(std::string message) {
  return invalidRequestFormat("InvalidJsonTokenType", std::move(message));
}

// --- resource groups -------------------------------------------------------------------------

ArmError invalidResourceGroupName(std::string_view group) {
  return badRequest("InvalidResourceGroup",
                    "The provided resource group name '" + std::string(group) +
                        "' has these invalid characters or length: it must be 1-90 "
                        "characters of letters, digits, '-', '_', '.', '(' or ')' and "
                        "must not end with '.'.");
}

ArmError invalidResourceGroupLocation(std::string_view location, std::string_view existing) {
  return conflict("InvalidResourceGroupLocation",
                  "Invalid resource group location '" + std::string(location) +
                      "'. The Resource group already exists in location '" +
                      std::string(existing) + "'.");
}

ArmError invalidFilter(std::string_view filter) {
  return badRequest("InvalidFilterInQueryString",
                    "Invalid $filter '" + std::string(filter) +
                        "'. azlb supports clauses of the form "
                        "<field> eq '<value>' joined with 'and', on resourceGroup, name, "
                        "resourceType and location.");
}

ArmError unsupportedFilterField(std::string_view field) {
  return badRequest("InvalidFilterInQueryString",
                    "Unsupported $filter field '" + std::string(field) + "'.");
}

// --- network resources -----------------------------------------------------------------------

ArmError invalidResourceName(std::string_view name) {
  return badRequest("InvalidResourceName",
                    "Resource name " + std::string(name) +
                        " is invalid. The name can be up to 80 characters "
                        "long. It must begin with a word character, and it must end with a word "
                        "character or with '_'. The name may contain word characters or '.', "
                        "'-', '_'.");
}

ArmError invalidResourceLocation(std::string_view name, std::string_view existing,
                                 std::string_view group, std::string_view requested) {
  return badRequest("InvalidResourceLocation",
                    "The resource '" + std::string(name) + "' already exists in location '" +
                        std::string(existing) + "' in resource group '" + std::string(group) +
                        "'. A resource with the same name cannot be created in location '" +
                        std::string(requested) + "'. Please select a new resource name.");
}

ArmError invalidTagValue(std::string_view key) {
  return badRequest("InvalidTagValue",
                    "The value of tag '" + std::string(key) + "' must be a string.",
                    "tags." + std::string(key));
}

ArmError ruleHealthWithoutProbe(std::string_view ruleId) {
  return badRequest("LoadBalancingRuleHealthNotSupportedWithoutProbe",
                    "Load balancing rule " + std::string(ruleId) +
                        " has no health probe; health status is only available for probed "
                        "rules.");
}

ArmError basicSkuPoolChange(std::string_view loadBalancerId) {
  return badRequest("OperationNotSupportedForBasicSkuLoadBalancer",
                    "Backend address pools of Basic sku load balancer " +
                        std::string(loadBalancerId) +
                        " can only be changed with a PUT of the whole load balancer.");
}

// --- operations ------------------------------------------------------------------------------

ArmError operationNotFound(std::string_view operationId) {
  return ArmError{404, "OperationNotFound",
                  "Operation " + std::string(operationId) + " was not found.", {}, {}};
}

// --- deployments -----------------------------------------------------------------------------

ArmError deploymentNotFound(std::string_view name) {
  return ArmError{404, "DeploymentNotFound",
                  "Deployment '" + std::string(name) + "' could not be found.", {}, {}};
}

ArmError deploymentRunning(std::string_view name) {
  return conflict("DeploymentActive", "Deployment '" + std::string(name) + "' is still running.");
}

ArmError deploymentStillActive(std::string_view name, std::string_view since) {
  return conflict("DeploymentActive",
                  "Unable to edit or replace deployment '" + std::string(name) +
                      "': previous deployment from '" + std::string(since) +
                      "' is still active. Please see https://aka.ms/arm-deploy for usage "
                      "details.");
}

ArmError deploymentInterrupted(std::string message) {
  return conflict("DeploymentInterrupted", std::move(message));
}

ArmError invalidTemplate(std::string message) {
  return badRequest("InvalidTemplate", std::move(message));
}

ArmError invalidDeploymentMode(std::string_view mode) {
  return badRequest("InvalidDeploymentMode", "Deployment mode '" + std::string(mode) +
                                                 "' is not supported by azlb; use Incremental.");
}

ArmError deploymentFailed(const ArmError& inner) {
  ArmError e = badRequest("DeploymentFailed",
                          "At least one resource deployment operation failed. Please list "
                          "deployment operations for details. Please see "
                          "https://aka.ms/arm-deployment-operations for usage details.");
  e.details.push_back(inner);
  return e;
}

ArmError templateError(std::string code, std::string message) {
  return badRequest(std::move(code), std::move(message));
}

}  // namespace errors
}  // namespace azlb::armapi
