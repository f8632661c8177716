#include "emulator/manager/manager.h"

#include "common/strings.h"
#include "emulator/manager/live_status.h"
#include "emulator/manager/trace_service.h"
#include "emulator/manager/ui_page.h"
#include "emulator/runtime/control_client.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace azlb::manager {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::vector<json> ServiceResourceSource::listByType(const std::string& type) {
  return service_.listByType(type);
}

void ServiceResourceSource::completeOperation(const std::string& operationId,
                                              const std::optional<OperationFailure>& failure) {
  std::optional<armapi::ArmError> err;
  if (failure)
    err =
        armapi::ArmError{failure->status, "DataPlaneProvisioningFailed", failure->message, {}, {}};
  service_.completeOperation(operationId, err);
}

Manager::Manager(armservice::Service& service, ManagerOptions options)
    : opts_(std::move(options)),
      source_(service),
      topology_(netns_model::Naming::create(opts_.plan.prefix, opts_.plan.instance).value()),
      supervisor_(SupervisorOptions{opts_.plan, opts_.runDir, opts_.binary}),
      reconciler_(
          source_, topology_, supervisor_, opts_.plan,
          [] { return std::chrono::steady_clock::now(); }, opts_.backoff) {}

Manager::~Manager() {
  stop(false);
}

Result<void> Manager::start() {
  if (auto ok = supervisor_.start(); !ok) return ok;
  thread_ = std::thread([this] { loop(); });
  return {};
}

void Manager::onChange(const armservice::ChangeSet& change) {
  {
    std::lock_guard lk(mu_);
    pending_.push_back(Change{change.operationId, change.resourceIds});
    dirty_ = true;
  }
  cv_.notify_all();
}

void Manager::stop(bool teardown) {
  {
    std::lock_guard lk(mu_);
    if (stopping_ && !thread_.joinable() && !teardown) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!teardown) return;
  supervisor_.stopAll();
  (void)topology_.teardown();
  std::error_code ec;
  fs::remove_all(opts_.runDir,
                 ec);  // sockets, pid files, logs, status.json: nothing of the instance stays
}

void Manager::loop() {
  for (;;) {
    std::vector<Change> taken;
    bool dirty;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(200), [&] { return dirty_ || stopping_; });
      if (stopping_) return;
      taken.swap(pending_);
      dirty = dirty_;
      dirty_ = false;
    }
    step(std::move(taken), dirty);
  }
}

json Manager::roleInstances() const {
  std::lock_guard lk(roleMu_);
  json out = json::object();
  for (const auto& r : roleInstances_)
    out[toLower(r.id)] = {{"ip", r.ip}, {"status", r.status}, {"reason", r.reason}};
  return out;
}

bool Manager::refreshRoleInstances() {
  auto now = supervisor_.roleHosts();
  std::lock_guard lk(roleMu_);
  const bool changed = now.size() != roleInstances_.size() ||
                       !std::equal(now.begin(), now.end(), roleInstances_.begin(),
                                   [](const RoleHostStatus& a, const RoleHostStatus& b) {
                                     return a.id == b.id && a.status == b.status &&
                                            a.reason == b.reason && a.pid == b.pid;
                                   });
  roleInstances_ = std::move(now);
  return changed;
}

void Manager::step(std::vector<Change> changes, bool dirty) {
  // Supervision: a dead process needs a reconcile (which restarts it); a restarted MUX rejoins
  // the ECMP route once it has the current snapshot.
  bool reconcileNow = dirty || supervisor_.checkProcesses() || reconciler_.retryWanted();
  const bool muxesBack = reconciler_.plan() && supervisor_.readmitMuxes(reconciler_.version());
  // Health: the host agents probe; a backend going up or down rebuilds the MUX tables.
  // Outbound: their SNAT usage feeds /metrics, as do their per-frontend traffic counters.
  const controller::Plan* plan = reconciler_.plan() ? &*reconciler_.plan() : nullptr;
  if (plan != nullptr) {
    std::vector<runtime::ProbeReport> probes;
    std::vector<runtime::SnatReport> snat;
    bool trafficChanged = false;
    for (auto& report : supervisor_.pollHostAgents()) {
      probes.insert(probes.end(), report.probes.begin(), report.probes.end());
      snat.insert(snat.end(), report.snat.begin(), report.snat.end());
      trafficChanged =
          reporter_.mergeTrafficReports(report.index, std::move(report.traffic)) || trafficChanged;
    }
    const bool probesChanged = reporter_.mergeProbeReports(probes);
    if (reporter_.mergeSnatReports(std::move(snat)) || probesChanged || trafficChanged)
      reporter_.publish(*plan);
    if (probesChanged) writeStatus();
    if (reporter_.differsFrom(*plan)) reconcileNow = true;
  }
  if (refreshRoleInstances()) writeStatus();
  if (!reconcileNow && !muxesBack) return;
  // After a failure, wait out the backoff, unless ARM changes wait: their operations complete now.
  if (!reconciler_.mayRun(!changes.empty())) return;
  auto ok =
      reconciler_.reconcile({.probeUp = reporter_.probeUp(), .muxesDown = supervisor_.muxesDown()});
  if (ok) {
    reporter_.publish(*reconciler_.plan());
    std::lock_guard lk(planMu_);
    tracePlan_ = std::make_shared<const controller::Plan>(*reconciler_.plan());
  } else {
    std::fprintf(stderr, "azlb manager: %s (retrying in %lld ms)\n", ok.error().message().c_str(),
                 static_cast<long long>(reconciler_.retryStatus().delay.count()));
  }
  refreshRoleInstances();
  writeStatus();
  reconciler_.completeOperations(changes);
}

json Manager::trace(const std::map<std::string, std::string>& query) const {
  std::shared_ptr<const controller::Plan> plan;
  {
    std::lock_guard lk(planMu_);
    plan = tracePlan_;
  }
  if (!plan) return nullptr;
  auto askMux = [this](std::uint32_t mux,
                       const dataplane::FlowKey& key) -> std::optional<std::uint64_t> {
    auto client = runtime::ControlClient::connect(processSocket(opts_.runDir, "mux", mux));
    if (!client) return std::nullopt;
    auto answer = client->flow(key, std::chrono::seconds(1));
    return answer ? answer->backendKey : std::nullopt;
  };
  return traceRequest(*plan, opts_.plan, query, reporter_.probeStatus(), askMux);
}

void Manager::writeStatus() {
  StatusInputs in{.plan = reconciler_.plan() ? &*reconciler_.plan() : nullptr,
                  .version = reconciler_.version(),
                  .options = &opts_.plan,
                  .muxesDown = supervisor_.muxesDown(),
                  .processes = supervisor_.processes(),
                  .roleInstances = supervisor_.roleHosts(),
                  .retry = reconciler_.retryStatus(),
                  .now = std::chrono::steady_clock::now()};
  json status = reporter_.statusJson(in);
  writeStatusFile(opts_.runDir, status);
  std::lock_guard lk(planMu_);
  lastStatus_ = std::move(status);
}

std::string Manager::uiPage() const {
  return std::string(kUiPage);
}

json Manager::uiState() const {
  json st;
  {
    std::lock_guard lk(planMu_);
    st = lastStatus_;
  }
  if (st.is_null()) return nullptr;
  st["instance"] = opts_.plan.instance;
  addLiveStatus(st);
  return st;
}

}  // namespace azlb::manager
