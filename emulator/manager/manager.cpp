#include "emulator/manager/manager.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "arm-api/common/resource_id.h"
#include "emulator/controller/rule_health.h"
#include "emulator/runtime/control_client.h"

namespace azlb::manager {

namespace fs = std::filesystem;
using armservice::ChangeSet;
using json = nlohmann::json;

Manager::Manager(armservice::Service& service, ManagerOptions options)
    : service_(service),
      opts_(std::move(options)),
      applier_(netns_model::Naming::create(opts_.plan.prefix, opts_.plan.instance).value()) {}

Manager::~Manager() { stop(false); }

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

Result<void> Manager::start() {
  std::error_code ec;
  fs::create_directories(opts_.runDir, ec);
  if (ec) return fail("creating run dir " + opts_.runDir + ": " + ec.message());
  const auto& o = opts_.plan;
  for (std::uint32_t i = 0; i < o.muxes; ++i) {
    Proc p;
    p.kind = "mux";
    p.index = i;
    p.ns = controller::muxNamespace(o, i);
    p.socket = opts_.runDir + "/mux-" + std::to_string(i) + ".sock";
    p.pidFile = opts_.runDir + "/mux-" + std::to_string(i) + ".pid";
    p.log = opts_.runDir + "/mux-" + std::to_string(i) + ".log";
    p.args = {opts_.binary, "mux", "--index", std::to_string(i), "--socket", p.socket, "--tun", "tun0",
              "--underlay", std::to_string(o.underlayHigh) + "." + std::to_string(o.underlayLow) + ".4." + std::to_string(i + 1),
              "--frontend-prefix", o.publicPrefix};
    procs_.push_back(p);
  }
  for (std::uint32_t j = 0; j < o.hosts; ++j) {
    Proc p;
    p.kind = "host-agent";
    p.index = j;
    p.ns = controller::hostNamespace(o, j);
    p.socket = opts_.runDir + "/host-" + std::to_string(j) + ".sock";
    p.pidFile = opts_.runDir + "/host-" + std::to_string(j) + ".pid";
    p.log = opts_.runDir + "/host-" + std::to_string(j) + ".log";
    p.args = {opts_.binary, "host-agent", "--index", std::to_string(j), "--socket", p.socket, "--tun", "tun0"};
    procs_.push_back(p);
  }
  // Adopt processes a previous manager started (they keep forwarding across our restart).
  for (auto& p : procs_) {
    pid_t pid = static_cast<pid_t>(std::atoi(readFile(p.pidFile).c_str()));
    if (pid > 0 && kill(pid, 0) == 0 && readFile("/proc/" + std::to_string(pid) + "/cmdline").find(p.kind) != std::string::npos)
      p.pid = -pid;  // negative: alive, not our child
  }
  thread_ = std::thread([this] { loop(); });
  return {};
}

void Manager::onChange(const ChangeSet& change) {
  {
    std::lock_guard lk(mu_);
    pending_.push_back(change);
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
  for (auto& p : procs_) {
    pid_t pid = p.pid < 0 ? -p.pid : p.pid;
    if (pid > 0) kill(pid, SIGTERM);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (auto& p : procs_) {
    pid_t pid = p.pid < 0 ? -p.pid : p.pid;
    if (pid <= 0) continue;
    while (std::chrono::steady_clock::now() < deadline) {
      if (p.pid > 0 ? waitpid(pid, nullptr, WNOHANG) == pid : kill(pid, 0) != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (kill(pid, 0) == 0) {
      kill(pid, SIGKILL);
      if (p.pid > 0) waitpid(pid, nullptr, 0);
    }
    p.pid = 0;
    fs::remove(p.pidFile);
  }
  (void)applier_.teardown();
  std::error_code ec;
  fs::remove_all(opts_.runDir, ec);  // sockets, pid files, logs, status.json: nothing of the instance stays
}

bool Manager::alive(Proc& p) {
  if (p.pid > 0) {  // our child: reap it when it died
    int status = 0;
    if (waitpid(p.pid, &status, WNOHANG) == p.pid) {
      p.pid = 0;
      return false;
    }
    return true;
  }
  if (p.pid < 0) {
    if (kill(-p.pid, 0) == 0) return true;
    p.pid = 0;
  }
  return false;
}

Result<void> Manager::spawn(Proc& p) {
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  const std::string nsPath = "/run/netns/" + p.ns;
  std::vector<char*> argv;
  for (auto& a : p.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return fail("fork for " + p.kind, errno);
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int nsfd = open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(126);
    int log = open(p.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) dup2(null, 0);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    closefrom(3);
    execv(argv[0], argv.data());
    _exit(127);
  }
  p.pid = pid;
  p.ackedVersion = 0;
  std::ofstream(p.pidFile) << pid << "\n";
  return {};
}

Result<void> Manager::push(Proc& p, const runtime::Snapshot& s) {
  if (p.ackedVersion == s.version) return {};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto client = runtime::ControlClient::connect(p.socket);
    if (client) {
      auto acked = client->sendSnapshot(s);
      if (acked) {
        p.ackedVersion = *acked;
        return {};
      }
      if (acked.error().code.value() == EINVAL)
        return fail(p.kind + " " + std::to_string(p.index) + " rejected snapshot " + std::to_string(s.version) +
                    ": " + acked.error().message());
    }
    if (std::chrono::steady_clock::now() > deadline)
      return fail(p.kind + " " + std::to_string(p.index) + " did not take its snapshot within 10 s (see " + p.log + ")");
    if (!alive(p)) return fail(p.kind + " " + std::to_string(p.index) + " exited (see " + p.log + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<void> Manager::reconcile(std::map<std::string, std::string>& lbErrors) {
  controller::Inputs in;
  for (const auto& [key, report] : probeReports_) in.probeUp[key] = report.up;
  in.virtualNetworks = service_.listByType("Microsoft.Network/virtualNetworks");
  in.networkInterfaces = service_.listByType("Microsoft.Network/networkInterfaces");
  in.loadBalancers = service_.listByType("Microsoft.Network/loadBalancers");
  in.publicIpAddresses = service_.listByType("Microsoft.Network/publicIPAddresses");
  auto options = opts_.plan;
  options.muxesDown = muxesDown_;
  auto plan = controller::compile(in, options, assignments_, ++version_);
  assignments_ = plan.assignments;
  lbErrors = plan.loadBalancerErrors;
  if (auto ok = applier_.apply(plan.topology); !ok) return fail("applying the topology: " + ok.error().message());
  for (auto& p : procs_) {
    if (!alive(p))
      if (auto ok = spawn(p); !ok) return ok;
    const auto& snap = p.kind == "mux" ? plan.muxSnapshots[p.index] : plan.hostSnapshots[p.index];
    if (auto ok = push(p, snap); !ok) return ok;
  }
  plan_ = std::move(plan);
  publishObservability(*plan_);
  writeState(*plan_);
  return {};
}

bool Manager::pollProbes() {
  if (!plan_ || plan_->probes.empty()) return false;
  bool reported = false;
  for (auto& p : procs_) {
    if (p.kind != "host-agent" || !alive(p)) continue;
    auto client = runtime::ControlClient::connect(p.socket);
    if (!client) continue;
    auto report = client->status(std::chrono::milliseconds(500));
    if (!report) continue;
    for (const auto& probe : report->probes) {
      auto& known = probeReports_[probe.key];
      if (known.up != probe.up || known.outcome != probe.outcome || known.detail != probe.detail) reported = true;
      known = probe;
    }
  }
  bool changed = false;
  for (const auto& pl : plan_->probes) {
    auto r = probeReports_.find(pl.key);
    if ((r != probeReports_.end() && r->second.up) != pl.up) changed = true;
  }
  if (reported) {
    publishObservability(*plan_);
    writeState(*plan_);
  }
  return changed;
}

void Manager::publishObservability(const controller::Plan& plan) {
  json probes = json::array();
  std::string text =
      "# HELP azlb_dip_availability Health probe status per backend (Azure Monitor DipAvailability): 100 up, 0 down.\n"
      "# TYPE azlb_dip_availability gauge\n";
  auto label = [](const std::string& v) {
    std::string out;
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      out += c;
    }
    return out;
  };
  for (const auto& pl : plan.probes) {
    auto r = probeReports_.find(pl.key);
    const bool up = r != probeReports_.end() && r->second.up;
    probes.push_back({{"key", pl.key}, {"loadBalancer", pl.loadBalancer}, {"probe", pl.probe},
                      {"backend", pl.backend}, {"ip", pl.ip}, {"host", pl.host}, {"up", up},
                      {"inRotation", pl.up},
                      {"outcome", r != probeReports_.end() ? r->second.outcome : ""},
                      {"detail", r != probeReports_.end() ? r->second.detail : "not probed yet"}});
    text += "azlb_dip_availability{load_balancer=\"" + label(pl.loadBalancer) + "\",probe=\"" + label(pl.probe) +
            "\",backend=\"" + label(pl.backend) + "\",backend_ip_address=\"" + pl.ip + "\"} " + (up ? "100" : "0") + "\n";
  }
  text +=
      "# HELP azlb_vip_availability Data path availability per frontend (Azure Monitor VipAvailability): 100 when at least one backend is in rotation.\n"
      "# TYPE azlb_vip_availability gauge\n";
  if (!plan.muxSnapshots.empty())
    for (const auto& r : plan.muxSnapshots[0].forwarding.rules) {
      bool any = false;
      for (const auto& b : r.backends) any = any || b.healthy;
      text += "azlb_vip_availability{rule=\"" + label(r.name) + "\",frontend_ip_address=\"" + r.frontendIp.toString() +
              "\",frontend_port=\"" + std::to_string(r.frontendPort) + "\"} " + (any ? "100" : "0") + "\n";
    }
  std::map<std::string, controller::ProbeObservation> seen;
  for (const auto& [key, report] : probeReports_) seen[key] = {report.up, report.outcome};
  std::map<std::string, json> health;
  for (const auto& rh : plan.ruleHealth) health[armapi::toLower(rh.rule)] = controller::ruleHealthStatus(rh, seen);
  std::lock_guard lk(observedMu_);
  probeStatus_ = std::move(probes);
  metrics_ = std::move(text);
  ruleHealth_ = std::move(health);
}

json Manager::ruleHealth(const std::string& ruleId) const {
  std::lock_guard lk(observedMu_);
  auto it = ruleHealth_.find(armapi::toLower(ruleId));
  return it == ruleHealth_.end() ? json() : it->second;
}

json Manager::probeStatus() const {
  std::lock_guard lk(observedMu_);
  return json{{"probes", probeStatus_}, {"dataPlane", true}};
}

std::string Manager::metricsText() const {
  std::lock_guard lk(observedMu_);
  return metrics_;
}

void Manager::loop() {
  for (;;) {
    std::vector<ChangeSet> taken;
    bool reconcileNow;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(200), [&] { return dirty_ || stopping_; });
      if (stopping_) return;
      taken.swap(pending_);
      reconcileNow = dirty_;
      dirty_ = false;
    }
    // Supervision: a dead MUX leaves the ECMP route at once (its flows move to the others and
    // keep their backends: every MUX has the same Maglev tables), and rejoins once restarted.
    for (auto& p : procs_)
      if (!alive(p)) {
        if (p.kind == "mux") muxesDown_.insert(p.index);
        reconcileNow = true;
      }
    bool muxesBack = false;
    for (auto& p : procs_)
      if (p.kind == "mux" && muxesDown_.count(p.index) && alive(p) && plan_ && p.ackedVersion == version_) {
        muxesDown_.erase(p.index);
        muxesBack = true;
      }
    // Health: the host agents probe; a backend going up or down rebuilds the MUX tables.
    if (pollProbes()) reconcileNow = true;
    if (!reconcileNow && !muxesBack) continue;
    std::map<std::string, std::string> lbErrors;
    auto ok = reconcile(lbErrors);
    if (!ok) {
      std::fprintf(stderr, "azlb manager: %s (retrying)\n", ok.error().message().c_str());
      std::lock_guard lk(mu_);
      dirty_ = true;
    }
    for (const auto& change : taken) {
      std::optional<armapi::ArmError> err;
      if (!ok) {
        err = armapi::ArmError{500, "DataPlaneProvisioningFailed", "azlb could not build the data plane: " + ok.error().message(), {}, {}};
      } else {
        for (const auto& id : change.resourceIds)
          for (const auto& [lb, why] : lbErrors)
            if (armapi::iequals(id, lb))
              err = armapi::ArmError{400, "DataPlaneProvisioningFailed",
                                     "azlb could not build the data plane of " + lb + ": " + why, {}, {}};
      }
      service_.completeOperation(change.operationId, err);
    }
  }
}

void Manager::writeState(const controller::Plan& plan) {
  json vms = json::array();
  for (const auto& vm : plan.vms)
    vms.push_back({{"name", vm.name}, {"id", vm.id}, {"ips", vm.ips}, {"namespace", vm.ns}, {"host", vm.host},
                   {"underlay", vm.underlay}, {"vnet", vm.vnetName}, {"hostNamespace", vm.hostNs}});
  json procs = json::array();
  for (const auto& p : procs_)
    procs.push_back({{"kind", p.kind}, {"index", p.index}, {"namespace", p.ns}, {"pid", p.pid < 0 ? -p.pid : p.pid},
                     {"socket", p.socket}, {"log", p.log}, {"snapshot", p.ackedVersion}});
  json rules = json::array();
  if (!plan.muxSnapshots.empty())
    for (const auto& r : plan.muxSnapshots[0].forwarding.rules)
      rules.push_back({{"name", r.name}, {"frontend", r.frontendIp.toString() + ":" + std::to_string(r.frontendPort)},
                       {"backends", r.backends.size()}});
  json status = {{"version", version_},
                 {"router", controller::routerNamespace(opts_.plan)},
                 {"rootLink", plan.rootLink},
                 {"rootAddress", plan.rootAddress},
                 {"publicPrefix", opts_.plan.publicPrefix},
                 {"muxesDown", muxesDown_},
                 {"processes", procs},
                 {"rules", rules},
                 {"loadBalancerErrors", plan.loadBalancerErrors},
                 {"probeTimeScale", opts_.plan.probeTimeScale},
                 {"idleTimeoutScale", opts_.plan.idleTimeoutScale},
                 {"probes", probeStatus()["probes"]},
                 {"vms", vms}};
  std::string tmp = opts_.runDir + "/status.json.tmp";
  std::ofstream(tmp) << status.dump(2) << "\n";
  std::error_code ec;
  fs::rename(tmp, opts_.runDir + "/status.json", ec);
}

}  // namespace azlb::manager
