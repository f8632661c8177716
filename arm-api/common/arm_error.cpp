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

}  // namespace errors
}  // namespace azlb::armapi
