// Microsoft.Compute/cloudServices (Cloud Services extended support): lists, GET, PUT and DELETE
// of a service (long-running, completed when the data plane has applied it), its roles and role
// instances (with the guest agent's status), the VIP swap slot of Microsoft.Network, and azlb's
// own summary at /azlb/cloud-services. Type logic: ../cloud_services.h.
#include <regex>

#include "arm-api/service/cloud_services.h"
#include "arm-api/service/handlers/handlers.h"
#include "arm-api/service/handlers/network_scope.h"
#include "arm-api/service/network_util.h"

namespace azlb::armservice::handlers {

using armapi::iequals;
using armapi::toLower;
namespace errors = armapi::errors;

namespace {

constexpr std::size_t kNameSeg = 7;  // .../providers/Microsoft.Compute/cloudServices/{name}

struct CsScope {
  ResourceId id;
  std::string key;
  std::string group;
  const Resource* existing = nullptr;
};

/// The group must exist; `mustExist`: and the service. Caller holds the lock.
ArmResult<CsScope> resolveService(const Service::Impl& impl, const RouteCall& call,
                                  bool mustExist) {
  auto g = resolveScope(impl, call, Depth::Group);
  if (!g) return armapi::armFail(g.error());
  CsScope s;
  s.group = g->group;
  s.id.subscription = impl.cfg.subscriptionId;
  s.id.resourceGroup = g->groupRes->body.value("name", g->group);
  s.id.providerNamespace = "Microsoft.Compute";
  s.id.segments.emplace_back("cloudServices", call.seg[kNameSeg]);
  s.key = s.id.key();
  s.existing = impl.state.find(s.key);
  if (mustExist && !s.existing)
    return armapi::armFail(errors::resourceNotFound(cloudsvc::kType, call.seg[kNameSeg], s.group));
  return s;
}

/// The guest agents' statuses (from the manager; null without a data plane). Never under the lock.
json statuses(const Service::Impl& impl) {
  return impl.listener ? impl.listener->roleInstances() : json(nullptr);
}

std::string queryOf(const RouteCall& call, const char* name) {
  auto it = call.req.query.find(name);
  return it == call.req.query.end() ? std::string() : it->second;
}

bool expandInstanceView(const RouteCall& call) {
  return toLower(queryOf(call, "$expand")).find("instanceview") != std::string::npos;
}

ArmResult<std::string> envelopeLocation(const CsScope& s, const json& request) {
  if (auto k = armapi::checkKinds(
          request, "",
          {{"location", armapi::JsonKind::String}, {"properties", armapi::JsonKind::Object}});
      !k)
    return armapi::armFail(k.error());
  std::string loc = normalizeLocation(armapi::stringOr(request, "location", ""));
  if (!s.existing) {
    if (loc.empty()) return armapi::armFail(errors::locationRequired());
    return loc;
  }
  const std::string old = s.existing->body.value("location", "");
  if (!loc.empty() && loc != old)
    return armapi::armFail(errors::invalidResourceLocation(s.id.name(), old, s.group, loc));
  return old;
}

/// Stores the PUT body as the service (Updating, with an operation); returns the operation id.
ArmResult<std::string> writeService(Service::Impl& impl, const CsScope& s, const json& request) {
  auto loc = envelopeLocation(s, request);
  if (!loc) return armapi::armFail(loc.error());
  Txn tx(impl.state);
  auto normalized = cloudsvc::normalize(tx, s.id, request, s.existing);
  if (!normalized) return armapi::armFail(normalized.error());
  json body = *normalized;
  body["id"] = s.id.str();
  body["name"] = s.id.name();
  body["type"] = cloudsvc::kType;
  body["location"] = *loc;
  if (request.contains("tags") && request["tags"].is_object()) body["tags"] = request["tags"];
  body["etag"] = armapi::newEtag();
  body["properties"]["provisioningState"] = "Updating";
  tx.put(s.key, Resource{s.id.str(), cloudsvc::kType, body});
  json op = impl.newOperation("network", {s.id.str()}, *loc);
  if (auto c = impl.commit(tx, {op}); !c) return armapi::armFail(c.error());
  return op["id"].get<std::string>();
}

json listOf(const Service::Impl& impl, const std::string& prefix) {
  Txn view(impl.state);
  json value = json::array();
  view.forEachOfType(cloudsvc::kTypeLower, [&](const std::string& key, const Resource& r) {
    if (key.rfind(prefix, 0) == 0) value.push_back(cloudsvc::render(r.body));
  });
  return {{"value", value}};
}

}  // namespace

ApiResponse listCloudServicesInSubscription(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "cloudServices"));
  return jsonResponse(200, listOf(impl, ""));
}

ApiResponse listCloudServices(Service::Impl& impl, RouteCall& call) {
  auto g = resolveScope(impl, call, Depth::Group);
  if (!g) return impl.error(g.error());
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "cloudServices"));
  return jsonResponse(200, listOf(impl, g->groupKey + "/"));
}

ApiResponse getCloudService(Service::Impl& impl, RouteCall& call) {
  auto s = resolveService(impl, call, true);
  if (!s) return impl.error(s.error());
  ApiResponse r = jsonResponse(200, cloudsvc::render(s->existing->body));
  r.headers.emplace_back("ETag", s->existing->body.value("etag", ""));
  return r;
}

ApiResponse putCloudService(Service::Impl& impl, RouteCall& call) {
  auto s = resolveService(impl, call, false);
  if (!s) return impl.error(s.error());
  static const std::regex nameRe(
      R"(^[A-Za-z0-9]([A-Za-z0-9-]{0,13}[A-Za-z0-9])?$|^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$)");
  if (!std::regex_match(s->id.name(), nameRe))
    return impl.error(errors::invalidResourceName(s->id.name()));
  if (auto pre = checkPreconditions(call.req, s->existing)) return impl.error(*pre);
  auto body = parseObjectBody(call.req);
  if (!body) return impl.error(body.error());
  const bool created = !s->existing;
  auto opId = writeService(impl, *s, *body);
  if (!opId) return impl.error(opId.error());
  const json stored = impl.state.find(s->key)->body;
  call.unlock();
  ApiResponse r = jsonResponse(created ? 201 : 200, cloudsvc::render(stored));
  addLroHeaders(impl, call.req, r, stored.value("location", ""), *opId, false);
  impl.announce({*opId, {s->id.str()}});
  return r;
}

ApiResponse deleteCloudService(Service::Impl& impl, RouteCall& call) {
  auto s = resolveService(impl, call, false);
  if (!s) return impl.error(s.error());
  if (!s->existing) return emptyResponse(204);
  if (auto pre = checkPreconditions(call.req, s->existing)) return impl.error(*pre);
  Txn tx(impl.state);
  tx.erase(s->key);
  return commitDeletion(impl, call, tx, *s->existing);
}

ApiResponse cloudServiceMethodNotAllowed(Service::Impl& impl, RouteCall& call) {
  return impl.error(errors::methodNotAllowed(call.method(), "cloudServices"));
}

// GET .../cloudServices/{name}/{roles|roleInstances|instanceView}[/{child}[/instanceView]]
ApiResponse cloudServiceChildren(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), call.seg[8]));
  const json st = statuses(impl);
  std::lock_guard lk(impl.mu);
  auto s = resolveService(impl, call, true);
  if (!s) return impl.error(s.error());
  const json& stored = s->existing->body;
  const std::string collection = call.lower[8];
  const std::string child = call.seg.size() > 9 ? call.seg[9] : "";
  const bool view = call.seg.size() > 10;
  if (collection == "instanceview" && call.seg.size() == 9)
    return jsonResponse(200, cloudsvc::serviceInstanceView(stored, st));
  if (collection == "roles" && child.empty()) return jsonResponse(200, cloudsvc::roles(stored));
  if (collection == "roleinstances" && child.empty())
    return jsonResponse(200, cloudsvc::roleInstances(stored, st, expandInstanceView(call)));
  std::optional<json> found;
  if (collection == "roles" && !view) found = cloudsvc::role(stored, child);
  if (collection == "roleinstances")
    found = cloudsvc::roleInstance(stored, child, st, expandInstanceView(call));
  if (!found)
    return impl.error(errors::childNotFound(s->id.str() + "/" + call.seg[8] + "/" + child));
  if (view && call.lower[10] == "instanceview")
    return jsonResponse(200, cloudsvc::instanceView(stored, (*found)["name"], st));
  if (view) return impl.error(errors::noRoute(call.req.path));
  return jsonResponse(200, *found);
}

// .../cloudServices/{name}/providers/Microsoft.Network/cloudServiceSlots[/{slot}]
ApiResponse cloudServiceSlots(Service::Impl& impl, RouteCall& call) {
  auto s = resolveService(impl, call, true);
  if (!s) return impl.error(s.error());
  const bool one = call.seg.size() > 11;
  if (one && !iequals(call.seg[11], "swap"))
    return impl.error(errors::childNotFound(call.req.path));
  if (call.method() == "GET")
    return jsonResponse(200, one ? cloudsvc::slotResource(*s->existing)
                                 : json{{"value", {cloudsvc::slotResource(*s->existing)}}});
  if (call.method() != "PUT" || !one)
    return impl.error(errors::methodNotAllowed(call.method(), "cloudServiceSlots"));
  auto body = parseObjectBody(call.req);
  if (!body) return impl.error(body.error());
  const std::string want = body->value("properties", json::object()).value("slotType", "");
  if (!iequals(want, "Production") && !iequals(want, "Staging"))
    return impl.error(
        errors::invalidParameter("slotType must be Production or Staging.", "properties.slotType"));
  Txn tx(impl.state);
  std::vector<std::string> ids{s->id.str()};
  const std::string current =
      network::propsOf(s->existing->body).value("azlb", json::object()).value("slot", "Production");
  if (!iequals(want, current)) {  // asking for the slot the service is not in: swap
    const std::string partner = cloudsvc::partnerKey(tx, *s->existing);
    if (auto ok = cloudsvc::swap(tx, *s->existing); !ok) return impl.error(ok.error());
    if (const Resource* p = impl.state.find(partner)) ids.push_back(p->id);
  }
  const std::string loc = s->existing->body.value("location", "");
  json op = impl.newOperation("network", ids, loc);
  const std::string opId = op["id"];
  if (auto c = impl.commit(tx, {op}); !c) return impl.error(c.error());
  const json answer = cloudsvc::slotResource(*impl.state.find(s->key));
  call.unlock();
  ApiResponse r = jsonResponse(200, answer);
  addLroHeaders(impl, call.req, r, loc, opId, false);
  impl.announce({opId, ids});
  return r;
}

// GET /azlb/cloud-services[/{name}] (no token: azlb's own view, as /azlb/probes)
ApiResponse cloudServiceSummaries(Service::Impl& impl, RouteCall& call) {
  const json st = statuses(impl);
  const std::string name = call.seg.size() > 2 ? call.seg[2] : "";
  const std::string group = queryOf(call, "resourceGroup");
  std::lock_guard lk(impl.mu);
  Txn view(impl.state);
  json value = json::array();
  view.forEachOfType(cloudsvc::kTypeLower, [&](const std::string&, const Resource& r) {
    auto id = ResourceId::parse(r.id);
    if (!name.empty() && !iequals(r.body.value("name", ""), name)) return;
    if (!group.empty() && (!id || !iequals(id->resourceGroup, group))) return;
    value.push_back(cloudsvc::summary(view, r, st));
  });
  if (name.empty()) return jsonResponse(200, {{"value", value}});
  if (value.empty())
    return impl.error(errors::resourceNotFound(cloudsvc::kType, name, group.empty() ? "*" : group));
  return jsonResponse(200, value.front());
}

}  // namespace azlb::armservice::handlers
