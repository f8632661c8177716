// Microsoft.Resources/deployments: validation at PUT (InvalidTemplate), then the resources are
// applied in dependsOn order on the service's worker thread, each through the same PUT path a
// client uses, and the deployment ends Succeeded with outputs or Failed with the first error.
#include <chrono>
#include <memory>

#include "arm-api/common/jsonc.h"
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

ApiResponse respond(int status, json body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ArmError deploymentFailed(const ArmError& inner) {
  ArmError e = errors::badRequest("DeploymentFailed",
                                  "At least one resource deployment operation failed. Please list "
                                  "deployment operations for details. Please see "
                                  "https://aka.ms/arm-deployment-operations for usage details.");
  e.details.push_back(inner);
  return e;
}

ArmError fromJson(const json& err, int status) {
  ArmError e{status, err.value("code", "Unknown"), err.value("message", ""), err.value("target", ""), {}};
  for (const auto& d : err.value("details", json::array())) e.details.push_back(fromJson(d, status));
  return e;
}

std::string opIdFromUrl(const std::string& url) {
  auto q = url.find('?');
  std::string path = url.substr(0, q);
  return path.substr(path.rfind('/') + 1);
}

}  // namespace

void Service::Impl::runDeploymentJob(std::function<void()> job) {
  {
    std::lock_guard lk(jobMu);
    jobs.push_back(std::move(job));
  }
  jobCv.notify_one();
}

void Service::Impl::failInterruptedDeployments() {
  Txn tx(state);
  std::vector<json> changedOps;
  for (const auto& [key, r] : state.all()) {
    if (!iequals(r.type, "Microsoft.Resources/deployments")) continue;
    std::string ps = r.body["properties"].value("provisioningState", "");
    if (ps != "Accepted" && ps != "Running") continue;
    Resource updated = r;
    ArmError e = errors::conflict("DeploymentInterrupted",
                                  "azlb restarted while this deployment was running; run it again.");
    updated.body["properties"]["provisioningState"] = "Failed";
    updated.body["properties"]["error"] = e.innerJson();
    tx.put(key, updated);
  }
  for (auto& [id, op] : ops)
    if (op.value("kind", "") == "deployment" && op.value("status", "") == "InProgress") {
      json o = op;
      o["status"] = "Failed";
      o["endTime"] = nowTimestamp();
      o["error"] = errors::conflict("DeploymentInterrupted", "azlb restarted while this deployment was running.").innerJson();
      changedOps.push_back(o);
    }
  if (!tx.empty() || !changedOps.empty()) (void)commit(tx, changedOps);
}

ApiResponse Service::Impl::deployments(const ApiRequest& req, const std::string& group,
                                       const std::vector<std::string>& rest) {
  // rest: ["deployments", name?, "validate" | "operationStatuses", op | "operations"]
  const std::string& method = req.method;
  if (rest.empty() || !iequals(rest[0], "deployments"))
    return error(errors::invalidResourceType("Microsoft.Resources/" + (rest.empty() ? std::string() : rest[0]),
                                             apiVersionOf(req)));
  const std::string groupKey = armapi::resourceGroupKey(cfg.subscriptionId, group);
  const std::string prefix = groupKey + "/providers/microsoft.resources/deployments/";
  if (rest.size() == 1) {
    if (method != "GET") return error(errors::methodNotAllowed(method, "deployments"));
    std::lock_guard lk(mu);
    json value = json::array();
    Txn view(state);
    view.forEachWithPrefix(prefix, [&](const std::string&, const Resource& r) { value.push_back(r.body); });
    return respond(200, {{"value", value}});
  }
  const std::string name = rest[1];
  std::string groupName;
  {
    std::lock_guard lk(mu);
    const Resource* g = state.find(groupKey);
    if (!g) return error(errors::resourceGroupNotFound(group));
    groupName = g->body.value("name", group);
  }
  const std::string depId = armapi::resourceGroupId(cfg.subscriptionId, groupName) +
                            "/providers/Microsoft.Resources/deployments/" + name;
  const std::string depKey = toLower(depId);

  if (rest.size() == 4 && iequals(rest[2], "operationStatuses")) {
    std::lock_guard lk(mu);
    auto it = ops.find(rest[3]);
    if (it == ops.end())
      return error(ArmError{404, "OperationNotFound", "Operation " + rest[3] + " was not found.", {}, {}});
    json body = presentOperation(it->second, true);
    ApiResponse r = respond(200, body);
    if (body["status"] == "Running") r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (rest.size() == 3 && iequals(rest[2], "operations")) {
    std::lock_guard lk(mu);
    const Resource* dep = state.find(depKey);
    if (!dep) return error(ArmError{404, "DeploymentNotFound", "Deployment '" + name + "' could not be found.", {}, {}});
    return respond(200, {{"value", dep->body.value("operations", json::array())}});
  }
  bool validateOnly = rest.size() == 3 && iequals(rest[2], "validate");
  if (rest.size() != 2 && !validateOnly)
    return error(ArmError{404, "NotFound", "No route for '" + req.path + "'.", {}, {}});

  if (!validateOnly && (method == "GET" || method == "HEAD")) {
    std::lock_guard lk(mu);
    const Resource* dep = state.find(depKey);
    if (!dep) {
      if (method == "HEAD") return emptyResponse(404);
      return error(ArmError{404, "DeploymentNotFound",
                            "Deployment '" + name + "' could not be found.", {}, {}});
    }
    if (method == "HEAD") return emptyResponse(204);
    json body = dep->body;
    body.erase("operations");
    return respond(200, body);
  }
  if (!validateOnly && method == "DELETE") {
    std::lock_guard lk(mu);
    const Resource* dep = state.find(depKey);
    if (!dep) return emptyResponse(204);
    std::string ps = dep->body["properties"].value("provisioningState", "");
    if (ps == "Accepted" || ps == "Running")
      return error(errors::conflict("DeploymentActive", "Deployment '" + name + "' is still running."));
    Txn tx(state);
    tx.erase(depKey);
    if (auto c = commit(tx, {}); !c) return error(c.error());
    return emptyResponse(200);
  }
  if (!((validateOnly && method == "POST") || (!validateOnly && method == "PUT")))
    return error(errors::methodNotAllowed(method, "deployments"));

  // Relaxed like ARM's own reader: `az deployment group create` sends `template:{...}` unquoted,
  // with the template file's comments (see arm-api/common/jsonc.h).
  json body = armapi::parseRelaxedJson(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
  if (body.is_discarded() || !body.is_object())
    return error(errors::invalidRequestFormat("InvalidJson", "The request body is not a JSON object."));
  json props = body.value("properties", json::object());
  if (!props.is_object()) return error(errors::invalidRequestFormat("InvalidJsonTokenType", "'properties' must be an object."));
  if (props.contains("templateLink") || props.contains("parametersLink"))
    return error(errors::badRequest("InvalidTemplate",
                                    "azlb has no network access: templateLink and parametersLink are not "
                                    "supported; send the template inline in properties.template."));
  if (!props.contains("template") || !props["template"].is_object())
    return error(errors::badRequest("InvalidTemplate", "The deployment has no inline template in properties.template."));
  std::string mode = props.value("mode", "Incremental");
  if (!iequals(mode, "Incremental"))
    return error(errors::badRequest("InvalidDeploymentMode",
                                    "Deployment mode '" + mode + "' is not supported by azlb; use Incremental."));

  std::string location;
  {
    std::lock_guard lk(mu);
    location = state.find(groupKey)->body.value("location", "");
  }
  armtemplate::Context ctx;
  ctx.subscriptionId = cfg.subscriptionId;
  ctx.tenantId = cfg.tenantId;
  ctx.resourceGroupName = groupName;
  ctx.resourceGroupLocation = location;
  ctx.deploymentName = name;
  ctx.subscriptionDisplayName = cfg.subscriptionName;
  ctx.reference = [this](const std::string& rid, bool full) -> Result<json, armtemplate::TemplateError> {
    std::lock_guard lk(mu);
    auto parsed = ResourceId::parse(rid);
    Txn view(state);
    const Resource* r = parsed ? state.find(parsed->key()) : nullptr;
    if (!r || !parsed)
      return unexpected(armtemplate::TemplateError{"ResourceNotFound", "The Resource '" + rid + "' was not found."});
    json rendered = network::renderResource(view, *r);
    if (parsed->segments.size() > 1) {
      // A child such as a subnet: read it out of its rendered parent.
      auto top = *parsed;
      while (top.segments.size() > 1) top = top.parent();
      const Resource* parent = state.find(top.key());
      json pr = parent ? network::renderResource(view, *parent) : json::object();
      for (const auto& item : pr["properties"].value(parsed->segments[1].first, json::array()))
        if (iequals(item.value("name", ""), parsed->name())) rendered = item;
    }
    return full ? rendered : rendered.value("properties", json::object());
  };
  auto created = armtemplate::Deployment::create(props["template"], props.value("parameters", json::object()), ctx);
  if (!created) {
    ArmError e = errors::badRequest(created.error().code, created.error().message);
    return error(e);
  }

  json paramsEcho = json::object();
  json declared = props["template"].value("parameters", json::object());
  // A named copy: items() of the temporary that value() returns would dangle in the loop (C++20).
  const json sentParams = props.value("parameters", json::object());
  for (auto& [k, v] : sentParams.items()) {
    std::string t = declared.contains(k) ? declared[k].value("type", "String") : "String";
    if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
    paramsEcho[k] = {{"type", t}, {"value", v.is_object() ? v.value("value", json()) : v}};
  }
  json depBody = {{"id", depId}, {"name", name}, {"type", "Microsoft.Resources/deployments"},
                  {"properties",
                   {{"templateHash", std::to_string(std::hash<std::string>{}(props["template"].dump()))},
                    {"parameters", paramsEcho}, {"mode", "Incremental"},
                    {"provisioningState", validateOnly ? "Succeeded" : "Accepted"},
                    {"timestamp", nowTimestamp()}, {"duration", "PT0S"}, {"correlationId", newGuid()},
                    {"providers", json::array()}, {"dependencies", json::array()},
                    {"validatedResources", json::array()}}}};
  if (validateOnly) {
    for (const auto& rid : created->resourceIds()) depBody["properties"]["validatedResources"].push_back({{"id", rid}});
    return respond(200, depBody);
  }
  depBody["properties"].erase("validatedResources");

  json op = newOperation("deployment", {depId}, location);
  const std::string opId = op["id"];
  {
    std::lock_guard lk(mu);
    if (const Resource* old = state.find(depKey)) {
      std::string ps = old->body["properties"].value("provisioningState", "");
      if (ps == "Accepted" || ps == "Running")
        return error(errors::conflict("DeploymentActive",
                                      "Unable to edit or replace deployment '" + name +
                                          "': previous deployment from '" +
                                          old->body["properties"].value("timestamp", "") +
                                          "' is still active. Please see https://aka.ms/arm-deploy for usage details."));
    }
    Txn tx(state);
    tx.put(depKey, Resource{depId, "Microsoft.Resources/deployments", depBody});
    if (auto c = commit(tx, {op}); !c) return error(c.error());
  }

  auto shared = std::make_shared<armtemplate::Deployment>(std::move(created.value()));
  const std::string baseUrl = req.baseUrl;
  runDeploymentJob([this, shared, depKey, opId, baseUrl] {
    auto started = std::chrono::steady_clock::now();
    auto update = [&](const std::function<void(json&)>& fn) {
      std::lock_guard lk(mu);
      const Resource* r = state.find(depKey);
      if (!r) return;
      Resource u = *r;
      fn(u.body);
      Txn tx(state);
      tx.put(depKey, u);
      (void)commit(tx, {});
    };
    update([](json& b) { b["properties"]["provisioningState"] = "Running"; });
    json outputResources = json::array(), operations = json::array();
    std::optional<ArmError> failure;
    for (size_t i = 0; i < shared->resourceCount() && !failure; ++i) {
      auto planned = shared->evaluateResource(i);
      if (!planned) {
        failure = errors::badRequest(planned.error().code, planned.error().message);
        break;
      }
      json res = planned->resource;
      std::string apiVersion = res.value("apiVersion", "2022-05-01");
      for (const char* k : {"type", "name", "apiVersion", "dependsOn", "copy", "condition", "comments", "scope", "resources"})
        res.erase(k);
      ApiRequest put;
      put.method = "PUT";
      put.path = planned->id;
      put.query["api-version"] = apiVersion;
      put.headers["authorization"] = "Bearer azlb-internal-deployment";
      put.body = res.dump();
      put.baseUrl = baseUrl;
      ApiResponse resp = self->handle(put);
      json record = {{"id", planned->id}, {"operationId", newGuid()},
                      {"properties", {{"provisioningOperation", "Create"}, {"timestamp", nowTimestamp()},
                                      {"statusCode", resp.status < 300 ? "OK" : "BadRequest"},
                                      {"targetResource", {{"id", planned->id}, {"resourceType", planned->type},
                                                          {"resourceName", planned->name}}}}}};
      if (resp.status >= 300) {
        ArmError inner = resp.body && resp.body->contains("error")
                             ? fromJson((*resp.body)["error"], resp.status)
                             : errors::internal("Deploying " + planned->id + " failed with HTTP " + std::to_string(resp.status));
        record["properties"]["provisioningState"] = "Failed";
        record["properties"]["statusMessage"] = {{"error", inner.innerJson()}};
        operations.push_back(record);
        failure = inner;
        break;
      }
      std::string resOp;
      for (const auto& [h, v] : resp.headers)
        if (iequals(h, "Azure-AsyncOperation")) resOp = opIdFromUrl(v);
      if (!resOp.empty()) {
        std::string st = self->waitOperation(resOp, std::chrono::seconds(120));
        if (st != "Succeeded") {
          json err;
          {
            std::lock_guard lk(mu);
            auto it = ops.find(resOp);
            if (it != ops.end()) err = it->second.value("error", json::object());
          }
          failure = err.is_object() && err.contains("code")
                        ? fromJson(err, 400)
                        : errors::internal("Resource " + planned->id + " did not finish provisioning (" + st + ").");
          record["properties"]["provisioningState"] = "Failed";
          operations.push_back(record);
          break;
        }
      }
      record["properties"]["provisioningState"] = "Succeeded";
      operations.push_back(record);
      outputResources.push_back({{"id", planned->id}});
    }
    json outputs;
    if (!failure) {
      auto out = shared->evaluateOutputs();
      if (!out)
        failure = errors::badRequest(out.error().code, out.error().message);
      else
        outputs = *out;
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    update([&](json& b) {
      auto& p = b["properties"];
      p["provisioningState"] = failure ? "Failed" : "Succeeded";
      p["duration"] = "PT" + std::to_string(secs) + "S";
      p["outputResources"] = outputResources;
      if (failure)
        p["error"] = deploymentFailed(*failure).innerJson();
      else
        p["outputs"] = outputs;
      b["operations"] = operations;
    });
    setOperationStatus(opId, failure ? "Failed" : "Succeeded",
                       failure ? std::optional<ArmError>(deploymentFailed(*failure)) : std::nullopt);
  });

  ApiResponse r = respond(201, depBody);
  r.headers.emplace_back("Azure-AsyncOperation", baseUrl + "/subscriptions/" + cfg.subscriptionId +
                                                     "/resourcegroups/" + groupName +
                                                     "/providers/Microsoft.Resources/deployments/" + name +
                                                     "/operationStatuses/" + opId + "?api-version=" +
                                                     apiVersionOf(req));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace azlb::armservice
