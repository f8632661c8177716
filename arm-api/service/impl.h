// Internal: Service::Impl, shared by service.cpp (routing, resources, operations) and
// deployments.cpp (template deployments).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/common/json_access.h"
#include "arm-api/common/resource_id.h"
#include "arm-api/service/service.h"
#include "arm-api/service/state.h"

namespace azlb::armservice {

using armapi::ArmResult;
using armapi::ResourceId;

struct Service::Impl {
  Service* self = nullptr;
  ServiceConfig cfg;
  std::unique_ptr<armstore::Store> store;

  std::mutex mu;
  State state;
  std::map<std::string, json> ops;  // operation id -> record
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

  // --- helpers (service.cpp) ---
  ApiResponse route(const ApiRequest& req);
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

  // --- deployments (deployments.cpp) ---
  ApiResponse deployments(const ApiRequest& req, const std::string& group,
                          const std::vector<std::string>& rest);
  void runDeploymentJob(std::function<void()> job);
  void failInterruptedDeployments();
};

std::string apiVersionOf(const ApiRequest& req);
json presentOperation(const json& op, bool deploymentStyle);

}  // namespace azlb::armservice
