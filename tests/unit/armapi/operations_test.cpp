// Long-running operations with a ChangeListener that records ChangeSets and completes them only
// when the test says so: InProgress until Service::completeOperation, then Succeeded or Failed
// (the error lands on the operation, Failed on the resource).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>

#include "arm-api/common/json_access.h"
#include "tests/unit/armapi/service_fixture.h"

using namespace azlb::armtest;
using azlb::armservice::ChangeSet;

namespace {

class RecordingListener : public azlb::armservice::ChangeListener {
 public:
  void onChange(const ChangeSet& change) override {
    std::lock_guard lk(mu_);
    changes_.push_back(change);
  }
  std::vector<ChangeSet> changes() {
    std::lock_guard lk(mu_);
    return changes_;
  }

 private:
  std::mutex mu_;
  std::vector<ChangeSet> changes_;
};

std::string operationPath(const std::string& opId) {
  return std::string("/subscriptions/") + kSub + "/providers/Microsoft.Network/locations/westus/operations/" + opId;
}
std::string resultPath(const std::string& opId) {
  return std::string("/subscriptions/") + kSub + "/providers/Microsoft.Network/locations/westus/operationResults/" + opId;
}

}  // namespace

TEST_CASE("operations stay InProgress until the listener completes them", "[operations]") {
  ServiceFixture f;
  RecordingListener listener;
  f.service().setListener(&listener);

  auto put = f.put(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  REQUIRE(put.status == 201);
  const std::string opId = put.asyncOperationId();
  auto changes = listener.changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].operationId == opId);
  CHECK(changes[0].resourceIds == std::vector<std::string>{pipId("pip1")});

  auto status = f.get(operationPath(opId));
  REQUIRE(status.status == 200);
  CHECK(status.body["status"] == "InProgress");
  CHECK(status.header("Retry-After") == "1");
  CHECK(f.mustGet(pipId("pip1"))["properties"]["provisioningState"] == "Updating");
  CHECK(f.service().waitOperation(opId, std::chrono::milliseconds(0)) == "InProgress");

  f.service().completeOperation(opId, std::nullopt);
  CHECK(f.service().waitOperation(opId, std::chrono::milliseconds(0)) == "Succeeded");
  auto done = f.get(operationPath(opId));
  CHECK(done.body["status"] == "Succeeded");
  CHECK(done.body.contains("endTime"));
  CHECK_FALSE(done.body.contains("error"));
  CHECK(f.mustGet(pipId("pip1"))["properties"]["provisioningState"] == "Succeeded");
}

TEST_CASE("completeOperation with an error fails the operation and the resource", "[operations]") {
  ServiceFixture f;
  f.putPip("pip1");
  RecordingListener listener;
  f.service().setListener(&listener);

  auto put = f.put(lbId("lb1"), publicLb("pip1"));
  REQUIRE(put.status == 201);
  const std::string opId = put.asyncOperationId();
  CHECK(f.get(operationPath(opId)).body["status"] == "InProgress");
  auto lb = f.mustGet(lbId("lb1"));
  CHECK(lb["properties"]["provisioningState"] == "Updating");
  CHECK(childOf(lb, "frontendIPConfigurations", "fe")["properties"]["provisioningState"] == "Updating");

  azlb::armapi::ArmError err{500, "DataPlaneApplyFailed", "Could not program the frontend.", {}, {}};
  f.service().completeOperation(opId, err);
  auto status = f.get(operationPath(opId));
  REQUIRE(status.status == 200);
  CHECK(status.body["status"] == "Failed");
  CHECK(status.body["error"]["code"] == "DataPlaneApplyFailed");
  CHECK(status.body["error"]["message"] == "Could not program the frontend.");
  auto failed = f.mustGet(lbId("lb1"));
  CHECK(failed["properties"]["provisioningState"] == "Failed");
  CHECK(childOf(failed, "frontendIPConfigurations", "fe")["properties"]["provisioningState"] == "Failed");
  CHECK(f.service().waitOperation(opId, std::chrono::milliseconds(0)) == "Failed");

  // A terminal operation stays as it is.
  f.service().completeOperation(opId, std::nullopt);
  CHECK(f.get(operationPath(opId)).body["status"] == "Failed");
  CHECK(f.mustGet(lbId("lb1"))["properties"]["provisioningState"] == "Failed");

  // A later successful PUT brings the resource back.
  auto again = f.put(lbId("lb1"), publicLb("pip1"));
  REQUIRE(again.status == 200);
  f.service().completeOperation(again.asyncOperationId(), std::nullopt);
  CHECK(f.mustGet(lbId("lb1"))["properties"]["provisioningState"] == "Succeeded");

  // Unknown ids are ignored.
  f.service().completeOperation("no-such-operation", err);
  CHECK(f.service().waitOperation("no-such-operation", std::chrono::milliseconds(0)) == "NotFound");
}

TEST_CASE("a resource leaves Updating only when its last operation completes", "[operations]") {
  ServiceFixture f;
  RecordingListener listener;
  f.service().setListener(&listener);
  auto first = f.put(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  auto second = f.put(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  REQUIRE(first.status == 201);
  REQUIRE(second.status == 200);
  f.service().completeOperation(first.asyncOperationId(), std::nullopt);
  CHECK(f.mustGet(pipId("pip1"))["properties"]["provisioningState"] == "Updating");
  f.service().completeOperation(second.asyncOperationId(), std::nullopt);
  CHECK(f.mustGet(pipId("pip1"))["properties"]["provisioningState"] == "Succeeded");
  CHECK(listener.changes().size() == 2);
}

TEST_CASE("a DELETE's Location answers 202 while in progress, then 204 or the error", "[operations]") {
  ServiceFixture f;
  f.putPip("pip1");
  f.putPip("pip2");
  RecordingListener listener;
  f.service().setListener(&listener);

  auto d = f.del(pipId("pip1"));
  REQUIRE(d.status == 202);
  const std::string opId = d.asyncOperationId();
  REQUIRE(listener.changes().size() == 1);
  CHECK(listener.changes()[0].resourceIds == std::vector<std::string>{pipId("pip1")});
  auto running = f.get(resultPath(opId));
  CHECK(running.status == 202);
  CHECK_FALSE(running.header("Location").empty());
  CHECK(f.get(pipId("pip1")).status == 404);  // gone from the API at once
  f.service().completeOperation(opId, std::nullopt);
  CHECK(f.get(resultPath(opId)).status == 204);

  auto d2 = f.del(pipId("pip2"));
  REQUIRE(d2.status == 202);
  f.service().completeOperation(d2.asyncOperationId(),
                                azlb::armapi::ArmError{500, "DataPlaneApplyFailed", "Teardown failed.", {}, {}});
  auto failed = f.get(resultPath(d2.asyncOperationId()));
  CHECK(failed.status == 400);
  CHECK(failed.code() == "DataPlaneApplyFailed");
  CHECK(f.get(operationPath(d2.asyncOperationId())).body["status"] == "Failed");
}

TEST_CASE("operations left in progress are completed when the listener goes away", "[operations]") {
  ServiceFixture f;
  RecordingListener listener;
  f.service().setListener(&listener);
  auto put = f.put(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  REQUIRE(put.status == 201);
  CHECK(f.get(operationPath(put.asyncOperationId())).body["status"] == "InProgress");
  // Re-registering (here: no listener) re-announces what is pending; without a data plane it completes.
  f.service().setListener(nullptr);
  CHECK(f.get(operationPath(put.asyncOperationId())).body["status"] == "Succeeded");
  CHECK(f.mustGet(pipId("pip1"))["properties"]["provisioningState"] == "Succeeded");
}

namespace {

/// Answers every rule's health with the rule id it was asked for.
class HealthListener : public azlb::armservice::ChangeListener {
 public:
  void onChange(const ChangeSet&) override {}
  json ruleHealth(const std::string& ruleId) const override {
    return {{"up", 1}, {"down", 0}, {"loadBalancerBackendAddresses", {{{"ipAddress", ruleId}}}}};
  }
};

}  // namespace

TEST_CASE("a rule's health result comes from the listener; only the newest 256 results are kept", "[operations][health]") {
  ServiceFixture f;
  HealthListener listener;
  f.service().setListener(&listener);
  REQUIRE(f.send("PUT", pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}).status == 201);
  const std::string lb = lbId("lb1");
  json body = publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}}},
                                {"loadBalancingRules",
                                 {lbRule("lb1", "web", "Tcp", 80,
                                         {{"backendPort", 80}, {"probe", idRef(lbChild("lb1", "probes", "hp"))}})}}});
  REQUIRE(f.send("PUT", lb, body).status == 201);
  const std::string health = lbChild("lb1", "loadBalancingRules", "web") + "/health";
  auto resultOf = [&](const Reply& post) {
    const std::string loc = post.header("Location");
    const std::string path = loc.substr(loc.find("/subscriptions/"));
    return f.send("GET", path.substr(0, path.find('?')));
  };
  const Reply first = f.send("POST", health, json::object());
  REQUIRE(first.status == 202);
  const Reply answer = resultOf(first);
  REQUIRE(answer.status == 200);
  CHECK(answer.body["up"] == 1);
  CHECK(answer.body["loadBalancerBackendAddresses"][0]["ipAddress"] == lbChild("lb1", "loadBalancingRules", "web"));
  Reply newest;
  for (int i = 0; i < 256; ++i) newest = f.send("POST", health, json::object());
  CHECK(resultOf(first).status == 404);
  CHECK(resultOf(newest).status == 200);
  f.service().setListener(nullptr);
}

namespace {

/// A service over a SQLite file with an injected clock and a small retention: the newest 5
/// finished operations, and any that ended within 10 minutes.
class FileService {
 public:
  explicit FileService(const std::string& path, std::chrono::system_clock::time_point* now) {
    auto store = azlb::armstore::Store::open(path);
    REQUIRE(store);
    azlb::armservice::ServiceConfig cfg;
    cfg.operationRetention = std::chrono::minutes(10);
    cfg.operationsKept = 5;
    cfg.clock = [now] { return *now; };
    auto svc = azlb::armservice::Service::create(cfg, std::move(store.value()));
    REQUIRE(svc);
    service = std::move(svc.value());
  }
  Reply send(const std::string& method, const std::string& path, const json& body = json()) {
    azlb::armservice::ApiRequest req;
    req.method = method;
    req.path = path;
    req.query["api-version"] = kApi;
    req.headers["authorization"] = "Bearer t";
    if (!body.is_null()) req.body = body.dump();
    req.baseUrl = kBaseUrl;
    auto resp = service->handle(req);
    Reply out;
    out.status = resp.status;
    if (resp.body) out.body = *resp.body;
    out.headers = resp.headers;
    return out;
  }
  std::unique_ptr<azlb::armservice::Service> service;
};

}  // namespace

TEST_CASE("finished operations past retention are pruned from memory and the store; in-progress and recent ones stay pollable",
          "[operations][retention]") {
  const auto dir = std::filesystem::temp_directory_path() / ("azlb-ops-" + azlb::armapi::newGuid());
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "azlb.db").string();
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(24 * 365 * 50));
  const auto start = now;
  std::vector<std::string> old, recent;
  std::string inProgress;
  {
    FileService f(db, &now);
    REQUIRE(f.send("PUT", rgId(), {{"location", "westus"}}).status == 201);
    const json pip = {{"location", "westus"}, {"sku", {{"name", "Standard"}}}};
    // 20 operations that end one second apart, an hour ago (no listener: they complete at once).
    for (int i = 0; i < 20; ++i) {
      now = start + std::chrono::seconds(i);
      auto r = f.send("PUT", pipId("old" + std::to_string(i)), pip);
      REQUIRE(r.status == 201);
      old.push_back(r.asyncOperationId());
    }
    CHECK(f.send("GET", operationPath(old[0])).status == 200);  // within retention: kept
    now = start + std::chrono::hours(1);
    RecordingListener listener;
    f.service->setListener(&listener);
    auto pending = f.send("PUT", pipId("pending"), pip);
    REQUIRE(pending.status == 201);
    inProgress = pending.asyncOperationId();
    for (int i = 0; i < 3; ++i) {
      auto r = f.send("PUT", pipId("new" + std::to_string(i)), pip);
      REQUIRE(r.status == 201);
      recent.push_back(r.asyncOperationId());
      f.service->completeOperation(recent.back(), std::nullopt);
    }
    // Completing after the prune interval pruned at once: the oldest are gone already.
    CHECK(f.send("GET", operationPath(old[0])).code() == "OperationNotFound");
    f.service.reset();  // before the listener goes; the pending operation stays in progress
  }
  // Reopened from the same file, the operations pruned before are not there either; the newest
  // five finished ones (3 recent + the 2 newest old ones) and the one in progress are.
  now = start + std::chrono::hours(1);
  FileService g(db, &now);
  for (size_t i = 0; i < old.size(); ++i) {
    INFO("old operation " << i);
    auto r = g.send("GET", operationPath(old[i]));
    if (i >= old.size() - 2) {
      CHECK(r.status == 200);
      CHECK(r.body["status"] == "Succeeded");
    } else {
      CHECK(r.status == 404);
      CHECK(r.code() == "OperationNotFound");
      CHECK(g.send("GET", resultPath(old[i])).status == 404);
    }
  }
  for (const auto& id : recent) {
    CHECK(g.send("GET", operationPath(id)).body["status"] == "Succeeded");
    CHECK(g.send("GET", resultPath(id)).status == 204);
  }
  auto polled = g.send("GET", operationPath(inProgress));
  CHECK(polled.status == 200);
  CHECK(polled.body["status"] == "InProgress");
  CHECK(g.send("GET", resultPath(inProgress)).status == 202);
  g.service.reset();
  std::filesystem::remove_all(dir);
}
