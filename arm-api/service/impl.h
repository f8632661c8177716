// Internal: Service::Impl, the state every request handler shares (resources, operations, the
// lock, the deployment worker). service.cpp owns its life cycle and the operation records;
// routes.cpp routes requests to the handlers in handlers/ and deployments.cpp.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/common/json_access.h"
#include "arm-api/common/resource_id.h"
#include "arm-api/service/service.h"
#include "arm-api/service/state.h"

namespace azlb::armtemplate {
class Deployment;
}

namespace azlb::armservice {

using armapi::ArmResult;
using armapi::ResourceId;

inline constexpr const char* kNetworkNs = "Microsoft.Network";

inline ApiResponse jsonResponse(int status, json body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

/// "West US" -> "westus", as ARM stores locations.
std::string normalizeLocation(const std::string& location);

struct Service::Impl {
  Service* self = nullptr;
  ServiceConfig cfg;
  std::unique_ptr<armstore::Store> store;

  std::mutex mu;
  State state;
  std::map<std::string, json> ops;  // operation id -> record
  /// Lower-case resource id -> how many operations in progress write it (so completing one
  /// does not scan every record to learn whether its resources are still Updating).
  std::map<std::string, int> busyResources;
  /// Terminal operations committed since the last prune, and when that prune ran.
  static constexpr int kPruneEvery = 64;
  static constexpr std::chrono::seconds kPruneInterval{60};
  int terminalSincePrune = 0;
  std::chrono::system_clock::time_point lastPrune{};
  /// In-memory results of POST actions (rule health status), oldest first; only the newest
  /// kActionResults are kept, so polling the health of a rule forever does not grow memory.
  static constexpr std::size_t kActionResults = 256;
  std::deque<std::string> actionResults;
  std::condition_variable opCv;
  ChangeListener* listener = nullptr;

  std::mutex jobMu;
  std::condition_variable jobCv;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::thread worker;

  /// Routes the request through the route table (routes.cpp).
  ApiResponse route(const ApiRequest& req);

  // --- helpers (service.cpp) ---
  ApiResponse error(const armapi::ArmError& e);
  bool groupExists(const std::string& group);
  json newOperation(const std::string& kind, const std::vector<std::string>& ids,
                    const std::string& location);
  /// Commits the transaction plus the operation records in one store transaction (caller holds mu).
  ArmResult<bool> commit(Txn& tx, const std::vector<json>& operations);
  void announce(const ChangeSet& change);
  std::string asyncOperationUrl(const ApiRequest& req, const std::string& location,
                                const std::string& opId);
  std::string operationResultUrl(const ApiRequest& req, const std::string& location,
                                 const std::string& opId);
  void setOperationStatus(const std::string& opId, const std::string& status,
                          const std::optional<armapi::ArmError>& error);
  /// Sets a terminal status on an operation record: status, endTime and endEpoch (the
  /// configured clock's seconds, which retention compares).
  void markTerminal(json& op, const std::string& status);
  /// Keeps busyResources in step when a record goes from `before` (null: new) to `after`.
  void trackBusy(const json* before, const json& after);
  /// Drops the terminal operations past retention (ServiceConfig::operationRetention and
  /// operationsKept) from the store and from memory. Caller holds mu.
  void pruneOperations();
  /// Keeps a POST action's finished operation (with its "result") in memory only, dropping the
  /// oldest beyond kActionResults. Takes the lock.
  void recordActionResult(json op);

  // --- deployments (deployments.cpp) ---
  void runDeploymentJob(std::function<void()> job);
  void failInterruptedDeployments();
  /// The job of one deployment: each resource through handle() in order, then the outputs.
  void runDeployment(armtemplate::Deployment& deployment, const std::string& depKey,
                     const std::string& opId, const std::string& baseUrl);
  /// PUTs resource `index`, waits for its operation; appends its record to `operations`.
  std::optional<armapi::ArmError> deployResource(armtemplate::Deployment& deployment, size_t index,
                                                 const std::string& baseUrl, json& operations);
  std::optional<armapi::ArmError> awaitResourceOperation(const ApiResponse& resp,
                                                         const std::string& resourceId);
  /// Rewrites the stored deployment under the lock (no-op when it was deleted meanwhile).
  void updateDeployment(const std::string& depKey, const std::function<void(json&)>& fn);
};

std::string apiVersionOf(const ApiRequest& req);
json presentOperation(const json& op, bool deploymentStyle);

}  // namespace azlb::armservice
