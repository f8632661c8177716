// Service: life cycle (load from the store, the deployment worker), the operation records
// (create, commit, complete, wait) and handle(), which adds the ARM response headers to what
// the route table (routes.cpp) answers.
#include "arm-api/service/service.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>

#include "arm-api/common/ipv4.h"

#include "arm-api/service/impl.h"
#include "arm-api/service/network.h"

namespace azlb::armservice {

using armapi::iequals;
using armapi::newGuid;
using armapi::nowTimestamp;
using armapi::toLower;
namespace errors = armapi::errors;

std::string normalizeLocation(const std::string& loc) {
  std::string out;
  for (char c : loc)
    if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {
bool isTerminal(const std::string& status) {
  return status == "Succeeded" || status == "Failed" || status == "Canceled";
}
}  // namespace

std::string apiVersionOf(const ApiRequest& req) {
  auto it = req.query.find("api-version");
  return it == req.query.end() ? std::string() : it->second;
}

json presentOperation(const json& op, bool deploymentStyle) {
  json out = {{"id", op.value("url", op.value("id", ""))},
              {"name", op.value("id", "")},
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
    return fail("invalid public prefix '" + config.publicPrefix +
                "' (want an IPv4 CIDR such as 198.18.0.0/16)");
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
    if (body.is_discarded()) continue;
    impl.trackBusy(nullptr, body);
    impl.ops[row.id] = std::move(body);
  }
  impl.failInterruptedDeployments();
  impl.pruneOperations();
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
  // Operations a previous run left in progress are announced again (or completed, without a data
  // plane).
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

void Service::completeOperation(const std::string& operationId,
                                const std::optional<ArmError>& error) {
  impl_->setOperationStatus(operationId, error ? "Failed" : "Succeeded", error);
}

void Service::Impl::markTerminal(json& op, const std::string& status) {
  op["status"] = status;
  op["endTime"] = nowTimestamp();
  op["endEpoch"] =
      std::chrono::duration_cast<std::chrono::seconds>(cfg.clock().time_since_epoch()).count();
}

void Service::Impl::setOperationStatus(const std::string& opId, const std::string& status,
                                       const std::optional<ArmError>& err) {
  std::lock_guard lk(mu);
  auto it = ops.find(opId);
  if (it == ops.end()) return;
  json op = it->second;
  if (isTerminal(op.value("status", "InProgress"))) return;
  bool terminal = isTerminal(status);
  if (terminal)
    markTerminal(op, status);
  else
    op["status"] = status;
  if (err) op["error"] = err->innerJson();
  Txn tx(state);
  if (terminal && op.value("kind", "") == "network") {
    // A resource leaves Updating when no other operation on it is still in progress (this one
    // still counts itself).
    for (const auto& rid : op.value("resourceIds", std::vector<std::string>{})) {
      auto busy = busyResources.find(toLower(rid));
      const Resource* r = state.find(toLower(rid));
      if (!r || (busy != busyResources.end() && busy->second > 1)) continue;
      Resource updated = *r;
      updated.body["properties"]["provisioningState"] = err ? "Failed" : "Succeeded";
      tx.put(toLower(rid), std::move(updated));
    }
  }
  if (!commit(tx, {op})) return;  // a store failure leaves the operation in progress
  opCv.notify_all();
  if (!terminal) return;
  ++terminalSincePrune;
  if (terminalSincePrune >= kPruneEvery || cfg.clock() - lastPrune >= kPruneInterval)
    pruneOperations();
}

void Service::Impl::trackBusy(const json* before, const json& after) {
  bool was = before && before->value("status", "") == "InProgress";
  bool is = after.value("status", "") == "InProgress";
  if (was == is) return;
  std::set<std::string> ids;
  for (const auto& rid : after.value("resourceIds", std::vector<std::string>{}))
    ids.insert(toLower(rid));
  for (const auto& id : ids) {
    int& n = busyResources[id];
    n += is ? 1 : -1;
    if (n <= 0) busyResources.erase(id);
  }
}

void Service::Impl::pruneOperations() {
  const auto now = cfg.clock();
  lastPrune = now;
  terminalSincePrune = 0;
  const long long cutoff = std::chrono::duration_cast<std::chrono::seconds>(
                               (now - cfg.operationRetention).time_since_epoch())
                               .count();
  std::vector<std::pair<long long, std::string>> finished;  // (endEpoch, id); 0 when unknown
  for (const auto& [id, op] : ops)
    if (op.value("kind", "") != "ruleHealth" &&
        isTerminal(op.value("status", "")))  // those have their own cap
      finished.emplace_back(op.value("endEpoch", 0LL), id);
  if (finished.size() <= cfg.operationsKept) return;
  std::sort(finished.begin(), finished.end(), std::greater<>());
  std::vector<std::string> drop;
  for (size_t i = cfg.operationsKept; i < finished.size(); ++i)
    if (finished[i].first < cutoff) drop.push_back(finished[i].second);
  if (drop.empty() || !store->pruneOperations(drop))
    return;  // a store failure keeps them: try later
  for (const auto& id : drop) ops.erase(id);
}

std::string Service::waitOperation(const std::string& operationId,
                                   std::chrono::milliseconds timeout) {
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
  for (const auto& op : operations) {
    json& slot = ops[op.value("id", "")];
    trackBusy(slot.is_null() ? nullptr : &slot, op);
    slot = op;
  }
  return true;
}

json Service::Impl::newOperation(const std::string& kind, const std::vector<std::string>& ids,
                                 const std::string& location) {
  return json{{"id", newGuid()},    {"kind", kind},         {"status", "InProgress"},
              {"resourceIds", ids}, {"location", location}, {"startTime", nowTimestamp()}};
}

std::string Service::Impl::asyncOperationUrl(const ApiRequest& req, const std::string& location,
                                             const std::string& opId) {
  return req.baseUrl + "/subscriptions/" + cfg.subscriptionId +
         "/providers/Microsoft.Network/locations/" + location + "/operations/" + opId +
         "?api-version=" + apiVersionOf(req);
}

std::string Service::Impl::operationResultUrl(const ApiRequest& req, const std::string& location,
                                              const std::string& opId) {
  return req.baseUrl + "/subscriptions/" + cfg.subscriptionId +
         "/providers/Microsoft.Network/locations/" + location + "/operationResults/" + opId +
         "?api-version=" + apiVersionOf(req);
}

void Service::Impl::recordActionResult(json op) {
  std::lock_guard lk(mu);
  const std::string opId = op["id"];
  ops[opId] = std::move(op);
  actionResults.push_back(opId);
  if (actionResults.size() > kActionResults) {
    ops.erase(actionResults.front());
    actionResults.pop_front();
  }
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

}  // namespace azlb::armservice
