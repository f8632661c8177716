#include "arm-api/service/routes.h"

#include <algorithm>
#include <array>
#include <regex>

#include "arm-api/service/handlers/handlers.h"

namespace azlb::armservice {

using armapi::iequals;
using armapi::toLower;
namespace errors = armapi::errors;
namespace h = handlers;

namespace {

constexpr Locking kNone = Locking::None;
constexpr Locking kLocked = Locking::State;

/// Answered before any authentication: readiness, observability, metadata, login.
const Route kBootstrapRoutes[] = {
    {"", "azlb/ready", kNone, h::ready},
    {"GET", "azlb/probes", kNone, h::probes},
    {"GET", "metrics", kNone, h::metrics},
    {"GET", "azlb/trace", kNone, h::trace},
    {"GET", "azlb/ui", kNone, h::uiPage},
    {"GET", "azlb/ui/state", kNone, h::uiState},
    {"", "metadata/endpoints", kNone, h::metadataEndpoints},
    {"", "adfs/**", kNone, h::adfsLogin},
    {"GET", "azlb/cloud-services", kNone, h::cloudServiceSummaries},
    {"GET", "azlb/cloud-services/{name}", kNone, h::cloudServiceSummaries},
};

#define AZLB_SUB "subscriptions/{sub}"
#define AZLB_GROUP AZLB_SUB "/resourceGroups/{group}"
#define AZLB_DEPLOYMENTS AZLB_GROUP "/providers/Microsoft.Resources/deployments"
#define AZLB_NETWORK AZLB_GROUP "/providers/Microsoft.Network/{type}"
#define AZLB_CS AZLB_GROUP "/providers/Microsoft.Compute/cloudServices"

/// Behind the ARM gate. Order matters: the first match wins, so a method-specific entry comes
/// before the any-method entry of the same pattern that answers 405 (or ARM's error for it).
const Route kArmRoutes[] = {
    {"", "tenants/**", kNone, h::listTenants},
    {"", "subscriptions", kNone, h::listSubscriptions},
    {"", AZLB_SUB, kLocked, h::getSubscription},
    {"", AZLB_SUB "/locations", kLocked, h::listLocations},
    {"", AZLB_SUB "/providers", kLocked, h::listProviders},
    {"", AZLB_SUB "/providers/{ns}", kLocked, h::getProvider},
    {"", AZLB_SUB "/providers/{ns}/register", kLocked, h::getProvider},
    {"", AZLB_SUB "/providers/Microsoft.Network/locations/{location}/operations/{operation}",
     kLocked, h::getOperationStatus},
    {"", AZLB_SUB "/providers/Microsoft.Network/locations/{location}/operationResults/{operation}",
     kLocked, h::getOperationResult},
    {"", AZLB_SUB "/operationResults/{operation}", kLocked, h::getGroupDeletionResult},
    {"", AZLB_SUB "/resources", kLocked, h::listResources},
    {"", AZLB_GROUP "/resources", kLocked, h::listResources},
    {"", AZLB_SUB "/providers/Microsoft.Compute/cloudServices", kLocked,
     h::listCloudServicesInSubscription},
    {"", AZLB_SUB "/providers/{ns}/{type}", kLocked, h::listNetworkInSubscription},
    // Resource groups.
    {"", AZLB_SUB "/resourceGroups", kLocked, h::listGroups},
    {"GET", AZLB_GROUP, kLocked, h::getGroup},
    {"HEAD", AZLB_GROUP, kLocked, h::getGroup},
    {"PUT", AZLB_GROUP, kLocked, h::putGroup},
    {"PATCH", AZLB_GROUP, kLocked, h::putGroup},
    {"DELETE", AZLB_GROUP, kLocked, h::deleteGroup},
    {"", AZLB_GROUP, kLocked, h::groupMethodNotAllowed},
    // Deployments. PUT and validate evaluate templates, whose reference() takes the lock.
    {"", AZLB_DEPLOYMENTS, kLocked, h::listDeployments},
    {"", AZLB_DEPLOYMENTS "/{name}/operationStatuses/{operation}", kLocked,
     h::getDeploymentOperationStatus},
    {"", AZLB_DEPLOYMENTS "/{name}/operations", kLocked, h::listDeploymentOperations},
    {"POST", AZLB_DEPLOYMENTS "/{name}/validate", kNone, h::validateDeployment},
    {"", AZLB_DEPLOYMENTS "/{name}/validate", kLocked, h::deploymentMethodNotAllowed},
    {"GET", AZLB_DEPLOYMENTS "/{name}", kLocked, h::getDeployment},
    {"HEAD", AZLB_DEPLOYMENTS "/{name}", kLocked, h::getDeployment},
    {"DELETE", AZLB_DEPLOYMENTS "/{name}", kLocked, h::deleteDeployment},
    {"PUT", AZLB_DEPLOYMENTS "/{name}", kNone, h::putDeployment},
    {"", AZLB_DEPLOYMENTS "/{name}", kLocked, h::deploymentMethodNotAllowed},
    {"", AZLB_GROUP "/providers/Microsoft.Resources/**", kLocked, h::deploymentsFallback},
    // Microsoft.Compute/cloudServices, their read-only children and the VIP swap slot.
    {"", AZLB_CS, kLocked, h::listCloudServices},
    {"GET", AZLB_CS "/{name}", kLocked, h::getCloudService},
    {"PUT", AZLB_CS "/{name}", kLocked, h::putCloudService},
    {"DELETE", AZLB_CS "/{name}", kLocked, h::deleteCloudService},
    {"", AZLB_CS "/{name}", kLocked, h::cloudServiceMethodNotAllowed},
    {"", AZLB_CS "/{name}/providers/Microsoft.Network/cloudServiceSlots", kLocked,
     h::cloudServiceSlots},
    {"", AZLB_CS "/{name}/providers/Microsoft.Network/cloudServiceSlots/{slot}", kLocked,
     h::cloudServiceSlots},
    {"", AZLB_CS "/{name}/{collection}", kNone, h::cloudServiceChildren},
    {"", AZLB_CS "/{name}/{collection}/{child}", kNone, h::cloudServiceChildren},
    {"", AZLB_CS "/{name}/{collection}/{child}/{view}", kNone, h::cloudServiceChildren},
    // Microsoft.Network resources, their child collections and actions.
    {"", AZLB_NETWORK, kLocked, h::listNetworkInGroup},
    {"GET", AZLB_NETWORK "/{name}", kLocked, h::getNetworkResource},
    {"PUT", AZLB_NETWORK "/{name}", kLocked, h::putNetworkResource},
    {"PATCH", AZLB_NETWORK "/{name}", kLocked, h::patchNetworkResource},
    {"DELETE", AZLB_NETWORK "/{name}", kLocked, h::deleteNetworkResource},
    {"", AZLB_NETWORK "/{name}", kLocked, h::networkResourceMethodNotAllowed},
    {"", AZLB_NETWORK "/{name}/{collection}", kLocked, h::listCollection},
    {"GET", AZLB_NETWORK "/{name}/{collection}/{child}", kLocked, h::getChild},
    {"PUT", AZLB_NETWORK "/{name}/{collection}/{child}", kLocked, h::putOrDeleteChild},
    {"DELETE", AZLB_NETWORK "/{name}/{collection}/{child}", kLocked, h::putOrDeleteChild},
    {"", AZLB_NETWORK "/{name}/{collection}/{child}", kLocked, h::childMethodNotAllowed},
    {"", AZLB_NETWORK "/{name}/{collection}/{child}/{action}", kLocked, h::childAction},
    {"", AZLB_GROUP "/**", kLocked, h::groupScopeFallback},
};

#undef AZLB_SUB
#undef AZLB_GROUP
#undef AZLB_DEPLOYMENTS
#undef AZLB_NETWORK
#undef AZLB_CS

/// A pattern's literal word against a lower-cased path segment (ASCII case-insensitive; this
/// runs for every route tried, so no locale calls).
bool sameWord(std::string_view word, const std::string& lowerSegment) {
  if (word.size() != lowerSegment.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    char c = word[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lowerSegment[k]) return false;
  }
  return true;
}

bool validApiVersion(const std::string& v) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$)",
                             std::regex::icase);
  return std::regex_match(v, re);
}

/// What every ARM request must carry, checked before its route is looked up (so a request with
/// no token is 401 even on a path nothing serves).
std::optional<ArmError> armGate(const Service::Impl& impl, const RouteCall& call) {
  const ApiRequest& req = call.req;
  std::string auth = req.header("authorization");
  if (auth.size() < 8 || !iequals(auth.substr(0, 7), "Bearer "))
    return errors::authenticationFailed(
        "Authentication failed. The 'Authorization' header is missing.");
  std::string apiVersion = apiVersionOf(req);
  if (apiVersion.empty()) return errors::missingApiVersion();
  if (!validApiVersion(apiVersion)) return errors::invalidApiVersion(apiVersion);
  if (req.body.size() > impl.cfg.maxBodyBytes)
    return errors::payloadTooLarge(impl.cfg.maxBodyBytes);
  if (call.lower.size() >= 2 && call.lower[0] == "subscriptions" &&
      !iequals(call.seg[1], impl.cfg.subscriptionId))
    return errors::subscriptionNotFound(call.seg[1]);
  return std::nullopt;
}

}  // namespace

/// Runs the first route of a table that matches, under the lock when the route asks for it.
struct RouteRunner {
  template <std::size_t N>
  static std::optional<ApiResponse> runFirstMatch(Service::Impl& impl, RouteCall& call,
                                                  const Route (&table)[N]) {
    for (const Route& route : table) {
      if (!route.method.empty() && route.method != call.method()) continue;
      if (!matchRoute(route.pattern, call)) continue;
      if (route.locking == Locking::State) call.lock_ = std::unique_lock(impl.mu);
      ApiResponse r = route.handler(impl, call);
      call.unlock();
      return r;
    }
    return std::nullopt;
  }
};

RouteCall::RouteCall(const ApiRequest& request) : req(request) {
  const std::string& path = req.path;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) seg.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  for (const auto& s : seg) lower.push_back(toLower(s));
}

const std::string& RouteCall::param(std::string_view name) const {
  static const std::string kNone;
  for (const auto& [k, i] : params_)
    if (k == name) return seg[i];
  return kNone;
}

bool matchRoute(std::string_view pattern, RouteCall& call) {
  // Cheap rejection first: a pattern of n words matches n segments (at least n-1 with "**").
  const size_t words = static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '/')) + 1;
  const bool tail = pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == "**";
  if (tail ? call.seg.size() < words - 1 : call.seg.size() != words) return false;
  call.params_.clear();
  call.restFrom_ = call.seg.size();
  size_t i = 0, pos = 0;
  while (pos <= pattern.size()) {
    size_t slash = pattern.find('/', pos);
    if (slash == std::string_view::npos) slash = pattern.size();
    std::string_view word = pattern.substr(pos, slash - pos);
    pos = slash + 1;
    if (word == "**") {
      call.restFrom_ = i;
      return true;
    }
    if (i >= call.seg.size()) return false;
    if (word.size() > 2 && word.front() == '{' && word.back() == '}')
      call.params_.emplace_back(word.substr(1, word.size() - 2), i);
    else if (!sameWord(word, call.lower[i]))
      return false;
    ++i;
  }
  return i == call.seg.size();
}

ApiResponse dispatchRoute(Service::Impl& impl, const ApiRequest& req) {
  RouteCall call(req);
  if (auto r = RouteRunner::runFirstMatch(impl, call, kBootstrapRoutes)) return std::move(*r);
  const bool arm =
      !call.lower.empty() && (call.lower[0] == "subscriptions" || call.lower[0] == "tenants");
  if (!arm) return impl.error(errors::noRoute(req.path));
  if (auto e = armGate(impl, call)) return impl.error(*e);
  if (auto r = RouteRunner::runFirstMatch(impl, call, kArmRoutes)) return std::move(*r);
  return impl.error(errors::noRoute(req.path));
}

ApiResponse Service::Impl::route(const ApiRequest& req) {
  return dispatchRoute(*this, req);
}

}  // namespace azlb::armservice
