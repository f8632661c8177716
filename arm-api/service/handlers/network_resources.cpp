// Top-level Microsoft.Network resources: lists (per subscription, per group) and GET, PUT,
// PATCH (tags) and DELETE of one resource; plus the errors ARM gives for any other path under a
// resource group. Child collections and actions are in network_children.cpp.
#include <regex>

#include "arm-api/common/json_access.h"
#include "arm-api/service/handlers/handlers.h"
#include "arm-api/service/handlers/network_scope.h"

namespace azlb::armservice::handlers {

using armapi::iequals;
using armapi::newEtag;
using armapi::toLower;
namespace errors = armapi::errors;

// GET /subscriptions/{sub}/providers/{ns}/{type}
ApiResponse listNetworkInSubscription(Service::Impl& impl, RouteCall& call) {
  const std::string& ns = call.param("ns");
  const std::string& typeSeg = call.param("type");
  const std::string apiVersion = apiVersionOf(call.req);
  if (!iequals(ns, kNetworkNs))
    return impl.error(errors::invalidResourceType(ns + "/" + typeSeg, apiVersion));
  const network::TypeInfo* t = network::findType(typeSeg);
  if (!t)
    return impl.error(
        errors::invalidResourceType(std::string(kNetworkNs) + "/" + typeSeg, apiVersion));
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), t->segment));
  Txn view(impl.state);
  json value = json::array();
  view.forEachOfType(
      toLower(std::string(kNetworkNs) + "/" + t->segment),
      [&](const std::string&, const Resource& r) { value.push_back(t->render(view, r)); });
  return jsonResponse(200, {{"value", value}});
}

// GET .../resourceGroups/{group}/providers/Microsoft.Network/{type}
ApiResponse listNetworkInGroup(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Type);
  if (!scope) return impl.error(scope.error());
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), scope->type->segment));
  Txn view(impl.state);
  json value = json::array();
  view.forEachWithPrefix(scope->groupKey + "/", [&](const std::string&, const Resource& r) {
    if (iequals(r.type, scope->typeName)) value.push_back(scope->type->render(view, r));
  });
  return jsonResponse(200, {{"value", value}});
}

ApiResponse getNetworkResource(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Existing);
  if (!scope) return impl.error(scope.error());
  Txn view(impl.state);
  ApiResponse r = jsonResponse(200, scope->type->render(view, *scope->existing));
  r.headers.emplace_back("ETag", scope->existing->body.value("etag", ""));
  return r;
}

ApiResponse putNetworkResource(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Named);
  if (!scope) return impl.error(scope.error());
  static const std::regex nameRe(R"(^[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$)");
  const std::string& name = call.param("name");
  if (!std::regex_match(name, nameRe)) return impl.error(errors::invalidResourceName(name));
  if (auto pre = checkPreconditions(call.req, scope->existing)) return impl.error(*pre);
  auto body = parseObjectBody(call.req);
  if (!body) return impl.error(body.error());
  bool created = !scope->existing;
  auto written = writeWhole(impl, *scope, *body);
  if (!written) return impl.error(written.error());
  call.unlock();
  ApiResponse r = jsonResponse(created ? 201 : 200, written->rendered);
  addLroHeaders(impl, call.req, r, written->rendered.value("location", ""), written->operationId,
                false);
  impl.announce({written->operationId, {scope->id.str()}});
  return r;
}

// PATCH changes tags only (what Azure's NRP accepts on these types).
ApiResponse patchNetworkResource(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Existing);
  if (!scope) return impl.error(scope.error());
  if (auto pre = checkPreconditions(call.req, scope->existing)) return impl.error(*pre);
  auto body = parseObjectBody(call.req);
  if (!body) return impl.error(body.error());
  if (body->contains("tags") && !(*body)["tags"].is_object())
    return impl.error(errors::invalidJsonTokenType("Property 'tags' must be an object."));
  Txn tx(impl.state);
  Resource updated = *scope->existing;
  updated.body["tags"] = body->value("tags", json::object());
  updated.body["etag"] = newEtag();
  tx.put(scope->key, updated);
  if (auto c = impl.commit(tx, {}); !c) return impl.error(c.error());
  Txn after(impl.state);
  return jsonResponse(200, scope->type->render(after, *impl.state.find(scope->key)));
}

ApiResponse deleteNetworkResource(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Named);
  if (!scope) return impl.error(scope.error());
  const Resource* existing = scope->existing;
  if (!existing) return emptyResponse(204);
  if (auto pre = checkPreconditions(call.req, existing)) return impl.error(*pre);
  Txn tx(impl.state);
  tx.erase(scope->key);
  if (auto ok = scope->type->checkDelete(tx, *existing); !ok) return impl.error(ok.error());
  return commitDeletion(impl, call, tx, *existing);
}

ApiResponse networkResourceMethodNotAllowed(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Named);
  if (!scope) return impl.error(scope.error());
  return impl.error(errors::methodNotAllowed(call.method(), scope->type->segment));
}

ApiResponse groupScopeFallback(Service::Impl& impl, RouteCall& call) {
  const auto& l = call.lower;
  auto scope = resolveScope(impl, call, Depth::Group);
  if (!scope) return impl.error(scope.error());
  if (l.size() < 6 || l[4] != "providers") return impl.error(errors::noRoute(call.req.path));
  if (l[5] != "microsoft.network")
    return impl.error(errors::noRegisteredProvider(
        apiVersionOf(call.req), call.seg[5] + (call.seg.size() > 6 ? "/" + call.seg[6] : "")));
  if (l.size() < 7) return impl.error(errors::noRoute(call.req.path));
  // Deeper than any network route: ARM still names what is missing first.
  scope = resolveScope(impl, call, l.size() < 8 ? Depth::Type : Depth::Existing);
  if (!scope) return impl.error(scope.error());
  if (l.size() >= 9)
    if (auto coll = resolveCollection(*scope, call); !coll) return impl.error(coll.error());
  return impl.error(errors::noRoute(call.req.path));
}

}  // namespace azlb::armservice::handlers
