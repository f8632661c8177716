// The endpoints answered without a token: readiness, the data plane's probe states and metrics,
// the cloud metadata az reads first, and the ADFS-style login (OpenID configuration, keys, and
// the OAuth token endpoint that hands out unsigned JWTs).
#include "arm-api/common/form.h"
#include "arm-api/common/json_access.h"
#include "arm-api/common/jwt.h"
#include "arm-api/service/handlers/handlers.h"
#include "common/base64.h"

namespace azlb::armservice::handlers {

namespace errors = armapi::errors;

namespace {

json openIdConfiguration(const std::string& issuer) {
  return {{"issuer", issuer},
          {"authorization_endpoint", issuer + "/oauth2/authorize"},
          {"token_endpoint", issuer + "/oauth2/token"},
          {"jwks_uri", issuer + "/discovery/keys"},
          {"userinfo_endpoint", issuer + "/userinfo"},
          {"end_session_endpoint", issuer + "/oauth2/logout"},
          {"device_authorization_endpoint", issuer + "/oauth2/devicecode"},
          {"response_types_supported", {"code", "id_token", "code id_token", "token"}},
          {"response_modes_supported", {"query", "fragment", "form_post"}},
          {"grant_types_supported",
           {"authorization_code", "refresh_token", "client_credentials", "password",
            "urn:ietf:params:oauth:grant-type:device_code"}},
          {"subject_types_supported", {"pairwise"}},
          {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
          {"id_token_signing_alg_values_supported", {"RS256"}},
          {"token_endpoint_auth_methods_supported", {"client_secret_post", "client_secret_basic"}},
          {"claims_supported", {"aud", "iss", "iat", "exp", "sub", "upn", "tid", "oid"}}};
}

/// POST /adfs/oauth2/token. Errors here are OAuth's shape ({error, error_description}), not ARM's.
ApiResponse issueToken(const Service::Impl& impl, const ApiRequest& req,
                       const std::string& issuer) {
  auto form = armapi::parseForm(req.body);
  std::string grant = form["grant_type"];
  if (grant != "client_credentials" && grant != "password" && grant != "refresh_token")
    return jsonResponse(400, {{"error", "unsupported_grant_type"},
                              {"error_description",
                               "azlb accepts client_credentials, password and "
                               "refresh_token grants; got '" +
                                   grant + "'."}});
  const std::string& tenant = impl.cfg.tenantId;
  std::string client = form.count("client_id") ? form["client_id"] : "azlb-client";
  bool user = grant != "client_credentials";
  std::string who = user && form.count("username") ? form["username"] : client;
  json body = {{"token_type", "Bearer"},
               {"access_token", armapi::makeJwt({tenant, "https://management.core.windows.net/",
                                                 who, issuer, user})},
               {"expires_in", 3599},
               {"ext_expires_in", 3599},
               {"scope", form.count("scope") ? form["scope"]
                                             : "https://management.core.windows.net//.default"}};
  if (user) {
    body["refresh_token"] = "azlb-refresh-" + armapi::newGuid();
    body["id_token"] = armapi::makeJwt({tenant, client, who, issuer, true});
    body["client_info"] = azlb::base64UrlEncode(
        json{{"uid", "00000000-0000-0000-0000-0000000000d1"}, {"utid", tenant}}.dump());
  }
  return jsonResponse(200, body);
}

}  // namespace

ApiResponse ready(Service::Impl& impl, RouteCall&) {
  return jsonResponse(200, {{"status", "ready"},
                            {"subscriptionId", impl.cfg.subscriptionId},
                            {"tenantId", impl.cfg.tenantId}});
}

// Data-plane observability (no token: scrapers and curl read them as they are).
ApiResponse probes(Service::Impl& impl, RouteCall&) {
  json st = impl.listener ? impl.listener->probeStatus() : json();
  if (st.is_null()) st = json{{"probes", json::array()}, {"dataPlane", false}};
  return jsonResponse(200, st);
}

ApiResponse trace(Service::Impl& impl, RouteCall& call) {
  json t = impl.listener ? impl.listener->trace(call.req.query) : json();
  if (t.is_null())
    return jsonResponse(503, {{"error",
                               "no data plane: azlb serve runs without one (not root, or "
                               "--dataplane off), or it has not built one yet"}});
  return jsonResponse(t.contains("error") ? 400 : 200, t);
}

namespace {

/// The live page shows the machine's namespaces and lets you trace: loopback clients only, even
/// when serve listens on another address (--allow-remote).
bool fromLoopback(const ApiRequest& req) {
  const std::string& a = req.remoteAddress;
  return a.empty() || a.rfind("127.", 0) == 0 || a == "::1" || a.rfind("::ffff:127.", 0) == 0;
}

ApiResponse notLoopback() {
  return jsonResponse(403, {{"error", "the live page answers loopback clients only"}});
}

}  // namespace

ApiResponse uiPage(Service::Impl& impl, RouteCall& call) {
  if (!fromLoopback(call.req)) return notLoopback();
  ApiResponse r;
  r.text = impl.listener ? impl.listener->uiPage() : std::string();
  if (r.text->empty())
    return jsonResponse(503, {{"error",
                               "no data plane: the live page shows azlb serve's data plane "
                               "(run as root, --dataplane on)"}});
  r.contentType = "text/html; charset=utf-8";
  return r;
}

ApiResponse uiState(Service::Impl& impl, RouteCall& call) {
  if (!fromLoopback(call.req)) return notLoopback();
  json st = impl.listener ? impl.listener->uiState() : json();
  if (st.is_null()) return jsonResponse(503, {{"error", "no data plane yet"}});
  return jsonResponse(200, st);
}

ApiResponse metrics(Service::Impl& impl, RouteCall&) {
  ApiResponse r;
  r.text = impl.listener ? impl.listener->metricsText() : std::string();
  r.contentType = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

ApiResponse metadataEndpoints(Service::Impl&, RouteCall& call) {
  const std::string& base = call.req.baseUrl;
  const std::string b = base + "/";
  return jsonResponse(
      200, {{"galleryEndpoint", b},
            {"graphEndpoint", b},
            {"portalEndpoint", b},
            {"name", "AzlbLocal"},
            {"authentication",
             {{"loginEndpoint", base + "/adfs"},
              {"audiences", {"https://management.core.windows.net/", b}},
              {"tenant", "adfs"},
              {"identityProvider", "ADFS"}}},
            {"resourceManager", b},
            {"suffixes", {{"storage", "core.windows.net"}, {"keyVaultDns", "vault.azure.net"}}}});
}

// /adfs[/{tenant}]/.well-known/openid-configuration | discovery/keys | oauth2/token
ApiResponse adfsLogin(Service::Impl& impl, RouteCall& call) {
  std::vector<std::string> rest;
  for (const auto& s : call.rest()) rest.push_back(armapi::toLower(s));
  if (rest.size() >= 2 && rest[0] != ".well-known" && rest[0] != "oauth2" && rest[0] != "discovery")
    rest.erase(rest.begin());  // the tenant
  const std::string issuer = call.req.baseUrl + "/adfs";
  if (rest.size() == 2 && rest[0] == ".well-known" && rest[1] == "openid-configuration")
    return jsonResponse(200, openIdConfiguration(issuer));
  if (rest.size() == 2 && rest[0] == "discovery" && rest[1] == "keys")
    return jsonResponse(200, {{"keys", json::array()}});
  if (rest.size() == 2 && rest[0] == "oauth2" && rest[1] == "token" && call.method() == "POST")
    return issueToken(impl, call.req, issuer);
  return impl.error(errors::noLoginEndpoint(call.req.path));
}

}  // namespace azlb::armservice::handlers
