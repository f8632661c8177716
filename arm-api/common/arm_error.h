// ArmError and the one factory that makes every error the ARM surface returns (Azure's codes,
// statuses and message style; SPEC.md §3–4). Rendered once, by toJson(), as
// {"error":{"code","message","target","details"}}.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
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

  nlohmann::json toJson() const;     // the {"error":{...}} envelope
  nlohmann::json innerJson() const;  // the object inside it (used in operation status bodies)
};

template <typename T>
using ArmResult = Result<T, ArmError>;
inline Unexpected<ArmError> armFail(ArmError e) {
  return Unexpected<ArmError>{std::move(e)};
}

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
/// 400 InvalidFilterInQueryString: a $filter field other than
/// resourceGroup/name/resourceType/location.
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

// load balancer and network resource validation (NRP's codes; message text as Azure words it)
// - request shape
/// InvalidRequestFormat with one MissingJsonProperty detail naming the property and its path.
ArmError missingJsonProperty(std::string_view property, std::string_view path);
/// InvalidRequestFormat with one InvalidJsonTokenType detail: a child item that is not an object.
ArmError childItemNotObject(std::string_view path);
ArmError childItemWithoutName(std::string_view path);
ArmError duplicateChildName(std::string_view collection, std::string_view name,
                            std::string_view path);
ArmError duplicateBackendAddressName(std::string_view name, std::string_view poolId,
                                     std::string target);
ArmError vnetWithoutAddressPrefix(std::string_view vnetId);
// - public IP addresses
ArmError standardSkuPublicIpMustBeStatic(std::string_view pipId);
ArmError publicIpSkuCannotBeChanged(std::string_view pipId, std::string_view from,
                                    std::string_view to);
/// PublicIPCountLimitReached when a new Static public IP finds no address left.
ArmError publicIpCountLimitReached(std::string_view publicPrefix);
/// PublicIPCountLimitReached when a frontend gives a Dynamic public IP its address.
ArmError publicRangeExhausted(std::string_view publicPrefix);
ArmError publicIpCannotBeDeleted(std::string_view pipId, std::string_view user);
ArmError publicIpAddressInUse(std::string_view owner, std::string_view pipId,
                              std::string_view user);
ArmError publicIpAndLbSkuDoNotMatch(std::string_view lbSku, std::string_view lbId,
                                    std::string_view pipSku, std::string_view pipId);
// - virtual networks and subnets
ArmError invalidVnetAddressPrefix(std::string_view prefixJson, std::string_view vnetId);
ArmError invalidSubnetAddressPrefix(std::string_view subnet);
ArmError subnetRangeOutsideVnet(std::string_view subnet, std::string_view vnetName);
ArmError subnetTooSmall(std::string_view subnet, std::string_view vnetName);
ArmError subnetRangesOverlap(std::string_view subnet, std::string_view other,
                             std::string_view vnetName);
ArmError inUseSubnetCannotBeDeleted(std::string_view subnet, std::string_view user);
ArmError inUseSubnetCannotBeUpdated(std::string_view subnet, std::string_view user,
                                    std::string_view ip);
// - private addresses (NIC ipConfigurations and load balancer frontends)
/// ownerKind is "IP configuration" or "Frontend IP configuration".
ArmError privateIpAddressInvalid(std::string_view ownerKind, std::string_view owner,
                                 std::string_view ip, std::string target);
ArmError privateIpAddressNotInSubnet(std::string_view owner, std::string_view ip,
                                     std::string_view subnetId);
/// note, when given, is added in parentheses before the final full stop.
ArmError privateIpAddressIsReserved(std::string_view ip, std::string_view subnetId,
                                    std::string_view note = {});
ArmError privateIpAddressInUse(std::string_view owner, std::string_view ip, std::string_view user);
ArmError privateIpAddressUsedTwiceInLoadBalancer(std::string_view ip, std::string_view lbId);
ArmError privateIpAddressUsedTwiceInNic(std::string_view ip, std::string_view nicId);
ArmError subnetIsFull(std::string_view subnetId);
// - network interfaces
ArmError nicWithoutIpConfiguration(std::string_view nicId);
ArmError subnetRequiredForIpConfiguration(std::string_view configId, std::string target);
ArmError nicIpConfigurationsInDifferentVnets(std::string_view nicId);
// - load balancers
ArmError loadBalancerWithoutFrontendCantHaveChildren(std::string_view lbId);
ArmError ipBasedBackendPoolNotSupportedOnBasicSku(std::string_view poolId);
ArmError duplicateIpInBackendPool(std::string_view ip, std::string_view poolId);
ArmError backendAddressIpNotInVnet(std::string_view ip, std::string_view address,
                                   std::string_view vnetId);
ArmError rulesUseSameBackendPortProtocolAndPool(std::string_view ruleA, std::string_view ruleB,
                                                std::string_view protocol, std::string_view port,
                                                std::string_view poolId);
ArmError rulesUseSameBackendPortProtocolPoolAndFloatingIpFrontend(std::string_view ruleA,
                                                                  std::string_view ruleB,
                                                                  std::string_view protocol,
                                                                  std::string_view port,
                                                                  std::string_view poolId);
ArmError rulesUseSameFrontendAndPort(std::string_view ruleA, std::string_view ruleB,
                                     std::string_view protocol, int64_t port);
ArmError outboundRulesNotSupportedOnBasicSku(std::string_view ruleId);
ArmError allocatedOutboundPortsNotMultipleOfEight(int ports, std::string_view ruleId);
/// allocatedOutboundPorts per instance beyond what the rule's frontend IPs give its pool.
ArmError allocatedOutboundPortsExceedAvailable(int ports, std::string_view ruleId, int available);
ArmError outboundRulesShareFrontendAndProtocol(std::string_view ruleA, std::string_view ruleB,
                                               std::string_view frontendId);
ArmError inUseBackendPoolCannotBeDeleted(std::string_view poolId, std::string_view user);
ArmError inUseInboundNatRuleCannotBeDeleted(std::string_view natRuleId, std::string_view user);
ArmError loadBalancerInUseByNic(std::string_view lbId, std::string_view childId,
                                std::string_view user);
// Network security groups.
ArmError securityRuleInvalidPriority(std::string_view ruleId, int64_t priority);
ArmError securityRuleConflict(std::string_view rule, std::string_view other);
ArmError securityRuleInvalidPortRange(std::string_view ruleId, std::string_view value);
ArmError securityRuleInvalidAddressPrefix(std::string_view ruleId, std::string_view value);
/// A tag ("VirtualNetwork", "*", ...) inside one of the plural address-prefix lists.
ArmError securityRuleTagInPrefixList(std::string_view parameter, std::string_view ruleId,
                                     std::string_view value);
ArmError inUseNetworkSecurityGroupCannotBeDeleted(std::string_view nsgId, std::string_view users);
// Public IP prefixes.
ArmError inUsePublicIpPrefixCannotBeDeleted(std::string_view prefixId, std::string_view users);
ArmError publicIpPrefixFull(std::string_view prefixId, std::string_view pipId);
}  // namespace errors

}  // namespace azlb::armapi
