// Microsoft.Resources/deployments: validation at PUT (InvalidTemplate), then the resources are
// applied in dependsOn order on the service's worker thread, each through the same PUT path a
// client uses, and the deployment ends Succeeded with outputs or Failed with the first error.
// Route handlers first (list, GET/HEAD, DELETE, PUT, validate, operations), then the job.
#include <chrono>
#include <memory>

#include "arm-api/common/jsonc.h"
#include "arm-api/service/handlers/handlers.h"
#include "arm-api/service/impl.h"
#include "arm-api/service/network.h"
#include "arm-api/template/template_engine.h"

namespace azlb::armservice {

using armapi::iequals;
using armapi::newGuid;
using armapi::nowTimestamp;
using armapi::toLower;
namespace errors = armapi::errors;

namespace {

constexpr const char* kDeploymentType = "Microsoft.Resources/deployments";

/// The group and deployment a request under .../providers/Microsoft.Resources/deployments names.
struct DeploymentTarget {
  std::string group;     // as the group was created
  std::string location;  // the group's
  std::string groupKey;
  std::string name;  // "" for the collection
  std::string id;
  std::string key;
};

/// Caller holds the lock. ResourceGroupNotFound when the group does not exist.
ArmResult<DeploymentTarget> resolveTarget(const Service::Impl& impl, const RouteCall& call) {
  DeploymentTarget t;
  const std::string& group = call.seg[3];
  t.groupKey = armapi::resourceGroupKey(impl.cfg.subscriptionId, group);
  const Resource* g = impl.state.find(t.groupKey);
  if (!g) return armapi::armFail(errors::resourceGroupNotFound(group));
  t.group = g->body.value("name", group);
  t.location = g->body.value("location", "");
  t.name = call.param("name");
  t.id = armapi::resourceGroupId(impl.cfg.subscriptionId, t.group) +
         "/providers/Microsoft.Resources/deployments/" + t.name;
  t.key = toLower(t.id);
  return t;
}

ArmResult<DeploymentTarget> resolveTargetLocked(Service::Impl& impl, const RouteCall& call) {
  std::lock_guard lk(impl.mu);
  return resolveTarget(impl, call);
}

bool isRunning(const Resource& dep) {
  std::string ps = dep.body["properties"].value("provisioningState", "");
  return ps == "Accepted" || ps == "Running";
}

std::string opIdFromUrl(const std::string& url) {
  auto q = url.find('?');
  std::string path = url.substr(0, q);
  return path.substr(path.rfind('/') + 1);
}

/// properties of a PUT/validate body: inline template, Incremental mode. Relaxed like ARM's own
/// reader: `az deployment group create` sends `template:{...}` unquoted, with the template
/// file's comments (see arm-api/common/jsonc.h).
ArmResult<json> deploymentProperties(const std::string& rawBody) {
  json body = armapi::parseRelaxedJson(rawBody.empty() ? std::string_view("{}")
                                                       : std::string_view(rawBody));
  if (body.is_discarded() || !body.is_object())
    return armapi::armFail(errors::invalidJson("The request body is not a JSON object."));
  json props = body.value("properties", json::object());
  if (!props.is_object())
    return armapi::armFail(errors::invalidJsonTokenType("'properties' must be an object."));
  if (props.contains("templateLink") || props.contains("parametersLink"))
    return armapi::armFail(errors::invalidTemplate(
        "azlb has no network access: templateLink and parametersLink are not "
        "supported; send the template inline in properties.template."));
  if (!props.contains("template") || !props["template"].is_object())
    return armapi::armFail(
        errors::invalidTemplate("The deployment has no inline template in properties.template."));
  std::string mode = props.value("mode", "Incremental");
  if (!iequals(mode, "Incremental")) return armapi::armFail(errors::invalidDeploymentMode(mode));
  return props;
}

/// reference() for templates: a resource's GET body (or its properties), a child read out of its
/// rendered parent. Takes the lock.
Result<json, armtemplate::TemplateError> referenceResource(Service::Impl& impl,
                                                           const std::string& rid, bool full) {
  std::lock_guard lk(impl.mu);
  auto parsed = ResourceId::parse(rid);
  Txn view(impl.state);
  const Resource* r = parsed ? impl.state.find(parsed->key()) : nullptr;
  if (!r || !parsed)
    return unexpected(armtemplate::TemplateError{"ResourceNotFound",
                                                 "The Resource '" + rid + "' was not found."});
  json rendered = network::renderResource(view, *r);
  if (parsed->segments.size() > 1) {
    auto top = *parsed;
    while (top.segments.size() > 1) top = top.parent();
    const Resource* parent = impl.state.find(top.key());
    json pr = parent ? network::renderResource(view, *parent) : json::object();
    for (const auto& item : pr["properties"].value(parsed->segments[1].first, json::array()))
      if (iequals(item.value("name", ""), parsed->name())) rendered = item;
  }
  return full ? rendered : rendered.value("properties", json::object());
}

ArmResult<armtemplate::Deployment> compileTemplate(Service::Impl& impl, const DeploymentTarget& t,
                                                   const json& props) {
  armtemplate::Context ctx;
  ctx.subscriptionId = impl.cfg.subscriptionId;
  ctx.tenantId = impl.cfg.tenantId;
  ctx.resourceGroupName = t.group;
  ctx.resourceGroupLocation = t.location;
  ctx.deploymentName = t.name;
  ctx.subscriptionDisplayName = impl.cfg.subscriptionName;
  ctx.reference = [&impl](const std::string& rid, bool full) {
    return referenceResource(impl, rid, full);
  };
  auto created = armtemplate::Deployment::create(props["template"],
                                                 props.value("parameters", json::object()), ctx);
  if (!created)
    return armapi::armFail(errors::templateError(created.error().code, created.error().message));
  return std::move(created.value());
}

/// The deployment's body as PUT and validate answer it (parameters echoed with their types).
json deploymentBody(const DeploymentTarget& t, const json& props, bool validateOnly) {
  json paramsEcho = json::object();
  json declared = props["template"].value("parameters", json::object());
  // A named copy: items() of the temporary that value() returns would dangle in the loop (C++20).
  const json sentParams = props.value("parameters", json::object());
  for (auto& [k, v] : sentParams.items()) {
    std::string type = declared.contains(k) ? declared[k].value("type", "String") : "String";
    if (!type.empty())
      type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
    paramsEcho[k] = {{"type", type}, {"value", v.is_object() ? v.value("value", json()) : v}};
  }
  return {{"id", t.id},
          {"name", t.name},
          {"type", kDeploymentType},
          {"properties",
           {{"templateHash", std::to_string(std::hash<std::string>{}(props["template"].dump()))},
            {"parameters", paramsEcho},
            {"mode", "Incremental"},
            {"provisioningState", validateOnly ? "Succeeded" : "Accepted"},
            {"timestamp", nowTimestamp()},
            {"duration", "PT0S"},
            {"correlationId", newGuid()},
            {"providers", json::array()},
            {"dependencies", json::array()},
            {"validatedResources", json::array()}}}};
}

/// Checks the body and compiles the template (unlocked: reference() takes the lock).
ArmResult<std::pair<armtemplate::Deployment, json>> prepareDeployment(Service::Impl& impl,
                                                                      RouteCall& call,
                                                                      const DeploymentTarget& t,
                                                                      bool validateOnly) {
  auto props = deploymentProperties(call.req.body);
  if (!props) return armapi::armFail(props.error());
  auto compiled = compileTemplate(impl, t, *props);
  if (!compiled) return armapi::armFail(compiled.error());
  json body = deploymentBody(t, *props, validateOnly);
  return std::make_pair(std::move(*compiled), std::move(body));
}

}  // namespace

namespace handlers {

ApiResponse listDeployments(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "deployments"));
  json value = json::array();
  Txn view(impl.state);
  view.forEachWithPrefix(t->groupKey + "/providers/microsoft.resources/deployments/",
                         [&](const std::string&, const Resource& r) { value.push_back(r.body); });
  return jsonResponse(200, {{"value", value}});
}

ApiResponse getDeployment(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  const bool head = call.method() == "HEAD";
  const Resource* dep = impl.state.find(t->key);
  if (!dep) return head ? emptyResponse(404) : impl.error(errors::deploymentNotFound(t->name));
  if (head) return emptyResponse(204);
  json body = dep->body;
  body.erase("operations");
  return jsonResponse(200, body);
}

ApiResponse deleteDeployment(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  const Resource* dep = impl.state.find(t->key);
  if (!dep) return emptyResponse(204);
  if (isRunning(*dep)) return impl.error(errors::deploymentRunning(t->name));
  Txn tx(impl.state);
  tx.erase(t->key);
  if (auto c = impl.commit(tx, {}); !c) return impl.error(c.error());
  return emptyResponse(200);
}

ApiResponse validateDeployment(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTargetLocked(impl, call);
  if (!t) return impl.error(t.error());
  auto prepared = prepareDeployment(impl, call, *t, true);
  if (!prepared) return impl.error(prepared.error());
  auto& [deployment, body] = *prepared;
  for (const auto& rid : deployment.resourceIds())
    body["properties"]["validatedResources"].push_back({{"id", rid}});
  return jsonResponse(200, body);
}

ApiResponse putDeployment(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTargetLocked(impl, call);
  if (!t) return impl.error(t.error());
  auto prepared = prepareDeployment(impl, call, *t, false);
  if (!prepared) return impl.error(prepared.error());
  auto& [deployment, body] = *prepared;
  body["properties"].erase("validatedResources");
  json op = impl.newOperation("deployment", {t->id}, t->location);
  const std::string opId = op["id"];
  {
    std::lock_guard lk(impl.mu);
    if (const Resource* old = impl.state.find(t->key); old && isRunning(*old))
      return impl.error(
          errors::deploymentStillActive(t->name, old->body["properties"].value("timestamp", "")));
    Txn tx(impl.state);
    tx.put(t->key, Resource{t->id, kDeploymentType, body});
    if (auto c = impl.commit(tx, {op}); !c) return impl.error(c.error());
  }
  auto shared = std::make_shared<armtemplate::Deployment>(std::move(deployment));
  const std::string baseUrl = call.req.baseUrl, depKey = t->key;
  impl.runDeploymentJob([&impl, shared, depKey, opId, baseUrl] {
    impl.runDeployment(*shared, depKey, opId, baseUrl);
  });
  ApiResponse r = jsonResponse(201, body);
  r.headers.emplace_back(
      "Azure-AsyncOperation",
      baseUrl + "/subscriptions/" + impl.cfg.subscriptionId + "/resourcegroups/" + t->group +
          "/providers/Microsoft.Resources/deployments/" + t->name + "/operationStatuses/" + opId +
          "?api-version=" + apiVersionOf(call.req));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

ApiResponse deploymentMethodNotAllowed(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  return impl.error(errors::methodNotAllowed(call.method(), "deployments"));
}

ApiResponse getDeploymentOperationStatus(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  const std::string& opId = call.param("operation");
  auto it = impl.ops.find(opId);
  if (it == impl.ops.end()) return impl.error(errors::operationNotFound(opId));
  json body = presentOperation(it->second, true);
  ApiResponse r = jsonResponse(200, body);
  if (body["status"] == "Running") r.headers.emplace_back("Retry-After", "1");
  return r;
}

ApiResponse listDeploymentOperations(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  const Resource* dep = impl.state.find(t->key);
  if (!dep) return impl.error(errors::deploymentNotFound(t->name));
  return jsonResponse(200, {{"value", dep->body.value("operations", json::array())}});
}

// Any other path under .../providers/Microsoft.Resources.
ApiResponse deploymentsFallback(Service::Impl& impl, RouteCall& call) {
  auto t = resolveTarget(impl, call);
  if (!t) return impl.error(t.error());
  const auto& rest = call.rest();
  if (rest.empty() || !iequals(rest[0], "deployments"))
    return impl.error(errors::invalidResourceType(
        "Microsoft.Resources/" + (rest.empty() ? std::string() : rest[0]), apiVersionOf(call.req)));
  return impl.error(errors::noRoute(call.req.path));
}

}  // namespace handlers

// --- the job: on the worker thread ----------------------------------------------------------

void Service::Impl::runDeploymentJob(std::function<void()> job) {
  {
    std::lock_guard lk(jobMu);
    jobs.push_back(std::move(job));
  }
  jobCv.notify_one();
}

void Service::Impl::updateDeployment(const std::string& depKey,
                                     const std::function<void(json&)>& fn) {
  std::lock_guard lk(mu);
  const Resource* r = state.find(depKey);
  if (!r) return;
  Resource u = *r;
  fn(u.body);
  Txn tx(state);
  tx.put(depKey, u);
  (void)commit(tx, {});
}

std::optional<ArmError> Service::Impl::deployResource(armtemplate::Deployment& deployment,
                                                      size_t index, const std::string& baseUrl,
                                                      json& operations) {
  auto planned = deployment.evaluateResource(index);
  if (!planned) return errors::templateError(planned.error().code, planned.error().message);
  json res = planned->resource;
  std::string apiVersion = res.value("apiVersion", "2022-05-01");
  for (const char* k : {"type", "name", "apiVersion", "dependsOn", "copy", "condition", "comments",
                        "scope", "resources"})
    res.erase(k);
  ApiRequest put;
  put.method = "PUT";
  put.path = planned->id;
  put.query["api-version"] = apiVersion;
  put.headers["authorization"] = "Bearer azlb-internal-deployment";
  put.body = res.dump();
  put.baseUrl = baseUrl;
  ApiResponse resp = self->handle(put);
  json record = {{"id", planned->id},
                 {"operationId", newGuid()},
                 {"properties",
                  {{"provisioningOperation", "Create"},
                   {"timestamp", nowTimestamp()},
                   {"statusCode", resp.status < 300 ? "OK" : "BadRequest"},
                   {"targetResource",
                    {{"id", planned->id},
                     {"resourceType", planned->type},
                     {"resourceName", planned->name}}}}}};
  std::optional<ArmError> failure;
  if (resp.status >= 300) {
    failure = resp.body && resp.body->contains("error")
                  ? errors::fromInnerJson((*resp.body)["error"], resp.status)
                  : errors::internal("Deploying " + planned->id + " failed with HTTP " +
                                     std::to_string(resp.status));
    record["properties"]["statusMessage"] = {{"error", failure->innerJson()}};
  } else {
    failure = awaitResourceOperation(resp, planned->id);
  }
  record["properties"]["provisioningState"] = failure ? "Failed" : "Succeeded";
  operations.push_back(record);
  return failure;
}

std::optional<ArmError> Service::Impl::awaitResourceOperation(const ApiResponse& resp,
                                                              const std::string& resourceId) {
  std::string resOp;
  for (const auto& [h, v] : resp.headers)
    if (iequals(h, "Azure-AsyncOperation")) resOp = opIdFromUrl(v);
  if (resOp.empty()) return std::nullopt;
  std::string st = self->waitOperation(resOp, std::chrono::seconds(120));
  if (st == "Succeeded") return std::nullopt;
  json err;
  {
    std::lock_guard lk(mu);
    auto it = ops.find(resOp);
    if (it != ops.end()) err = it->second.value("error", json::object());
  }
  return err.is_object() && err.contains("code")
             ? errors::fromInnerJson(err, 400)
             : errors::internal("Resource " + resourceId + " did not finish provisioning (" + st +
                                ").");
}

void Service::Impl::runDeployment(armtemplate::Deployment& deployment, const std::string& depKey,
                                  const std::string& opId, const std::string& baseUrl) {
  auto started = std::chrono::steady_clock::now();
  updateDeployment(depKey, [](json& b) { b["properties"]["provisioningState"] = "Running"; });
  json outputResources = json::array(), operations = json::array();
  std::optional<ArmError> failure;
  for (size_t i = 0; i < deployment.resourceCount() && !failure; ++i) {
    failure = deployResource(deployment, i, baseUrl, operations);
    if (!failure) outputResources.push_back({{"id", operations.back()["id"]}});
  }
  json outputs;
  if (!failure) {
    auto out = deployment.evaluateOutputs();
    if (!out)
      failure = errors::templateError(out.error().code, out.error().message);
    else
      outputs = *out;
  }
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  updateDeployment(depKey, [&](json& b) {
    auto& p = b["properties"];
    p["provisioningState"] = failure ? "Failed" : "Succeeded";
    p["duration"] = "PT" + std::to_string(secs) + "S";
    p["outputResources"] = outputResources;
    if (failure)
      p["error"] = errors::deploymentFailed(*failure).innerJson();
    else
      p["outputs"] = outputs;
    b["operations"] = operations;
  });
  setOperationStatus(
      opId, failure ? "Failed" : "Succeeded",
      failure ? std::optional<ArmError>(errors::deploymentFailed(*failure)) : std::nullopt);
}

void Service::Impl::failInterruptedDeployments() {
  Txn tx(state);
  std::vector<json> changedOps;
  for (const auto& [key, r] : state.all()) {
    if (!iequals(r.type, kDeploymentType) || !isRunning(r)) continue;
    Resource updated = r;
    ArmError e = errors::deploymentInterrupted(
        "azlb restarted while this deployment was running; run it again.");
    updated.body["properties"]["provisioningState"] = "Failed";
    updated.body["properties"]["error"] = e.innerJson();
    tx.put(key, updated);
  }
  for (auto& [id, op] : ops)
    if (op.value("kind", "") == "deployment" && op.value("status", "") == "InProgress") {
      json o = op;
      markTerminal(o, "Failed");
      o["error"] =
          errors::deploymentInterrupted("azlb restarted while this deployment was running.")
              .innerJson();
      changedOps.push_back(o);
    }
  if (!tx.empty() || !changedOps.empty()) (void)commit(tx, changedOps);
}

}  // namespace azlb::armservice
