// Status and results of long-running operations: the Azure-AsyncOperation and Location URLs of
// network PUT/DELETE/POST actions, and the Location of a resource-group DELETE. Deployment
// operation statuses are in deployments.cpp.
#include "arm-api/service/handlers/handlers.h"

namespace azlb::armservice::handlers {

namespace errors = armapi::errors;

namespace {

ApiResponse stillRunning(const std::string& location) {
  ApiResponse r = emptyResponse(202);
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

// GET .../providers/Microsoft.Network/locations/{location}/operations/{operation}
ApiResponse getOperationStatus(Service::Impl& impl, RouteCall& call) {
  const std::string& opId = call.param("operation");
  auto it = impl.ops.find(opId);
  if (it == impl.ops.end()) return impl.error(errors::operationNotFound(opId));
  json body = presentOperation(it->second, false);
  body["id"] = impl.asyncOperationUrl(call.req, call.param("location"), opId);
  ApiResponse r = jsonResponse(200, body);
  if (body["status"] == "InProgress") r.headers.emplace_back("Retry-After", "1");
  return r;
}

// GET .../providers/Microsoft.Network/locations/{location}/operationResults/{operation}
ApiResponse getOperationResult(Service::Impl& impl, RouteCall& call) {
  const std::string& opId = call.param("operation");
  auto it = impl.ops.find(opId);
  if (it == impl.ops.end()) return impl.error(errors::operationNotFound(opId));
  const json& op = it->second;
  if (op.value("status", "") == "InProgress")
    return stillRunning(impl.operationResultUrl(call.req, call.param("location"), opId));
  if (op.value("status", "") == "Failed")
    return jsonResponse(400, json{{"error", op.value("error", json())}});
  if (op.contains("result")) return jsonResponse(200, op["result"]);  // POST actions
  return emptyResponse(204);
}

// GET /subscriptions/{sub}/operationresults/{operation}: a resource group's deletion.
ApiResponse getGroupDeletionResult(Service::Impl& impl, RouteCall& call) {
  const std::string& opId = call.param("operation");
  auto it = impl.ops.find(opId);
  if (it == impl.ops.end()) return impl.error(errors::operationNotFound(opId));
  const json& op = it->second;
  if (op.value("status", "") == "InProgress")
    return stillRunning(call.req.baseUrl + "/subscriptions/" + impl.cfg.subscriptionId +
                        "/operationresults/" + opId + "?api-version=" + apiVersionOf(call.req));
  if (op.value("status", "") == "Failed")
    return jsonResponse(400, json{{"error", op.value("error", json())}});
  return emptyResponse(200);
}

}  // namespace azlb::armservice::handlers
