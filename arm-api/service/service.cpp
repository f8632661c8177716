#include "arm-api/service/service.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

#include "arm-api/common/base64.h"
#include "arm-api/common/form.h"
#include "arm-api/common/ipv4.h"
#include "arm-api/common/jwt.h"

#include "arm-api/service/impl.h"
#include "arm-api/service/network.h"

namespace azlb::armservice {

using armapi::iequals;
using armapi::newEtag;
using armapi::newGuid;
using armapi::nowTimestamp;
using armapi::toLower;
namespace errors = armapi::errors;

namespace {

const char* const kNetworkNs = "Microsoft.Network";

std::string normalizeLocation(const std::string& loc) {
  std::string out;
  for (char c : loc)
    if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool validApiVersion(const std::string& v) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha|-privatepreview)?$)",
                             std::regex::icase);
  return std::regex_match(v, re);
}

ApiResponse jsonResponse(int status, json body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::vector<std::string> splitSegments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string apiVersionOf(const ApiRequest& req) {
  auto it = req.query.find("api-version");
  return it == req.query.end() ? std::string() : it->second;
}

json presentOperation(const json& op, bool deploymentStyle) {
  json out = {{"id", op.value("url", op.value("id", ""))}, {"name", op.value("id", "")},
              {"startTime", op.value("startTime", "")}};
  std::string status = op.value("status", "InProgress");
  if (deploymentStyle && status == "InProgress") status = "Running";
  out["status"] = status;
  if (op.contains("endTime")) out["endTime"] = op["endTime"];
  if (op.contains("error")) out["error"] = op["error"];
  return out;
}

// ---------------------------------------------------------------------------------------------

Service::Service(ServiceConfig config, std::unique_ptr<armstore::Store> store)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  impl_->self = this;
  impl_->cfg = config_;
  impl_->store = std::move(store);
}

Service::~Service() {
  {
    std::lock_guard lk(impl_->jobMu);
    impl_->stopping = true;
  }
  impl_->jobCv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

Result<std::unique_ptr<Service>> Service::create(ServiceConfig config,
                                                 std::unique_ptr<armstore::Store> store) {
  if (!armapi::parseIpv4Prefix(config.publicPrefix))
    return fail("invalid public prefix '" + config.publicPrefix + "' (want an IPv4 CIDR such as 198.18.0.0/16)");
  auto resources = store->loadResources();
  if (!resources) return unexpected(resources.error());
  auto operations = store->loadOperations();
  if (!operations) return unexpected(operations.error());
  std::unique_ptr<Service> svc(new Service(std::move(config), std::move(store)));
  auto& impl = *svc->impl_;
  for (auto& row : *resources) {
    json body = json::parse(row.body, nullptr, false);
    if (body.is_discarded()) return fail("stored resource " + row.id + " is not valid JSON");
    impl.state.put(row.key, Resource{row.id, row.type, std::move(body)});
  }
  for (auto& row : *operations) {
    json body = json::parse(row.body, nullptr, false);
    if (!body.is_discarded()) impl.ops[row.id] = std::move(body);
  }
  impl.failInterruptedDeployments();
  impl.worker = std::thread([&impl] {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lk(impl.jobMu);
        impl.jobCv.wait(lk, [&] { return impl.stopping || !impl.jobs.empty(); });
        if (impl.stopping && impl.jobs.empty()) return;
        job = std::move(impl.jobs.front());
        impl.jobs.pop_front();
      }
      job();
    }
  });
  return svc;
}

void Service::setListener(ChangeListener* listener) {
  std::vector<ChangeSet> pending;
  {
    std::lock_guard lk(impl_->mu);
    impl_->listener = listener;
    for (const auto& [id, op] : impl_->ops)
      if (op.value("kind", "") != "deployment" && op.value("status", "") == "InProgress")
        pending.push_back({id, op.value("resourceIds", std::vector<std::string>{})});
  }
  // Operations a previous run left in progress are announced again (or completed, without a data plane).
  for (const auto& change : pending) impl_->announce(change);
}

void Service::Impl::announce(const ChangeSet& change) {
  ChangeListener* l;
  {
    std::lock_guard lk(mu);
    l = listener;
  }
  if (l)
    l->onChange(change);
  else
    self->completeOperation(change.operationId, std::nullopt);
}

void Service::completeOperation(const std::string& operationId, const std::optional<ArmError>& error) {
  impl_->setOperationStatus(operationId, error ? "Failed" : "Succeeded", error);
}

void Service::Impl::setOperationStatus(const std::string& opId, const std::string& status,
                                       const std::optional<ArmError>& err) {
  std::lock_guard lk(mu);
  auto it = ops.find(opId);
  if (it == ops.end()) return;
  json op = it->second;
  std::string current = op.value("status", "InProgress");
  if (current == "Succeeded" || current == "Failed" || current == "Canceled") return;
  op["status"] = status;
  bool terminal = status == "Succeeded" || status == "Failed" || status == "Canceled";
  if (terminal) op["endTime"] = nowTimestamp();
  if (err) op["error"] = err->innerJson();
  Txn tx(state);
  if (terminal && op.value("kind", "") == "network") {
    // A resource leaves Updating when no other operation on it is still in progress.
    for (const auto& rid : op.value("resourceIds", std::vector<std::string>{})) {
      bool busy = false;
      for (const auto& [otherId, other] : ops)
        if (otherId != opId && other.value("status", "") == "InProgress")
          for (const auto& x : other.value("resourceIds", std::vector<std::string>{}))
            busy = busy || iequals(x, rid);
      const Resource* r = state.find(toLower(rid));
      if (!r || busy) continue;
      Resource updated = *r;
      updated.body["properties"]["provisioningState"] = err ? "Failed" : "Succeeded";
      tx.put(toLower(rid), std::move(updated));
    }
  }
  if (!commit(tx, {op})) return;  // a store failure leaves the operation in progress
  opCv.notify_all();
}

std::string Service::waitOperation(const std::string& operationId, std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  auto done = [&] {
    auto it = impl_->ops.find(operationId);
    if (it == impl_->ops.end()) return true;
    auto s = it->second.value("status", "");
    return s == "Succeeded" || s == "Failed" || s == "Canceled";
  };
  impl_->opCv.wait_for(lk, timeout, done);
  auto it = impl_->ops.find(operationId);
  return it == impl_->ops.end() ? "NotFound" : it->second.value("status", "");
}

std::vector<json> Service::listByType(const std::string& type) {
  std::lock_guard lk(impl_->mu);
  Txn view(impl_->state);
  std::vector<json> out;
  view.forEachOfType(toLower(type), [&](const std::string&, const Resource& r) {
    out.push_back(network::renderResource(view, r));
  });
  return out;
}

ArmResult<bool> Service::Impl::commit(Txn& tx, const std::vector<json>& operations) {
  auto batch = tx.toBatch();
  for (const auto& op : operations) batch.operations.push_back({op.value("id", ""), op.dump()});
  if (auto r = store->apply(batch); !r)
    return armapi::armFail(errors::internal("Storing the change failed: " + r.error().message()));
  tx.applyTo(state);
  for (const auto& op : operations) ops[op.value("id", "")] = op;
  return true;
}

json Service::Impl::newOperation(const std::string& kind, const std::vector<std::string>& ids,
                                 const std::string& location) {
  return json{{"id", newGuid()}, {"kind", kind}, {"status", "InProgress"}, {"resourceIds", ids},
              {"location", location}, {"startTime", nowTimestamp()}};
}

std::string Service::Impl::asyncOperationUrl(const ApiRequest& req, const std::string& location,
                                             const std::string& opId) {
  return req.baseUrl + "/subscriptions/" + cfg.subscriptionId + "/providers/Microsoft.Network/locations/" +
         location + "/operations/" + opId + "?api-version=" + apiVersionOf(req);
}

std::string Service::Impl::operationResultUrl(const ApiRequest& req, const std::string& location,
                                              const std::string& opId) {
  return req.baseUrl + "/subscriptions/" + cfg.subscriptionId + "/providers/Microsoft.Network/locations/" +
         location + "/operationResults/" + opId + "?api-version=" + apiVersionOf(req);
}

bool Service::Impl::groupExists(const std::string& group) {
  return state.find(armapi::resourceGroupKey(cfg.subscriptionId, group)) != nullptr;
}

ApiResponse Service::Impl::error(const ArmError& e) {
  ApiResponse r = jsonResponse(e.status, e.toJson());
  if (e.status == 401)
    r.headers.emplace_back("WWW-Authenticate",
                           "Bearer authorization_uri=\"/adfs\", error=\"invalid_token\", "
                           "error_description=\"The authentication failed because of missing "
                           "'Authorization' header.\"");
  return r;
}

// ---------------------------------------------------------------------------------------------

ApiResponse Service::handle(const ApiRequest& request) {
  ApiResponse resp;
  try {
    resp = impl_->route(request);
  } catch (const std::exception& e) {
    resp = impl_->error(errors::internal(std::string("Unexpected error: ") + e.what()));
  }
  std::string requestId = newGuid();
  resp.headers.emplace_back("x-ms-request-id", requestId);
  std::string corr = request.header("x-ms-correlation-request-id");
  resp.headers.emplace_back("x-ms-correlation-request-id", corr.empty() ? requestId : corr);
  if (iequals(request.header("x-ms-return-client-request-id"), "true") &&
      !request.header("x-ms-client-request-id").empty())
    resp.headers.emplace_back("x-ms-client-request-id", request.header("x-ms-client-request-id"));
  resp.headers.emplace_back("Cache-Control", "no-cache");
  return resp;
}

namespace {

json subscriptionBody(const ServiceConfig& cfg) {
  return json{{"id", "/subscriptions/" + cfg.subscriptionId},
              {"subscriptionId", cfg.subscriptionId},
              {"tenantId", cfg.tenantId},
              {"displayName", cfg.subscriptionName},
              {"state", "Enabled"},
              {"subscriptionPolicies",
               {{"locationPlacementId", "Public_2014-09-01"}, {"quotaId", "azlb-local"}, {"spendingLimit", "Off"}}},
              {"authorizationSource", "RoleBased"},
              {"managedByTenants", json::array()}};
}

}  // namespace

ApiResponse Service::Impl::route(const ApiRequest& req) {
  auto seg = splitSegments(req.path);
  std::vector<std::string> ls;
  for (const auto& s : seg) ls.push_back(toLower(s));
  const std::string& method = req.method;

  // --- unauthenticated bootstrap ---
  if (ls.size() == 2 && ls[0] == "azlb" && ls[1] == "ready")
    return jsonResponse(200, {{"status", "ready"}, {"subscriptionId", cfg.subscriptionId}, {"tenantId", cfg.tenantId}});
  // Data-plane observability (no token: scrapers and curl read them as they are).
  if (method == "GET" && ls.size() == 2 && ls[0] == "azlb" && ls[1] == "probes") {
    json st = listener ? listener->probeStatus() : json();
    if (st.is_null()) st = json{{"probes", json::array()}, {"dataPlane", false}};
    return jsonResponse(200, st);
  }
  if (method == "GET" && ls.size() == 1 && ls[0] == "metrics") {
    ApiResponse r;
    r.text = listener ? listener->metricsText() : std::string();
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (ls.size() == 2 && ls[0] == "metadata" && ls[1] == "endpoints") {
    const std::string b = req.baseUrl + "/";
    return jsonResponse(200, {{"galleryEndpoint", b},
                              {"graphEndpoint", b},
                              {"portalEndpoint", b},
                              {"name", "AzlbLocal"},
                              {"authentication",
                               {{"loginEndpoint", req.baseUrl + "/adfs"},
                                {"audiences", {"https://management.core.windows.net/", b}},
                                {"tenant", "adfs"},
                                {"identityProvider", "ADFS"}}},
                              {"resourceManager", b},
                              {"suffixes", {{"storage", "core.windows.net"}, {"keyVaultDns", "vault.azure.net"}}}});
  }
  if (!ls.empty() && ls[0] == "adfs") {
    std::vector<std::string> rest(ls.begin() + 1, ls.end());
    if (rest.size() >= 2 && rest[0] != ".well-known" && rest[0] != "oauth2" && rest[0] != "discovery")
      rest.erase(rest.begin());  // /adfs/{tenant}/...
    const std::string issuer = req.baseUrl + "/adfs";
    if (rest.size() == 2 && rest[0] == ".well-known" && rest[1] == "openid-configuration")
      return jsonResponse(200, {{"issuer", issuer},
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
                                {"token_endpoint_auth_methods_supported",
                                 {"client_secret_post", "client_secret_basic"}},
                                {"claims_supported", {"aud", "iss", "iat", "exp", "sub", "upn", "tid", "oid"}}});
    if (rest.size() == 2 && rest[0] == "discovery" && rest[1] == "keys")
      return jsonResponse(200, {{"keys", json::array()}});
    if (rest.size() == 2 && rest[0] == "oauth2" && rest[1] == "token" && method == "POST") {
      auto form = armapi::parseForm(req.body);
      std::string grant = form["grant_type"];
      if (grant != "client_credentials" && grant != "password" && grant != "refresh_token")
        return jsonResponse(400, {{"error", "unsupported_grant_type"},
                                  {"error_description", "azlb accepts client_credentials, password and "
                                                        "refresh_token grants; got '" + grant + "'."}});
      std::string client = form.count("client_id") ? form["client_id"] : "azlb-client";
      bool user = grant != "client_credentials";
      std::string who = user && form.count("username") ? form["username"] : client;
      json body = {{"token_type", "Bearer"},
                   {"access_token", armapi::makeJwt({cfg.tenantId, "https://management.core.windows.net/", who, issuer, user})},
                   {"expires_in", 3599},
                   {"ext_expires_in", 3599},
                   {"scope", form.count("scope") ? form["scope"] : "https://management.core.windows.net//.default"}};
      if (user) {
        body["refresh_token"] = "azlb-refresh-" + newGuid();
        body["id_token"] = armapi::makeJwt({cfg.tenantId, client, who, issuer, true});
        body["client_info"] = armapi::base64UrlEncode(json{{"uid", "00000000-0000-0000-0000-0000000000d1"},
                                             {"utid", cfg.tenantId}}.dump());
      }
      return jsonResponse(200, body);
    }
    return error(ArmError{404, "NotFound", "No such login endpoint: " + req.path, {}, {}});
  }

  // --- everything else is ARM: bearer token and api-version ---
  if (ls.empty() || (ls[0] != "subscriptions" && ls[0] != "tenants"))
    return error(ArmError{404, "NotFound", "No route for '" + req.path + "'.", {}, {}});
  std::string auth = req.header("authorization");
  if (auth.size() < 8 || !iequals(auth.substr(0, 7), "Bearer "))
    return error(errors::authenticationFailed("Authentication failed. The 'Authorization' header is missing."));
  std::string apiVersion = apiVersionOf(req);
  if (apiVersion.empty()) return error(errors::missingApiVersion());
  if (!validApiVersion(apiVersion)) return error(errors::invalidApiVersion(apiVersion));
  if (req.body.size() > cfg.maxBodyBytes) return error(errors::payloadTooLarge(cfg.maxBodyBytes));

  if (ls[0] == "tenants") {
    if (method != "GET") return error(errors::methodNotAllowed(method, "tenants"));
    return jsonResponse(200, {{"value", {{{"id", "/tenants/" + cfg.tenantId}, {"tenantId", cfg.tenantId},
                                          {"tenantCategory", "Home"}, {"displayName", "azlb local tenant"}}}}});
  }
  if (ls.size() == 1) {
    if (method != "GET") return error(errors::methodNotAllowed(method, "subscriptions"));
    return jsonResponse(200, {{"value", {subscriptionBody(cfg)}}, {"count", {{"type", "Total"}, {"value", 1}}}});
  }
  if (!iequals(seg[1], cfg.subscriptionId)) return error(errors::subscriptionNotFound(seg[1]));
  std::vector<std::string> s(seg.begin() + 2, seg.end()), l(ls.begin() + 2, ls.end());

  std::unique_lock lk(mu);
  if (s.empty()) return jsonResponse(200, subscriptionBody(cfg));

  if (l.size() == 1 && l[0] == "locations") {
    json v = json::array();
    for (const char* loc : {"westus", "westus2", "eastus", "eastus2", "centralus", "northeurope", "westeurope"})
      v.push_back({{"id", "/subscriptions/" + cfg.subscriptionId + "/locations/" + loc}, {"name", loc},
                   {"displayName", loc}, {"regionalDisplayName", loc}});
    return jsonResponse(200, {{"value", v}});
  }
  // Resource providers: everything azlb serves is registered.
  if (l[0] == "providers" && (l.size() <= 2 || (l.size() == 3 && l[2] == "register"))) {
    auto provider = [&](const std::string& ns) {
      return json{{"id", "/subscriptions/" + cfg.subscriptionId + "/providers/" + ns}, {"namespace", ns},
                  {"registrationState", "Registered"}, {"registrationPolicy", "RegistrationRequired"},
                  {"resourceTypes", json::array()}};
    };
    if (l.size() == 1)
      return jsonResponse(200, {{"value", {provider("Microsoft.Network"), provider("Microsoft.Resources")}}});
    return jsonResponse(200, provider(armapi::canonicalNamespace(s[1])));
  }
  // Async operation status (network LROs): GET .../locations/{loc}/operations|operationResults/{op}
  if (l.size() == 6 && l[0] == "providers" && l[1] == "microsoft.network" && l[2] == "locations" &&
      (l[4] == "operations" || l[4] == "operationresults")) {
    auto it = ops.find(s[5]);
    if (it == ops.end())
      return error(ArmError{404, "OperationNotFound", "Operation " + s[5] + " was not found.", {}, {}});
    if (l[4] == "operations") {
      json body = presentOperation(it->second, false);
      body["id"] = asyncOperationUrl(req, s[3], s[5]);
      ApiResponse r = jsonResponse(200, body);
      if (body["status"] == "InProgress") r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    if (it->second.value("status", "") == "InProgress") {
      ApiResponse r = emptyResponse(202);
      r.headers.emplace_back("Location", operationResultUrl(req, s[3], s[5]));
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    if (it->second.value("status", "") == "Failed")
      return jsonResponse(400, json{{"error", it->second["error"]}});
    if (it->second.contains("result")) return jsonResponse(200, it->second["result"]);  // POST actions
    return emptyResponse(204);
  }
  // Resource-group deletion status (Location of DELETE resourcegroups).
  if (l.size() == 2 && l[0] == "operationresults") {
    auto it = ops.find(s[1]);
    if (it == ops.end())
      return error(ArmError{404, "OperationNotFound", "Operation " + s[1] + " was not found.", {}, {}});
    if (it->second.value("status", "") == "InProgress") {
      ApiResponse r = emptyResponse(202);
      r.headers.emplace_back("Location", req.baseUrl + "/subscriptions/" + cfg.subscriptionId +
                                             "/operationresults/" + s[1] + "?api-version=" + apiVersion);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    if (it->second.value("status", "") == "Failed") return jsonResponse(400, json{{"error", it->second["error"]}});
    return emptyResponse(200);
  }

  Txn view(state);
  auto summary = [&](const Resource& r) {
    json item = {{"id", r.id}, {"name", ResourceId::parse(r.id)->name()}, {"type", r.type},
                 {"location", r.body.value("location", "")}};
    for (const char* k : {"sku", "tags", "kind", "managedBy"})
      if (r.body.contains(k)) item[k] = r.body[k];
    return item;
  };
  auto isTopLevelResource = [](const Resource& r) {
    auto id = ResourceId::parse(r.id);
    return id && id->segments.size() == 1 && !iequals(id->providerNamespace, "Microsoft.Resources");
  };

  // Generic resources list with the $filter forms az uses.
  if ((l.size() == 1 && l[0] == "resources") || (l.size() == 3 && l[0] == "resourcegroups" && l[2] == "resources")) {
    if (method != "GET") return error(errors::methodNotAllowed(method, "resources"));
    std::string group = l.size() == 3 ? s[1] : "";
    if (!group.empty() && !groupExists(group)) return error(errors::resourceGroupNotFound(group));
    std::map<std::string, std::string> filter;
    if (auto f = req.query.find("$filter"); f != req.query.end()) {
      static const std::regex clause(R"(^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$)", std::regex::icase);
      std::string text = f->second;
      size_t pos = 0;
      while (pos <= text.size()) {
        size_t next = std::string::npos;
        std::smatch m;
        static const std::regex andRe(R"(\s+and\s+)", std::regex::icase);
        std::string rest = text.substr(pos);
        std::string part = rest;
        if (std::regex_search(rest, m, andRe)) {
          part = rest.substr(0, static_cast<size_t>(m.position(0)));
          next = pos + static_cast<size_t>(m.position(0) + m.length(0));
        }
        std::smatch cm;
        if (!std::regex_match(part, cm, clause))
          return error(errors::badRequest("InvalidFilterInQueryString",
                                          "Invalid $filter '" + text + "'. azlb supports clauses of the form "
                                          "<field> eq '<value>' joined with 'and', on resourceGroup, name, "
                                          "resourceType and location."));
        std::string field = toLower(cm[1].str());
        if (field != "resourcegroup" && field != "name" && field != "resourcetype" && field != "location")
          return error(errors::badRequest("InvalidFilterInQueryString",
                                          "Unsupported $filter field '" + cm[1].str() + "'."));
        filter[field] = std::regex_replace(cm[2].str(), std::regex("''"), "'");
        if (next == std::string::npos) break;
        pos = next;
      }
    }
    if (!group.empty()) filter["resourcegroup"] = group;
    json value = json::array();
    for (const auto& [key, r] : state.all()) {
      if (!isTopLevelResource(r)) continue;
      auto id = ResourceId::parse(r.id);
      if (filter.count("resourcegroup") && !iequals(id->resourceGroup, filter["resourcegroup"])) continue;
      if (filter.count("name") && !iequals(id->name(), filter["name"])) continue;
      if (filter.count("resourcetype") && !iequals(r.type, filter["resourcetype"])) continue;
      if (filter.count("location") && !iequals(r.body.value("location", ""), filter["location"])) continue;
      value.push_back(summary(r));
    }
    return jsonResponse(200, {{"value", value}});
  }

  // Subscription-wide list of a Microsoft.Network type.
  if (l.size() == 3 && l[0] == "providers") {
    if (!iequals(l[1], kNetworkNs)) return error(errors::invalidResourceType(s[1] + "/" + s[2], apiVersion));
    const network::TypeInfo* t = network::findType(s[2]);
    if (!t) return error(errors::invalidResourceType(std::string(kNetworkNs) + "/" + s[2], apiVersion));
    if (method != "GET") return error(errors::methodNotAllowed(method, t->segment));
    json value = json::array();
    view.forEachOfType(toLower(std::string(kNetworkNs) + "/" + t->segment),
                       [&](const std::string&, const Resource& r) { value.push_back(t->render(view, r)); });
    return jsonResponse(200, {{"value", value}});
  }

  if (l[0] != "resourcegroups") return error(ArmError{404, "NotFound", "No route for '" + req.path + "'.", {}, {}});

  // --- resource groups ---
  if (l.size() == 1) {
    if (method != "GET") return error(errors::methodNotAllowed(method, "resourceGroups"));
    json value = json::array();
    for (const auto& [key, r] : state.all())
      if (iequals(r.type, "Microsoft.Resources/resourceGroups")) value.push_back(r.body);
    return jsonResponse(200, {{"value", value}});
  }
  const std::string group = s[1];
  const std::string groupKey = armapi::resourceGroupKey(cfg.subscriptionId, group);
  const Resource* groupRes = state.find(groupKey);
  if (l.size() == 2) {
    if (method == "GET" || method == "HEAD") {
      if (!groupRes) return method == "HEAD" ? emptyResponse(404) : error(errors::resourceGroupNotFound(group));
      return method == "HEAD" ? emptyResponse(204) : jsonResponse(200, groupRes->body);
    }
    if (method == "PUT" || method == "PATCH") {
      json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object())
        return error(errors::invalidRequestFormat("InvalidJson", "The request body is not a JSON object."));
      static const std::regex nameRe(R"(^[-\w\._\(\)]{1,90}$)");
      if (!std::regex_match(group, nameRe) || group.back() == '.')
        return error(errors::badRequest("InvalidResourceGroup",
                                        "The provided resource group name '" + group +
                                            "' has these invalid characters or length: it must be 1-90 "
                                            "characters of letters, digits, '-', '_', '.', '(' or ')' and "
                                            "must not end with '.'."));
      if (auto k = armapi::checkKinds(body, "", {{"location", armapi::JsonKind::String},
                                                 {"tags", armapi::JsonKind::Object},
                                                 {"managedBy", armapi::JsonKind::String}});
          !k)
        return error(k.error());
      json out;
      if (method == "PATCH") {
        if (!groupRes) return error(errors::resourceGroupNotFound(group));
        out = groupRes->body;
        if (body.contains("tags")) out["tags"] = body["tags"];
        if (body.contains("managedBy")) out["managedBy"] = body["managedBy"];
      } else {
        std::string loc = normalizeLocation(body.value("location", ""));
        if (loc.empty()) return error(errors::locationRequired());
        if (groupRes && groupRes->body.value("location", "") != loc)
          return error(errors::conflict("InvalidResourceGroupLocation",
                                        "Invalid resource group location '" + loc +
                                            "'. The Resource group already exists in location '" +
                                            groupRes->body.value("location", "") + "'."));
        out = {{"id", armapi::resourceGroupId(cfg.subscriptionId, group)}, {"name", group},
               {"type", "Microsoft.Resources/resourceGroups"}, {"location", loc},
               {"properties", {{"provisioningState", "Succeeded"}}}};
        if (body.contains("tags")) out["tags"] = body["tags"];
        if (body.contains("managedBy")) out["managedBy"] = body["managedBy"];
      }
      bool created = !groupRes;
      Txn tx(state);
      tx.put(groupKey, Resource{out["id"], "Microsoft.Resources/resourceGroups", out});
      if (auto c = commit(tx, {}); !c) return error(c.error());
      return jsonResponse(created ? 201 : 200, out);
    }
    if (method == "DELETE") {
      if (!groupRes) return error(errors::resourceGroupNotFound(group));
      Txn tx(state);
      std::vector<std::string> ids{groupRes->id};
      std::vector<Resource> removed;
      tx.forEachWithPrefix(groupKey + "/", [&](const std::string&, const Resource& r) { removed.push_back(r); });
      for (const auto& r : removed) {
        tx.erase(toLower(r.id));
        ids.push_back(r.id);
      }
      tx.erase(groupKey);
      // Resources of other groups may still use what goes (a NIC elsewhere on a subnet here).
      for (const auto& r : removed) {
        auto id = ResourceId::parse(r.id);
        if (!id || id->segments.size() != 1 || !iequals(id->providerNamespace, kNetworkNs)) continue;
        if (const network::TypeInfo* t = network::findType(id->segments[0].first))
          if (auto ok = t->checkDelete(tx, r); !ok) return error(ok.error());
      }
      json op = newOperation("network", ids, groupRes->body.value("location", ""));
      std::string opId = op["id"];
      if (auto c = commit(tx, {op}); !c) return error(c.error());
      lk.unlock();
      announce({opId, ids});
      ApiResponse r = emptyResponse(202);
      r.headers.emplace_back("Location", req.baseUrl + "/subscriptions/" + cfg.subscriptionId +
                                             "/operationresults/" + opId + "?api-version=" + apiVersion);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    return error(errors::methodNotAllowed(method, "resourceGroups"));
  }
  if (!groupRes) return error(errors::resourceGroupNotFound(group));
  if (l.size() < 4 || l[2] != "providers")
    return error(ArmError{404, "NotFound", "No route for '" + req.path + "'.", {}, {}});
  if (l[3] == "microsoft.resources") {
    lk.unlock();
    return deployments(req, group, std::vector<std::string>(s.begin() + 4, s.end()));
  }
  if (l[3] != "microsoft.network") {
    std::string type = s[3] + (s.size() > 4 ? "/" + s[4] : "");
    return error(errors::badRequest("NoRegisteredProviderFound",
                                    "No registered resource provider found for location and API version '" +
                                        apiVersion + "' for type '" + type +
                                        "'. azlb emulates Microsoft.Network and Microsoft.Resources."));
  }
  if (l.size() < 5) return error(ArmError{404, "NotFound", "No route for '" + req.path + "'.", {}, {}});
  const network::TypeInfo* type = network::findType(s[4]);
  if (!type) return error(errors::invalidResourceType(std::string(kNetworkNs) + "/" + s[4], apiVersion));
  const std::string typeName = std::string(kNetworkNs) + "/" + type->segment;

  if (l.size() == 5) {  // list in group
    if (method != "GET") return error(errors::methodNotAllowed(method, type->segment));
    json value = json::array();
    view.forEachWithPrefix(groupKey + "/", [&](const std::string&, const Resource& r) {
      if (iequals(r.type, typeName)) value.push_back(type->render(view, r));
    });
    return jsonResponse(200, {{"value", value}});
  }

  ResourceId id;
  id.subscription = cfg.subscriptionId;
  id.resourceGroup = groupRes->body.value("name", group);
  id.providerNamespace = kNetworkNs;
  id.segments.emplace_back(type->segment, s[5]);
  const std::string key = id.key();
  const Resource* existing = state.find(key);
  auto notFound = [&] { return error(errors::resourceNotFound(typeName, s[5], group)); };
  static const std::regex nameRe(R"(^[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$)");

  auto checkPreconditions = [&](const Resource* current) -> std::optional<ApiResponse> {
    std::string ifMatch = req.header("if-match"), ifNone = req.header("if-none-match");
    std::string etag = current ? current->body.value("etag", "") : "";
    auto same = [&](const std::string& v) {
      auto strip = [](std::string x) { return x.rfind("W/", 0) == 0 ? x.substr(2) : x; };
      return strip(v) == strip(etag);
    };
    if (!ifMatch.empty() && (!current || (ifMatch != "*" && !same(ifMatch))))
      return error(errors::preconditionFailed("The condition specified using HTTP conditional header(s) is not "
                                              "met: If-Match '" + ifMatch + "' does not match the current etag '" +
                                              etag + "'."));
    if (!ifNone.empty() && current && (ifNone == "*" || same(ifNone)))
      return error(errors::preconditionFailed("The condition specified using HTTP conditional header(s) is not "
                                              "met: the resource exists and If-None-Match is '" + ifNone + "'."));
    return std::nullopt;
  };

  // Writes `request` as the whole resource; returns the rendered stored body and the operation.
  auto writeWhole = [&](const json& request, const Resource* current, json& rendered,
                        std::string& opId) -> ArmResult<bool> {
    Txn tx(state);
    network::Ctx ctx{tx, cfg};
    // A wrongly typed envelope field is the client's error (400), not a json exception (500).
    if (auto k = armapi::checkKinds(request, "", {{"location", armapi::JsonKind::String},
                                                  {"sku", armapi::JsonKind::Object},
                                                  {"properties", armapi::JsonKind::Object}});
        !k)
      return armapi::armFail(k.error());
    std::string loc = normalizeLocation(armapi::stringOr(request, "location", ""));
    if (!current && loc.empty()) return armapi::armFail(errors::locationRequired());
    if (current) {
      std::string old = current->body.value("location", "");
      if (!loc.empty() && loc != old)
        return armapi::armFail(errors::badRequest(
            "InvalidResourceLocation", "The resource '" + id.name() + "' already exists in location '" + old +
                                           "' in resource group '" + group +
                                           "'. A resource with the same name cannot be created in location '" +
                                           loc + "'. Please select a new resource name."));
      loc = old;
    }
    if (request.contains("tags") && !request["tags"].is_null()) {
      if (!request["tags"].is_object())
        return armapi::armFail(errors::invalidRequestFormat("InvalidJsonTokenType", "Property 'tags' must be an object."));
      for (const auto& [k, v] : request["tags"].items())
        if (!v.is_string())
          return armapi::armFail(errors::badRequest("InvalidTagValue", "The value of tag '" + k + "' must be a string.",
                                                    "tags." + k));
    }
    std::string rv = request.value("properties", json::object()).is_object()
                         ? request.value("properties", json::object()).value("provisioningState", "")
                         : "";
    auto normalized = type->normalize(ctx, id, request, current);
    if (!normalized) return armapi::armFail(normalized.error());
    json body = request;
    for (const char* ro : {"id", "name", "type", "etag", "location", "tags"}) body.erase(ro);
    for (auto& [k, v] : normalized->items()) body[k] = v;
    body["id"] = id.str();
    body["name"] = id.name();
    body["type"] = typeName;
    body["location"] = loc;
    if (request.contains("tags") && request["tags"].is_object()) body["tags"] = request["tags"];
    body["etag"] = newEtag();
    std::string guid = current ? current->body["properties"].value("resourceGuid", newGuid()) : newGuid();
    body["properties"]["resourceGuid"] = guid;
    body["properties"]["provisioningState"] = "Updating";
    (void)rv;
    tx.put(key, Resource{id.str(), typeName, body});
    std::vector<std::string> ids{id.str()};
    for (const auto& [k, w] : tx.writes())
      if (k != key && w) ids.push_back(w->id);
    json op = newOperation("network", ids, loc);
    opId = op["id"];
    if (auto c = commit(tx, {op}); !c) return armapi::armFail(c.error());
    Txn after(state);
    rendered = type->render(after, *state.find(key));
    return true;
  };
  auto parseBody = [&]() -> ArmResult<json> {
    json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded())
      return armapi::armFail(errors::invalidRequestFormat("InvalidJson", "The request body is not valid JSON."));
    if (!body.is_object())
      return armapi::armFail(errors::invalidRequestFormat("InvalidJsonTokenType", "The request body must be a JSON object."));
    return body;
  };
  auto lroHeaders = [&](ApiResponse& r, const std::string& loc, const std::string& opId, bool isDelete) {
    r.headers.emplace_back("Azure-AsyncOperation", asyncOperationUrl(req, loc, opId));
    if (isDelete) {
      r.headers.emplace_back("Location", operationResultUrl(req, loc, opId));
      r.headers.emplace_back("Azure-AsyncNotification", "Enabled");
    }
    r.headers.emplace_back("Retry-After", "1");
  };

  if (l.size() == 6) {
    if (method == "GET") {
      if (!existing) return notFound();
      ApiResponse r = jsonResponse(200, type->render(view, *existing));
      r.headers.emplace_back("ETag", existing->body.value("etag", ""));
      return r;
    }
    if (method == "PUT") {
      if (!std::regex_match(s[5], nameRe))
        return error(errors::badRequest("InvalidResourceName",
                                        "Resource name " + s[5] + " is invalid. The name can be up to 80 characters "
                                        "long. It must begin with a word character, and it must end with a word "
                                        "character or with '_'. The name may contain word characters or '.', '-', '_'."));
      if (auto pre = checkPreconditions(existing)) return *pre;
      auto body = parseBody();
      if (!body) return error(body.error());
      json rendered;
      std::string opId;
      bool created = !existing;
      if (auto w = writeWhole(*body, existing, rendered, opId); !w) return error(w.error());
      lk.unlock();
      ApiResponse r = jsonResponse(created ? 201 : 200, rendered);
      lroHeaders(r, rendered.value("location", ""), opId, false);
      announce({opId, {id.str()}});
      return r;
    }
    if (method == "PATCH") {
      if (!existing) return notFound();
      if (auto pre = checkPreconditions(existing)) return *pre;
      auto body = parseBody();
      if (!body) return error(body.error());
      if (body->contains("tags") && !(*body)["tags"].is_object())
        return error(errors::invalidRequestFormat("InvalidJsonTokenType", "Property 'tags' must be an object."));
      Txn tx(state);
      Resource updated = *existing;
      updated.body["tags"] = body->value("tags", json::object());
      updated.body["etag"] = newEtag();
      tx.put(key, updated);
      if (auto c = commit(tx, {}); !c) return error(c.error());
      Txn after(state);
      return jsonResponse(200, type->render(after, *state.find(key)));
    }
    if (method == "DELETE") {
      if (!existing) return emptyResponse(204);
      if (auto pre = checkPreconditions(existing)) return *pre;
      Txn tx(state);
      tx.erase(key);
      if (auto ok = type->checkDelete(tx, *existing); !ok) return error(ok.error());
      std::string loc = existing->body.value("location", "");
      json op = newOperation("network", {existing->id}, loc);
      std::string opId = op["id"], rid = existing->id;
      if (auto c = commit(tx, {op}); !c) return error(c.error());
      lk.unlock();
      ApiResponse r = emptyResponse(202);
      lroHeaders(r, loc, opId, true);
      announce({opId, {rid}});
      return r;
    }
    return error(errors::methodNotAllowed(method, type->segment));
  }

  if (!existing) return notFound();
  json rendered = type->render(view, *existing);

  // Lists that are not child collections.
  if (l.size() == 7 && iequals(type->segment, "loadBalancers") && l[6] == "networkinterfaces") {
    if (method != "GET") return error(errors::methodNotAllowed(method, "networkInterfaces"));
    std::set<std::string> nicKeys;
    for (const auto& pool : rendered["properties"]["backendAddressPools"])
      for (const auto& c : pool["properties"].value("backendIPConfigurations", json::array()))
        nicKeys.insert(ResourceId::parse(c.value("id", ""))->parent().key());
    json value = json::array();
    for (const auto& k : nicKeys)
      if (const Resource* nic = state.find(k)) value.push_back(network::renderResource(view, *nic));
    return jsonResponse(200, {{"value", value}});
  }
  if (l.size() == 7 && iequals(type->segment, "networkInterfaces") && l[6] == "loadbalancers") {
    if (method != "GET") return error(errors::methodNotAllowed(method, "loadBalancers"));
    std::set<std::string> lbKeys;
    for (const auto& c : existing->body["properties"]["ipConfigurations"])
      for (const char* f : {"loadBalancerBackendAddressPools", "loadBalancerInboundNatRules"})
        for (const auto& ref : c["properties"].value(f, json::array()))
          lbKeys.insert(ResourceId::parse(ref.value("id", ""))->parent().key());
    json value = json::array();
    for (const auto& k : lbKeys)
      if (const Resource* lb = state.find(k)) value.push_back(network::renderResource(view, *lb));
    return jsonResponse(200, {{"value", value}});
  }

  const network::ChildCollection* coll = network::findChild(*type, s[6]);
  if (!coll) {
    if (iequals(type->segment, "loadBalancers") && iequals(s[6], "inboundNatPools"))
      return error(errors::methodNotAllowed(method, "inboundNatPools (they are changed and read only through "
                                                    "the load balancer itself)"));
    return error(errors::invalidResourceType(typeName + "/" + s[6], apiVersion));
  }
  const json& items = rendered["properties"].contains(coll->name) ? rendered["properties"][coll->name]
                                                                   : json::array();
  if (l.size() == 7) {
    if (method != "GET") return error(errors::methodNotAllowed(method, coll->name));
    return jsonResponse(200, {{"value", items}});
  }
  const std::string childName = s[7];
  const std::string childId = id.str() + "/" + coll->name + "/" + childName;
  const json* child = nullptr;
  for (const auto& item : items)
    if (iequals(item.value("name", ""), childName)) child = &item;

  if (l.size() == 9 && iequals(type->segment, "loadBalancers") && iequals(coll->name, "backendAddressPools") &&
      l[8] == "queryinboundnatruleportmapping") {
    if (method != "POST") return error(errors::methodNotAllowed(method, "queryInboundNatRulePortMapping"));
    auto body = parseBody();
    if (!body) return error(body.error());
    auto result = network::queryInboundNatRulePortMapping(view, *existing, childName, *body);
    if (!result) return error(result.error());
    return jsonResponse(200, *result);
  }
  if (l.size() == 9 && iequals(type->segment, "loadBalancers") && iequals(coll->name, "loadBalancingRules") &&
      l[8] == "health") {
    // Azure's health status of a rule: 202 + Location; the operation result is the answer.
    if (method != "POST") return error(errors::methodNotAllowed(method, "health"));
    if (!child) return error(errors::childNotFound(childId));
    if (!child->value("properties", json::object()).contains("probe"))
      return error(errors::badRequest("LoadBalancingRuleHealthNotSupportedWithoutProbe",
                                      "Load balancing rule " + (*child).value("id", childId) +
                                          " has no health probe; health status is only available for probed rules."));
    const std::string ruleId = (*child).value("id", childId);
    const std::string location = existing->body.value("location", "");
    lk.unlock();
    json result = listener ? listener->ruleHealth(ruleId) : json();
    // No data plane (or the rule is not built): no backend is running, so, as Azure answers for
    // stopped VMs, the status holds no backend.
    if (result.is_null()) result = json{{"up", 0}, {"down", 0}, {"loadBalancerBackendAddresses", json::array()}};
    lk.lock();
    json op = newOperation("ruleHealth", {ruleId}, location);
    op["status"] = "Succeeded";
    op["endTime"] = op["startTime"];
    op["result"] = std::move(result);  // in memory only: a status is a moment's answer
    const std::string opId = op["id"];
    ops[opId] = std::move(op);
    actionResults.push_back(opId);
    if (actionResults.size() > kActionResults) {
      ops.erase(actionResults.front());
      actionResults.pop_front();
    }
    ApiResponse r = emptyResponse(202);
    r.headers.emplace_back("Location", operationResultUrl(req, location, opId));
    r.headers.emplace_back("Azure-AsyncOperation", asyncOperationUrl(req, location, opId));
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (l.size() != 8) return error(ArmError{404, "NotFound", "No route for '" + req.path + "'.", {}, {}});

  if (method == "GET") {
    if (!child) return error(errors::childNotFound(childId));
    return jsonResponse(200, *child);
  }
  if (method != "PUT" && method != "DELETE") return error(errors::methodNotAllowed(method, coll->name));
  if (!coll->putAndDelete)
    return error(errors::methodNotAllowed(method, std::string(coll->name) +
                                                      " (change them with a PUT of the whole " +
                                                      std::string(type->segment) + ")"));
  if (iequals(type->segment, "loadBalancers") &&
      existing->body.value("sku", json::object()).value("name", "Basic") == "Basic" &&
      iequals(coll->name, "backendAddressPools"))
    return error(errors::badRequest("OperationNotSupportedForBasicSkuLoadBalancer",
                                    "Backend address pools of Basic sku load balancer " + id.str() +
                                        " can only be changed with a PUT of the whole load balancer."));
  if (auto pre = checkPreconditions(existing)) return *pre;
  // Child PUT/DELETE = the parent rewritten with that child replaced or removed.
  json whole = existing->body;
  whole.erase("etag");
  json& arr = whole["properties"][coll->name];
  if (!arr.is_array()) arr = json::array();
  json kept = json::array();
  for (const auto& item : arr)
    if (!iequals(item.value("name", ""), childName)) kept.push_back(item);
  if (method == "DELETE" && !child) return emptyResponse(204);
  bool created = !child;
  if (method == "PUT") {
    auto body = parseBody();
    if (!body) return error(body.error());
    json item = *body;
    item["name"] = child ? (*child)["name"] : json(childName);
    kept.push_back(item);
  }
  arr = kept;
  json after;
  std::string opId;
  if (auto w = writeWhole(whole, existing, after, opId); !w) return error(w.error());
  lk.unlock();
  if (method == "DELETE") {
    ApiResponse r = emptyResponse(202);
    lroHeaders(r, after.value("location", ""), opId, true);
    announce({opId, {id.str()}});
    return r;
  }
  json out;
  for (const auto& item : after["properties"][coll->name])
    if (iequals(item.value("name", ""), childName)) out = item;
  ApiResponse r = jsonResponse(created ? 201 : 200, out);
  lroHeaders(r, after.value("location", ""), opId, false);
  announce({opId, {id.str()}});
  return r;
}

}  // namespace azlb::armservice
