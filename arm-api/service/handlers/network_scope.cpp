#include "arm-api/service/handlers/network_scope.h"

#include "arm-api/common/json_access.h"

namespace azlb::armservice::handlers {

using armapi::iequals;
using armapi::newEtag;
using armapi::newGuid;
namespace errors = armapi::errors;

namespace {

constexpr size_t kGroupSeg = 3, kTypeSeg = 6, kNameSeg = 7, kCollectionSeg = 8;

/// A wrongly typed envelope field is the client's error (400), not a json exception (500).
ArmResult<std::string> checkEnvelope(const NetworkScope& scope, const json& request,
                                     const Resource* current) {
  if (auto k = armapi::checkKinds(request, "",
                                  {{"location", armapi::JsonKind::String},
                                   {"sku", armapi::JsonKind::Object},
                                   {"properties", armapi::JsonKind::Object}});
      !k)
    return armapi::armFail(k.error());
  std::string loc = normalizeLocation(armapi::stringOr(request, "location", ""));
  if (!current && loc.empty()) return armapi::armFail(errors::locationRequired());
  if (current) {
    std::string old = current->body.value("location", "");
    if (!loc.empty() && loc != old)
      return armapi::armFail(
          errors::invalidResourceLocation(scope.id.name(), old, scope.group, loc));
    loc = old;
  }
  if (request.contains("tags") && !request["tags"].is_null()) {
    if (!request["tags"].is_object())
      return armapi::armFail(errors::invalidJsonTokenType("Property 'tags' must be an object."));
    for (const auto& [k, v] : request["tags"].items())
      if (!v.is_string()) return armapi::armFail(errors::invalidTagValue(k));
  }
  return loc;
}

}  // namespace

ArmResult<NetworkScope> resolveScope(const Service::Impl& impl, const RouteCall& call,
                                     Depth depth) {
  NetworkScope s;
  s.apiVersion = apiVersionOf(call.req);
  s.group = call.seg[kGroupSeg];
  s.groupKey = armapi::resourceGroupKey(impl.cfg.subscriptionId, s.group);
  s.groupRes = impl.state.find(s.groupKey);
  if (!s.groupRes) return armapi::armFail(errors::resourceGroupNotFound(s.group));
  if (depth == Depth::Group) return s;
  s.type = network::findType(call.seg[kTypeSeg]);
  if (!s.type)
    return armapi::armFail(errors::invalidResourceType(
        std::string(kNetworkNs) + "/" + call.seg[kTypeSeg], apiVersionOf(call.req)));
  s.typeName = std::string(kNetworkNs) + "/" + s.type->segment;
  if (depth == Depth::Type) return s;
  s.id.subscription = impl.cfg.subscriptionId;
  s.id.resourceGroup = s.groupRes->body.value("name", s.group);
  s.id.providerNamespace = kNetworkNs;
  s.id.segments.emplace_back(s.type->segment, call.seg[kNameSeg]);
  s.key = s.id.key();
  s.existing = impl.state.find(s.key);
  if (depth == Depth::Existing && !s.existing)
    return armapi::armFail(errors::resourceNotFound(s.typeName, call.seg[kNameSeg], s.group));
  return s;
}

ArmResult<const network::ChildCollection*> resolveCollection(const NetworkScope& scope,
                                                             const RouteCall& call) {
  const std::string& name = call.seg[kCollectionSeg];
  if (const network::ChildCollection* coll = network::findChild(*scope.type, name)) return coll;
  if (iequals(scope.type->segment, "loadBalancers") && iequals(name, "inboundNatPools"))
    return armapi::armFail(errors::methodNotAllowed(
        call.method(),
        "inboundNatPools (they are changed and read only through the load balancer itself)"));
  return armapi::armFail(
      errors::invalidResourceType(scope.typeName + "/" + name, apiVersionOf(call.req)));
}

std::optional<ArmError> checkPreconditions(const ApiRequest& req, const Resource* current) {
  std::string ifMatch = req.header("if-match"), ifNone = req.header("if-none-match");
  std::string etag = current ? current->body.value("etag", "") : "";
  auto same = [&](const std::string& v) {
    auto strip = [](std::string x) { return x.rfind("W/", 0) == 0 ? x.substr(2) : x; };
    return strip(v) == strip(etag);
  };
  if (!ifMatch.empty() && (!current || (ifMatch != "*" && !same(ifMatch))))
    return errors::preconditionFailed(
        "The condition specified using HTTP conditional header(s) is not "
        "met: If-Match '" +
        ifMatch + "' does not match the current etag '" + etag + "'.");
  if (!ifNone.empty() && current && (ifNone == "*" || same(ifNone)))
    return errors::preconditionFailed(
        "The condition specified using HTTP conditional header(s) is not "
        "met: the resource exists and If-None-Match is '" +
        ifNone + "'.");
  return std::nullopt;
}

ArmResult<json> parseObjectBody(const ApiRequest& req) {
  json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (body.is_discarded())
    return armapi::armFail(errors::invalidJson("The request body is not valid JSON."));
  if (!body.is_object())
    return armapi::armFail(errors::invalidJsonTokenType("The request body must be a JSON object."));
  return body;
}

ArmResult<WriteResult> writeWhole(Service::Impl& impl, const NetworkScope& scope,
                                  const json& request) {
  const Resource* current = scope.existing;
  Txn tx(impl.state);
  network::Ctx ctx{tx, impl.cfg, scope.apiVersion};
  auto loc = checkEnvelope(scope, request, current);
  if (!loc) return armapi::armFail(loc.error());
  auto normalized = scope.type->normalize(ctx, scope.id, request, current);
  if (!normalized) return armapi::armFail(normalized.error());
  json body = request;
  for (const char* ro : {"id", "name", "type", "etag", "location", "tags"}) body.erase(ro);
  for (auto& [k, v] : normalized->items()) body[k] = v;
  body["id"] = scope.id.str();
  body["name"] = scope.id.name();
  body["type"] = scope.typeName;
  body["location"] = *loc;
  if (request.contains("tags") && request["tags"].is_object()) body["tags"] = request["tags"];
  body["etag"] = newEtag();
  std::string guid =
      current ? current->body["properties"].value("resourceGuid", newGuid()) : newGuid();
  body["properties"]["resourceGuid"] = guid;
  body["properties"]["provisioningState"] = "Updating";
  tx.put(scope.key, Resource{scope.id.str(), scope.typeName, body});
  std::vector<std::string> ids{scope.id.str()};
  for (const auto& [k, w] : tx.writes())
    if (k != scope.key && w) ids.push_back(w->id);
  json op = impl.newOperation("network", ids, *loc);
  WriteResult out;
  out.operationId = op["id"];
  if (auto c = impl.commit(tx, {op}); !c) return armapi::armFail(c.error());
  Txn after(impl.state);
  out.rendered = scope.type->render(after, *impl.state.find(scope.key));
  return out;
}

ApiResponse commitDeletion(Service::Impl& impl, RouteCall& call, Txn& tx,
                           const Resource& existing) {
  const std::string loc = existing.body.value("location", ""), rid = existing.id;
  json op = impl.newOperation("network", {rid}, loc);
  const std::string opId = op["id"];
  if (auto c = impl.commit(tx, {op}); !c) return impl.error(c.error());
  call.unlock();
  ApiResponse r = emptyResponse(202);
  addLroHeaders(impl, call.req, r, loc, opId, true);
  impl.announce({opId, {rid}});
  return r;
}

void addLroHeaders(Service::Impl& impl, const ApiRequest& req, ApiResponse& r,
                   const std::string& location, const std::string& opId, bool isDelete) {
  r.headers.emplace_back("Azure-AsyncOperation", impl.asyncOperationUrl(req, location, opId));
  if (isDelete) {
    r.headers.emplace_back("Location", impl.operationResultUrl(req, location, opId));
    r.headers.emplace_back("Azure-AsyncNotification", "Enabled");
  }
  r.headers.emplace_back("Retry-After", "1");
}

}  // namespace azlb::armservice::handlers
