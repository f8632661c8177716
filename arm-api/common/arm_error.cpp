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

nlohmann::json ArmError::toJson() const {
  return {{"error", innerJson()}};
}

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
  return ArmError{404,
                  "ResourceGroupNotFound",
                  "Resource group '" + std::string(group) + "' could not be found.",
                  {},
                  {}};
}

ArmError resourceNotFound(std::string_view type, std::string_view name, std::string_view group) {
  return ArmError{404,
                  "ResourceNotFound",
                  "The Resource '" + std::string(type) + "/" + std::string(name) +
                      "' under resource group '" + std::string(group) +
                      "' was not found. For more details please go to "
                      "https://aka.ms/ARMResourceNotFoundFix",
                  {},
                  {}};
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
  return badRequest("InvalidResourceType",
                    "The resource type '" + rt + "' could not be found in the namespace '" + ns +
                        "' for api version '" + std::string(apiVersion) + "'.");
}

ArmError methodNotAllowed(std::string_view method, std::string_view what) {
  return ArmError{405,
                  "MethodNotAllowed",
                  "The requested method '" + std::string(method) + "' is not allowed on " +
                      std::string(what) + ".",
                  {},
                  {}};
}

ArmError locationRequired() {
  return badRequest("LocationRequired", "The location property is required for this definition.");
}

ArmError subscriptionNotFound(std::string_view subscription) {
  return ArmError{404,
                  "SubscriptionNotFound",
                  "The subscription '" + std::string(subscription) + "' could not be found.",
                  {},
                  {}};
}

ArmError payloadTooLarge(size_t limit) {
  return ArmError{
      413,
      "RequestEntityTooLarge",
      "The request content length exceeds the limit of " + std::to_string(limit) + " bytes.",
      {},
      {}};
}

ArmError internal(std::string message) {
  return ArmError{500, "InternalServerError", std::move(message), {}, {}};
}

ArmError fromInnerJson(const nlohmann::json& inner, int status) {
  ArmError e{status,
             inner.value("code", "Unknown"),
             inner.value("message", ""),
             inner.value("target", ""),
             {}};
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
                      "'. The Resource group already exists in location '" + std::string(existing) +
                      "'.");
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
  return ArmError{404,
                  "OperationNotFound",
                  "Operation " + std::string(operationId) + " was not found.",
                  {},
                  {}};
}

// --- deployments -----------------------------------------------------------------------------

ArmError deploymentNotFound(std::string_view name) {
  return ArmError{404,
                  "DeploymentNotFound",
                  "Deployment '" + std::string(name) + "' could not be found.",
                  {},
                  {}};
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

// load balancer and network resource validation (NRP's codes; message text as Azure words it)

namespace {
std::string txt(std::string_view v) {
  return std::string(v);
}
}  // namespace

// - request shape

ArmError missingJsonProperty(std::string_view property, std::string_view path) {
  return invalidRequestFormat(
      "MissingJsonProperty",
      "Required property '" + txt(property) + "' not found in JSON. Path '" + txt(path) + "'.");
}

ArmError childItemNotObject(std::string_view path) {
  return invalidRequestFormat("InvalidJsonTokenType", "Expected an object at '" + txt(path) + "'.");
}

ArmError childItemWithoutName(std::string_view path) {
  return badRequest("InvalidRequestFormat",
                    "Cannot parse the request: the item at '" + txt(path) + "' has no name.",
                    txt(path) + ".name");
}

ArmError duplicateChildName(std::string_view collection, std::string_view name,
                            std::string_view path) {
  return badRequest("InvalidRequestFormat",
                    "Cannot parse the request: " + txt(collection) + " contains '" + txt(name) +
                        "' more than once (names are compared case-insensitively).",
                    txt(path) + ".name");
}

ArmError duplicateBackendAddressName(std::string_view name, std::string_view poolId,
                                     std::string target) {
  return badRequest("InvalidRequestFormat",
                    "Cannot parse the request: backend address '" + txt(name) +
                        "' appears twice in pool " + txt(poolId) + ".",
                    std::move(target));
}

ArmError vnetWithoutAddressPrefix(std::string_view vnetId) {
  return badRequest("InvalidRequestFormat",
                    "Cannot parse the request: virtual network " + txt(vnetId) +
                        " must have at least one address prefix in "
                        "properties.addressSpace.addressPrefixes.",
                    "properties.addressSpace.addressPrefixes");
}

// - public IP addresses

ArmError standardSkuPublicIpMustBeStatic(std::string_view pipId) {
  return badRequest(
      "StandardSkuPublicIPAddressesMustBeStatic",
      "Standard sku publicIp " + txt(pipId) + " must have AllocationMethod set to Static.");
}

ArmError publicIpSkuCannotBeChanged(std::string_view pipId, std::string_view from,
                                    std::string_view to) {
  return badRequest("PublicIPAddressSkuCannotBeChanged",
                    "The sku of public IP address " + txt(pipId) + " cannot be changed from " +
                        txt(from) + " to " + txt(to) + ".");
}

ArmError publicIpCountLimitReached(std::string_view publicPrefix) {
  return badRequest("PublicIPCountLimitReached",
                    "Cannot create more public IP addresses: the public range " +
                        txt(publicPrefix) + " is exhausted.");
}

ArmError publicRangeExhausted(std::string_view publicPrefix) {
  return badRequest("PublicIPCountLimitReached",
                    "The public range " + txt(publicPrefix) + " is exhausted.");
}

ArmError publicIpCannotBeDeleted(std::string_view pipId, std::string_view user) {
  return badRequest("PublicIPAddressCannotBeDeleted",
                    "Public IP address " + txt(pipId) +
                        " can not be deleted since it is still allocated to resource " + txt(user) +
                        ".");
}

ArmError publicIpAddressInUse(std::string_view owner, std::string_view pipId,
                              std::string_view user) {
  return badRequest("PublicIPAddressInUse",
                    "Resource " + txt(owner) + " is referencing public IP address " + txt(pipId) +
                        " that is already allocated to resource " + txt(user) + ".");
}

ArmError publicIpAndLbSkuDoNotMatch(std::string_view lbSku, std::string_view lbId,
                                    std::string_view pipSku, std::string_view pipId) {
  return badRequest("PublicIPAndLBSkuDoNotMatch", txt(lbSku) + " sku load balancer " + txt(lbId) +
                                                      " cannot reference " + txt(pipSku) +
                                                      " sku publicIP " + txt(pipId) + ".");
}

// - virtual networks and subnets

ArmError invalidVnetAddressPrefix(std::string_view prefixJson, std::string_view vnetId) {
  return badRequest("InvalidAddressPrefixFormat",
                    "Address prefix " + txt(prefixJson) + " of virtual network " + txt(vnetId) +
                        " is not a valid IPv4 or IPv6 CIDR prefix with its host bits zero.",
                    "properties.addressSpace.addressPrefixes");
}

ArmError invalidSubnetAddressPrefix(std::string_view subnet) {
  return badRequest(
      "InvalidAddressPrefixFormat",
      "Subnet '" + txt(subnet) +
          "' needs a valid IPv4 address prefix, and valid IPv6 ones if any (CIDR prefixes with "
          "their host bits zero).",
      "properties.subnets");
}

ArmError subnetRangeOutsideVnet(std::string_view subnet, std::string_view vnetName) {
  return badRequest("NetcfgSubnetRangeOutsideVnet",
                    "Subnet '" + txt(subnet) +
                        "' is not valid because its IP address range is outside the IP address "
                        "range of virtual network '" +
                        txt(vnetName) + "'.");
}

ArmError subnetTooSmall(std::string_view subnet, std::string_view vnetName) {
  return badRequest("NetcfgInvalidSubnet",
                    "Subnet '" + txt(subnet) + "' is not valid in virtual network '" +
                        txt(vnetName) + "': the smallest supported subnet is a /29.");
}

ArmError subnetRangesOverlap(std::string_view subnet, std::string_view other,
                             std::string_view vnetName) {
  return badRequest("NetcfgSubnetRangesOverlap",
                    "Subnet '" + txt(subnet) +
                        "' is not valid because its IP address range overlaps with that of an "
                        "existing subnet '" +
                        txt(other) + "' in virtual network '" + txt(vnetName) + "'.");
}

ArmError inUseSubnetCannotBeDeleted(std::string_view subnet, std::string_view user) {
  return badRequest("InUseSubnetCannotBeDeleted",
                    "Subnet " + txt(subnet) + " is in use by " + txt(user) +
                        " and cannot be deleted. In order to delete the subnet, delete all the "
                        "resources within the subnet. See aka.ms/deletesubnet.");
}

ArmError inUseSubnetCannotBeUpdated(std::string_view subnet, std::string_view user,
                                    std::string_view ip) {
  return badRequest("InUseSubnetCannotBeUpdated",
                    "Subnet " + txt(subnet) + " is in use by " + txt(user) + " (" + txt(ip) +
                        ") and its address prefix cannot be changed to exclude that address.");
}

// - private addresses

ArmError privateIpAddressInvalid(std::string_view ownerKind, std::string_view owner,
                                 std::string_view ip, std::string target) {
  return badRequest("PrivateIPAddressInvalid",
                    txt(ownerKind) + " " + txt(owner) +
                        " has Static allocation and needs a valid IPv4 privateIPAddress; got '" +
                        txt(ip) + "'.",
                    std::move(target));
}

ArmError privateIpAddressNotInSubnet(std::string_view owner, std::string_view ip,
                                     std::string_view subnetId) {
  return badRequest("PrivateIPAddressNotInSubnet",
                    "IP configuration " + txt(owner) + " is not valid because private IP address " +
                        txt(ip) + " is not in the range of subnet " + txt(subnetId) + ".");
}

ArmError privateIpAddressIsReserved(std::string_view ip, std::string_view subnetId,
                                    std::string_view note) {
  return badRequest("PrivateIPAddressIsReserved",
                    "Private IP address " + txt(ip) + " is reserved by Azure in subnet " +
                        txt(subnetId) + (note.empty() ? std::string() : " (" + txt(note) + ")") +
                        ".");
}

ArmError privateIpAddressInUse(std::string_view owner, std::string_view ip, std::string_view user) {
  return badRequest("PrivateIPAddressInUse",
                    "IP configuration " + txt(owner) + " is using the private IP address " +
                        txt(ip) + " which is already allocated to resource " + txt(user) + ".");
}

ArmError privateIpAddressUsedTwiceInLoadBalancer(std::string_view ip, std::string_view lbId) {
  return badRequest("PrivateIPAddressInUse", "Private IP address " + txt(ip) +
                                                 " is used by two frontends of load balancer " +
                                                 txt(lbId) + ".");
}

ArmError privateIpAddressUsedTwiceInNic(std::string_view ip, std::string_view nicId) {
  return badRequest(
      "PrivateIPAddressInUse",
      "Private IP address " + txt(ip) + " is used twice in network interface " + txt(nicId) + ".");
}

ArmError subnetIsFull(std::string_view subnetId) {
  return badRequest("SubnetIsFull", "Subnet " + txt(subnetId) + " has no free IP address left.");
}

// - network interfaces

ArmError nicWithoutIpConfiguration(std::string_view nicId) {
  return badRequest("NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
                    "Network interface " + txt(nicId) + " must have at least one IP configuration.",
                    "properties.ipConfigurations");
}

ArmError subnetRequiredForIpConfiguration(std::string_view configId, std::string target) {
  return badRequest("SubnetRequiredForIpConfiguration",
                    "IP configuration " + txt(configId) + " must reference a subnet.",
                    std::move(target));
}

ArmError nicIpConfigurationsInDifferentVnets(std::string_view nicId) {
  return badRequest("IpConfigurationsOfNicInDifferentVirtualNetworks",
                    "The IP configurations of network interface " + txt(nicId) +
                        " reference subnets of different virtual networks.");
}

// - load balancers

ArmError loadBalancerWithoutFrontendCantHaveChildren(std::string_view lbId) {
  return badRequest("LoadBalancerWithoutFrontendIPCantHaveChildResources",
                    "Load balancer " + txt(lbId) +
                        " does not have Frontend IP Configuration, hence it cannot have child "
                        "resources (backend address pools, rules, probes, inbound NAT rules or "
                        "pools, outbound rules).");
}

ArmError ipBasedBackendPoolNotSupportedOnBasicSku(std::string_view poolId) {
  return badRequest("IpBasedBackendAddressPoolNotSupportedOnBasicSku",
                    "Backend address pool " + txt(poolId) +
                        " has IP-based backend addresses, which only Standard sku load balancers "
                        "support.");
}

ArmError duplicateIpInBackendPool(std::string_view ip, std::string_view poolId) {
  return badRequest(
      "DuplicateIpAddressInBackendAddressPool",
      "IP address " + txt(ip) + " is used by two backend addresses of pool " + txt(poolId) + ".");
}

ArmError backendAddressIpNotInVnet(std::string_view ip, std::string_view address,
                                   std::string_view vnetId) {
  return badRequest("LoadBalancerBackendAddressIpNotInVirtualNetwork",
                    "IP address " + txt(ip) + " of backend address " + txt(address) +
                        " is outside the address space of virtual network " + txt(vnetId) + ".");
}

ArmError rulesUseSameBackendPortProtocolAndPool(std::string_view ruleA, std::string_view ruleB,
                                                std::string_view protocol, std::string_view port,
                                                std::string_view poolId) {
  return badRequest("RulesUseSameBackendPortProtocolAndPool",
                    "Load balancing rules " + txt(ruleA) + " and " + txt(ruleB) +
                        " with floating IP disabled use the same protocol " + txt(protocol) +
                        " and backend port " + txt(port) +
                        ", and must not be used with the same backend address pool " + txt(poolId) +
                        ".");
}

ArmError rulesUseSameBackendPortProtocolPoolAndFloatingIpFrontend(std::string_view ruleA,
                                                                  std::string_view ruleB,
                                                                  std::string_view protocol,
                                                                  std::string_view port,
                                                                  std::string_view poolId) {
  return badRequest("RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled",
                    "Load balancing rules " + txt(ruleA) + " and " + txt(ruleB) +
                        " with floating IP enabled use the same protocol " + txt(protocol) +
                        ", backend port " + txt(port) +
                        " and frontend IP configuration, and must not be used with the same "
                        "backend address pool " +
                        txt(poolId) + ".");
}

ArmError rulesUseSameFrontendAndPort(std::string_view ruleA, std::string_view ruleB,
                                     std::string_view protocol, int64_t port) {
  return badRequest("LoadBalancerRulesUseSameFrontendIPConfigurationAndPort",
                    "Rules " + txt(ruleA) + " and " + txt(ruleB) +
                        " use the same frontend IP configuration, protocol " + txt(protocol) +
                        " and frontend port " + std::to_string(port) +
                        ". Port numbers for each rule must be unique within the load balancer.");
}

ArmError outboundRulesNotSupportedOnBasicSku(std::string_view ruleId) {
  return badRequest("OutboundRulesNotSupportedOnBasicSku",
                    "Outbound rule " + txt(ruleId) +
                        ": outbound rules are supported on Standard sku load balancers only.");
}

ArmError allocatedOutboundPortsNotMultipleOfEight(int ports, std::string_view ruleId) {
  return badRequest("SpecifiedAllocatedOutboundPortsForOutboundRuleIsNotAMultipleOfEight",
                    "Specified Allocated Outbound Ports " + std::to_string(ports) +
                        " for Outbound Rule " + txt(ruleId) + " is not a multiple of 8.");
}

ArmError allocatedOutboundPortsExceedAvailable(int ports, std::string_view ruleId, int available) {
  return badRequest(
      "SpecifiedAllocatedOutboundPortsForOutboundRuleExceedsTotalNumberOfAvailablePorts",
      "Specified Allocated Outbound Ports " + std::to_string(ports) + " for Outbound Rule " +
          txt(ruleId) + " exceeds total number of available ports " + std::to_string(available) +
          ". Reduce allocated ports or increase number of IP addresses for outbound rule.");
}

ArmError outboundRulesShareFrontendAndProtocol(std::string_view ruleA, std::string_view ruleB,
                                               std::string_view frontendId) {
  return badRequest(
      "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported",
      "Outbound rules " + txt(ruleA) + " and " + txt(ruleB) +
          " use the same frontend IP configuration " + txt(frontendId) +
          " with overlapping protocols; this is not supported.");
}

ArmError inUseBackendPoolCannotBeDeleted(std::string_view poolId, std::string_view user) {
  return badRequest("InUseBackendAddressPoolCannotBeDeleted",
                    "Backend address pool " + txt(poolId) + " is in use by " + txt(user) +
                        " and cannot be deleted.");
}

ArmError inUseInboundNatRuleCannotBeDeleted(std::string_view natRuleId, std::string_view user) {
  return badRequest("InUseInboundNatRuleCannotBeDeleted", "Inbound NAT rule " + txt(natRuleId) +
                                                              " is in use by " + txt(user) +
                                                              " and cannot be deleted.");
}

ArmError loadBalancerInUseByNic(std::string_view lbId, std::string_view childId,
                                std::string_view user) {
  return badRequest("LoadBalancerInUseByNetworkInterface",
                    "Load balancer " + txt(lbId) + " cannot be deleted: " + txt(childId) +
                        " is still referenced by network interface IP configuration " + txt(user) +
                        ".");
}

// Texts as Azure writes them (seen in azure-cli, Terraform and SDK issue reports).
ArmError securityRuleInvalidPriority(std::string_view ruleId, int64_t priority) {
  return badRequest("SecurityRuleInvalidPriority",
                    "Security rule has invalid Priority. Value provided: " +
                        std::to_string(priority) + " Allowed range 100-4096.",
                    txt(ruleId));
}

ArmError securityRuleConflict(std::string_view rule, std::string_view other) {
  return badRequest("SecurityRuleConflict",
                    "Security rule " + txt(rule) + " conflicts with rule " + txt(other) +
                        ". Rules cannot have the same Priority and Direction. To learn more, see "
                        "aka.ms/nsgrules.");
}

ArmError securityRuleInvalidPortRange(std::string_view ruleId, std::string_view value) {
  return badRequest("SecurityRuleInvalidPortRange",
                    "Security rule has invalid Port range. Value provided: " + txt(value) +
                        ". Value should be an integer OR integer range with '-' delimiter. Valid "
                        "range 0-65535.",
                    txt(ruleId));
}

ArmError securityRuleInvalidAddressPrefix(std::string_view ruleId, std::string_view value) {
  return badRequest("SecurityRuleInvalidAddressPrefix",
                    "Security rule " + txt(ruleId) +
                        " has invalid Address prefix. Value provided: " + txt(value));
}

ArmError securityRuleTagInPrefixList(std::string_view parameter, std::string_view ruleId,
                                     std::string_view value) {
  return badRequest("SecurityRuleParameterContainsUnsupportedValue",
                    "Security rule parameter " + txt(parameter) + " for rule with Id " +
                        txt(ruleId) +
                        " cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, "
                        "'*' or system tags. Unsupported value used: " +
                        txt(value) + ".");
}

ArmError inUseNetworkSecurityGroupCannotBeDeleted(std::string_view nsgId, std::string_view users) {
  return badRequest(
      "InUseNetworkSecurityGroupCannotBeDeleted",
      "Network security group " + txt(nsgId) +
          " cannot be deleted because it is in use by the following resources: " + txt(users) +
          ". In order to delete the Network security group, remove the association "
          "with the resource(s).");
}

ArmError inUsePublicIpPrefixCannotBeDeleted(std::string_view prefixId, std::string_view users) {
  return badRequest("InUsePublicIpPrefixCannotBeDeleted",
                    "Public IP prefix " + txt(prefixId) +
                        " cannot be deleted because it is in use by the following resources: " +
                        txt(users) + ".");
}

// [infer] code: the prefix has no address left for another public IP.
ArmError publicIpPrefixFull(std::string_view prefixId, std::string_view pipId) {
  return badRequest("PublicIpPrefixOutOfIpAddressesForPublicIp",
                    "Public IP prefix " + txt(prefixId) +
                        " has no free address left for public IP " + txt(pipId) + ".");
}

}  // namespace errors
}  // namespace azlb::armapi
