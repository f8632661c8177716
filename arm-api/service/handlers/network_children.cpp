// The parts of a Microsoft.Network resource below it: its child collections (list, GET, and PUT
// or DELETE of one child, which rewrites the parent), the related lists (a load balancer's NICs,
// a NIC's load balancers) and the POST actions (queryInboundNatRulePortMapping, rule health).
#include <optional>
#include <set>

#include "arm-api/common/json_access.h"
#include "arm-api/service/handlers/handlers.h"
#include "arm-api/service/handlers/network_scope.h"

namespace azlb::armservice::handlers {

using armapi::iequals;
namespace errors = armapi::errors;

namespace {

/// A scope down to an existing resource and one of its child collections.
struct ChildScope {
  NetworkScope scope;
  const network::ChildCollection* coll = nullptr;
  std::optional<json> child;  // the named child as the parent's GET body shows it
  std::string childName;
  std::string childId;
};

ArmResult<ChildScope> resolveChild(Service::Impl& impl, const RouteCall& call) {
  ChildScope c;
  auto scope = resolveScope(impl, call, Depth::Existing);
  if (!scope) return armapi::armFail(scope.error());
  c.scope = std::move(*scope);
  auto coll = resolveCollection(c.scope, call);
  if (!coll) return armapi::armFail(coll.error());
  c.coll = *coll;
  Txn view(impl.state);
  json rendered = c.scope.type->render(view, *c.scope.existing);
  c.childName = call.param("child");
  c.childId = c.scope.id.str() + "/" + c.coll->name + "/" + c.childName;
  const json& props = rendered["properties"];
  if (props.contains(c.coll->name))
    for (const auto& item : props[c.coll->name])
      if (iequals(item.value("name", ""), c.childName)) c.child = item;
  return c;
}

bool isLoadBalancer(const NetworkScope& s) {
  return iequals(s.type->segment, "loadBalancers");
}

/// GET .../loadBalancers/{lb}/networkInterfaces: the NICs whose ipConfigurations are in its pools.
json loadBalancerNics(const Service::Impl& impl, json rendered) {
  Txn view(impl.state);
  std::set<std::string> nicKeys;
  for (const auto& pool : rendered["properties"]["backendAddressPools"])
    for (const auto& c : pool["properties"].value("backendIPConfigurations", json::array()))
      nicKeys.insert(ResourceId::parse(c.value("id", ""))->parent().key());
  json value = json::array();
  for (const auto& k : nicKeys)
    if (const Resource* nic = impl.state.find(k))
      value.push_back(network::renderResource(view, *nic));
  return value;
}

/// GET .../networkInterfaces/{nic}/loadBalancers: the LBs its pools and NAT rules belong to.
json nicLoadBalancers(const Service::Impl& impl, const Resource& nic) {
  Txn view(impl.state);
  std::set<std::string> lbKeys;
  for (const auto& c : nic.body["properties"]["ipConfigurations"])
    for (const char* f : {"loadBalancerBackendAddressPools", "loadBalancerInboundNatRules"})
      for (const auto& ref : c["properties"].value(f, json::array()))
        lbKeys.insert(ResourceId::parse(ref.value("id", ""))->parent().key());
  json value = json::array();
  for (const auto& k : lbKeys)
    if (const Resource* lb = impl.state.find(k))
      value.push_back(network::renderResource(view, *lb));
  return value;
}

/// A POST action Azure runs as a long-running operation: 202 + Location (and
/// Azure-AsyncOperation); the operation's result is `result`, kept in memory only (a moment's
/// answer).
ApiResponse acceptedAction(Service::Impl& impl, RouteCall& call, const std::string& kind,
                           const std::string& id, const std::string& location, json result) {
  json op = impl.newOperation(kind, {id}, location);
  op["status"] = "Succeeded";
  op["endTime"] = op["startTime"];
  op["result"] = std::move(result);
  const std::string opId = op["id"];
  impl.recordActionResult(std::move(op));
  ApiResponse r = emptyResponse(202);
  r.headers.emplace_back("Location", impl.operationResultUrl(call.req, location, opId));
  r.headers.emplace_back("Azure-AsyncOperation", impl.asyncOperationUrl(call.req, location, opId));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

/// POST .../loadBalancingRules/{rule}/health: Azure answers 202 + Location; the operation's
/// result is the rule's health. The data plane is asked without the lock held.
ApiResponse ruleHealth(Service::Impl& impl, RouteCall& call, const ChildScope& c) {
  if (call.method() != "POST") return impl.error(errors::methodNotAllowed(call.method(), "health"));
  if (!c.child) return impl.error(errors::childNotFound(c.childId));
  const std::string ruleId = c.child->value("id", c.childId);
  if (!c.child->value("properties", json::object()).contains("probe"))
    return impl.error(errors::ruleHealthWithoutProbe(ruleId));
  const std::string location = c.scope.existing->body.value("location", "");
  ChangeListener* listener = impl.listener;
  call.unlock();
  json result = listener ? listener->ruleHealth(ruleId) : json();
  // No data plane (or the rule is not built): no backend is running, so, as Azure answers for
  // stopped VMs, the status holds no backend.
  if (result.is_null())
    result = json{{"up", 0}, {"down", 0}, {"loadBalancerBackendAddresses", json::array()}};
  return acceptedAction(impl, call, "ruleHealth", ruleId, location, std::move(result));
}

}  // namespace

// GET .../{type}/{name}/{collection}: a child collection, or a related list.
ApiResponse listCollection(Service::Impl& impl, RouteCall& call) {
  auto scope = resolveScope(impl, call, Depth::Existing);
  if (!scope) return impl.error(scope.error());
  const std::string& what = call.lower[8];
  if (isLoadBalancer(*scope) && what == "networkinterfaces") {
    if (call.method() != "GET")
      return impl.error(errors::methodNotAllowed(call.method(), "networkInterfaces"));
    Txn view(impl.state);
    return jsonResponse(
        200, {{"value", loadBalancerNics(impl, scope->type->render(view, *scope->existing))}});
  }
  if (iequals(scope->type->segment, "networkInterfaces") &&
      what == "effectivenetworksecuritygroups") {
    if (call.method() != "POST")
      return impl.error(errors::methodNotAllowed(call.method(), "effectiveNetworkSecurityGroups"));
    json result;
    {
      Txn view(impl.state);
      result = network::effectiveNetworkSecurityGroups(view, *scope->existing);
    }
    const std::string id = scope->existing->id,
                      location = scope->existing->body.value("location", "");
    call.unlock();  // recording the operation takes the lock itself
    return acceptedAction(impl, call, "effectiveNetworkSecurityGroups", id, location,
                          std::move(result));
  }
  if (iequals(scope->type->segment, "networkInterfaces") && what == "loadbalancers") {
    if (call.method() != "GET")
      return impl.error(errors::methodNotAllowed(call.method(), "loadBalancers"));
    return jsonResponse(200, {{"value", nicLoadBalancers(impl, *scope->existing)}});
  }
  auto coll = resolveCollection(*scope, call);
  if (!coll) return impl.error(coll.error());
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), (*coll)->name));
  Txn view(impl.state);
  json rendered = scope->type->render(view, *scope->existing);
  const json& props = rendered["properties"];
  return jsonResponse(
      200, {{"value", props.contains((*coll)->name) ? props[(*coll)->name] : json::array()}});
}

ApiResponse getChild(Service::Impl& impl, RouteCall& call) {
  auto c = resolveChild(impl, call);
  if (!c) return impl.error(c.error());
  if (!c->child) return impl.error(errors::childNotFound(c->childId));
  return jsonResponse(200, *c->child);
}

// Child PUT/DELETE = the parent rewritten with that child replaced or removed.
ApiResponse putOrDeleteChild(Service::Impl& impl, RouteCall& call) {
  auto c = resolveChild(impl, call);
  if (!c) return impl.error(c.error());
  const NetworkScope& scope = c->scope;
  const std::string collName = c->coll->name;
  if (!c->coll->putAndDelete)
    return impl.error(errors::methodNotAllowed(call.method(),
                                               collName + " (change them with a PUT of the whole " +
                                                   std::string(scope.type->segment) + ")"));
  if (isLoadBalancer(scope) &&
      scope.existing->body.value("sku", json::object()).value("name", "Basic") == "Basic" &&
      iequals(collName, "backendAddressPools"))
    return impl.error(errors::basicSkuPoolChange(scope.id.str()));
  if (auto pre = checkPreconditions(call.req, scope.existing)) return impl.error(*pre);
  const bool isDelete = call.method() == "DELETE";
  if (isDelete && !c->child) return emptyResponse(204);
  json whole = scope.existing->body;
  whole.erase("etag");
  json& arr = whole["properties"][collName];
  json kept = json::array();
  if (arr.is_array())
    for (const auto& item : arr)
      if (!iequals(item.value("name", ""), c->childName)) kept.push_back(item);
  if (!isDelete) {
    auto body = parseObjectBody(call.req);
    if (!body) return impl.error(body.error());
    json item = *body;
    item["name"] = c->child ? (*c->child)["name"] : json(c->childName);
    kept.push_back(item);
  }
  arr = kept;
  auto written = writeWhole(impl, scope, whole);
  if (!written) return impl.error(written.error());
  call.unlock();
  const std::string location = written->rendered.value("location", "");
  ApiResponse r = emptyResponse(202);
  if (!isDelete) {
    json out;
    for (const auto& item : written->rendered["properties"][collName])
      if (iequals(item.value("name", ""), c->childName)) out = item;
    r = jsonResponse(c->child ? 200 : 201, out);
  }
  addLroHeaders(impl, call.req, r, location, written->operationId, isDelete);
  impl.announce({written->operationId, {scope.id.str()}});
  return r;
}

ApiResponse childMethodNotAllowed(Service::Impl& impl, RouteCall& call) {
  auto c = resolveChild(impl, call);
  if (!c) return impl.error(c.error());
  return impl.error(errors::methodNotAllowed(call.method(), c->coll->name));
}

// POST .../{collection}/{child}/{action}
ApiResponse childAction(Service::Impl& impl, RouteCall& call) {
  auto c = resolveChild(impl, call);
  if (!c) return impl.error(c.error());
  const std::string& action = call.lower[10];
  const bool lb = isLoadBalancer(c->scope);
  if (lb && iequals(c->coll->name, "backendAddressPools") &&
      action == "queryinboundnatruleportmapping") {
    if (call.method() != "POST")
      return impl.error(errors::methodNotAllowed(call.method(), "queryInboundNatRulePortMapping"));
    auto body = parseObjectBody(call.req);
    if (!body) return impl.error(body.error());
    Txn view(impl.state);
    auto result =
        network::queryInboundNatRulePortMapping(view, *c->scope.existing, c->childName, *body);
    if (!result) return impl.error(result.error());
    return jsonResponse(200, *result);
  }
  if (lb && iequals(c->coll->name, "loadBalancingRules") && action == "health")
    return ruleHealth(impl, call, *c);
  return impl.error(errors::noRoute(call.req.path));
}

}  // namespace azlb::armservice::handlers
