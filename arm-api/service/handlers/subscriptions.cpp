// The account-level ARM reads az makes before anything else: tenants, the one subscription,
// its locations and the resource providers (everything azlb serves is registered).
#include "arm-api/service/handlers/handlers.h"

namespace azlb::armservice::handlers {

namespace errors = armapi::errors;

namespace {

json subscriptionBody(const ServiceConfig& cfg) {
  return json{{"id", "/subscriptions/" + cfg.subscriptionId},
              {"subscriptionId", cfg.subscriptionId},
              {"tenantId", cfg.tenantId},
              {"displayName", cfg.subscriptionName},
              {"state", "Enabled"},
              {"subscriptionPolicies",
               {{"locationPlacementId", "Public_2014-09-01"},
                {"quotaId", "azlb-local"},
                {"spendingLimit", "Off"}}},
              {"authorizationSource", "RoleBased"},
              {"managedByTenants", json::array()}};
}

json providerBody(const ServiceConfig& cfg, const std::string& ns) {
  return json{{"id", "/subscriptions/" + cfg.subscriptionId + "/providers/" + ns},
              {"namespace", ns},
              {"registrationState", "Registered"},
              {"registrationPolicy", "RegistrationRequired"},
              {"resourceTypes", json::array()}};
}

}  // namespace

ApiResponse listTenants(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET") return impl.error(errors::methodNotAllowed(call.method(), "tenants"));
  const auto& cfg = impl.cfg;
  return jsonResponse(200, {{"value",
                             {{{"id", "/tenants/" + cfg.tenantId},
                               {"tenantId", cfg.tenantId},
                               {"tenantCategory", "Home"},
                               {"displayName", "azlb local tenant"}}}}});
}

ApiResponse listSubscriptions(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "subscriptions"));
  return jsonResponse(
      200, {{"value", {subscriptionBody(impl.cfg)}}, {"count", {{"type", "Total"}, {"value", 1}}}});
}

ApiResponse getSubscription(Service::Impl& impl, RouteCall& call) {
  // Read-only here: a DELETE or PUT of the subscription is ARM's 405, not the subscription.
  if (call.method() != "GET" && call.method() != "HEAD")
    return impl.error(
        errors::methodNotAllowed(call.method(), "subscriptions/" + impl.cfg.subscriptionId));
  return jsonResponse(200, subscriptionBody(impl.cfg));
}

ApiResponse listLocations(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "locations"));
  json v = json::array();
  for (const char* loc :
       {"westus", "westus2", "eastus", "eastus2", "centralus", "northeurope", "westeurope"})
    v.push_back({{"id", "/subscriptions/" + impl.cfg.subscriptionId + "/locations/" + loc},
                 {"name", loc},
                 {"displayName", loc},
                 {"regionalDisplayName", loc}});
  return jsonResponse(200, {{"value", v}});
}

ApiResponse listProviders(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "providers"));
  return jsonResponse(200, {{"value",
                             {providerBody(impl.cfg, "Microsoft.Network"),
                              providerBody(impl.cfg, "Microsoft.Resources")}}});
}

ApiResponse getProvider(Service::Impl& impl, RouteCall& call) {
  return jsonResponse(200, providerBody(impl.cfg, armapi::canonicalNamespace(call.param("ns"))));
}

}  // namespace azlb::armservice::handlers
