// The ARM service: routing, semantics of PUT/GET/PATCH/DELETE/LIST, validation, etags,
// long-running operations, deployments, bootstrap endpoints (metadata, ADFS login,
// subscriptions). HTTP-agnostic: http/ turns cpp-httplib requests into ApiRequest and back.
// Thread-safe: handle() may be called from many threads; one mutex guards the state.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/common/arm_error.h"
#include "arm-api/store/store.h"
#include "common/result.h"

namespace azlb::armservice {

using json = nlohmann::json;
using armapi::ArmError;

struct ServiceConfig {
  std::string subscriptionId = "00000000-0000-0000-0000-000000000001";
  std::string tenantId = "00000000-0000-0000-0000-0000000000aa";
  std::string subscriptionName = "azlb local subscription";
  std::string publicPrefix = "198.18.0.0/16";  // where public IP addresses are allocated
  size_t maxBodyBytes = 4 * 1024 * 1024;
  /// Retention of finished operation records (memory and store). A terminal operation
  /// (Succeeded, Failed, Canceled) is dropped once it ended more than operationRetention ago
  /// AND it is not among the newest operationsKept terminal ones; an operation in progress is
  /// never dropped. So a client polling a Location or Azure-AsyncOperation URL has at least
  /// 15 minutes after the end, and the store holds at most about operationsKept finished
  /// records plus those that ended within the retention.
  std::chrono::seconds operationRetention{15 * 60};
  size_t operationsKept = 1000;
  /// The clock operation end times are measured with (a test injects its own).
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

struct ApiRequest {
  std::string method;                          // upper case
  std::string path;                            // decoded path, e.g. "//metadata/endpoints"
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // keys lower-case
  std::string body;
  std::string baseUrl;        // "https://localhost:8443", from the Host header; used in LRO URLs
  std::string remoteAddress;  // the client's address ("127.0.0.1"; "" for in-process requests)

  std::string header(const std::string& lowerName) const {
    auto it = headers.find(lowerName);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ApiResponse {
  int status = 200;
  std::optional<json> body;  // none = empty body
  /// A non-JSON body (Prometheus text), sent with `contentType` when set instead of `body`.
  std::optional<std::string> text;
  std::string contentType;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// A response with a status and nothing else (HEAD answers, 204s).
inline ApiResponse emptyResponse(int status) {
  ApiResponse r;
  r.status = status;
  return r;
}

/// What the data plane must apply: the resources a committed change touched.
struct ChangeSet {
  std::string operationId;
  std::vector<std::string> resourceIds;  // canonical ids, created/updated/deleted
};

/// Receives every committed change (after the HTTP answer is formed, outside the lock) and must
/// eventually call Service::completeOperation(operationId, ...). Issue 3's manager implements it.
class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void onChange(const ChangeSet& change) = 0;
  /// GET /azlb/probes: the data plane's health-probe states (null: no data plane).
  virtual json probeStatus() const { return nullptr; }
  /// GET /metrics: Prometheus text exposition of the data plane's metrics ("" : none).
  virtual std::string metricsText() const { return {}; }
  /// POST .../loadBalancingRules/{rule}/health: the rule's backends as Azure's health-status API
  /// shows them ({up, down, loadBalancerBackendAddresses: [{ipAddress, state, reason, ...}]}),
  /// `ruleId` as the service renders it; null when the data plane has no such rule (none built,
  /// or the rule has no probe). Called without the service's lock held.
  virtual json ruleHealth(const std::string& /*ruleId*/) const { return nullptr; }
  /// Cloud-service role instances as the data plane runs them: {"<lower-case role instance id>":
  /// {"ip", "status": "Ready|Busy|Starting|Stopping|Unknown", "reason"}}; null: no data plane.
  virtual json roleInstances() const { return nullptr; }
  /// GET /azlb/trace: what the data plane does with one packet and why (query: protocol,
  /// destination, from); {"error": why} for a bad question; null: no data plane.
  virtual json trace(const std::map<std::string, std::string>& /*query*/) const { return nullptr; }
  /// GET /azlb/ui and /azlb/ui/state: the live page (HTML) and what it draws (status with live
  /// counters); "" / null: no data plane.
  virtual std::string uiPage() const { return {}; }
  virtual json uiState() const { return nullptr; }
};

class Service {
 public:
  /// Loads every resource and operation from the store. Operations left in progress by a previous
  /// run are re-announced to the listener (or completed when there is none); deployments that were
  /// running are marked Failed, since their evaluation state was in memory.
  static Result<std::unique_ptr<Service>> create(ServiceConfig config,
                                                 std::unique_ptr<armstore::Store> store);
  ~Service();

  ApiResponse handle(const ApiRequest& request);

  /// With no listener (the default), operations complete as soon as they are committed.
  void setListener(ChangeListener* listener);
  /// Marks an operation Succeeded (no error) or Failed, and the provisioningState of the resources
  /// it wrote accordingly. Safe from any thread; unknown ids are ignored.
  void completeOperation(const std::string& operationId, const std::optional<ArmError>& error);
  /// Blocks until the operation is terminal or the timeout passes; returns its status.
  std::string waitOperation(const std::string& operationId, std::chrono::milliseconds timeout);

  /// Rendered GET bodies of every resource of a type (e.g. "Microsoft.Network/loadBalancers"),
  /// for the data plane and for status output.
  std::vector<json> listByType(const std::string& type);

  const ServiceConfig& config() const { return config_; }

  struct Impl;

 private:
  Service(ServiceConfig config, std::unique_ptr<armstore::Store> store);
  ServiceConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace azlb::armservice
