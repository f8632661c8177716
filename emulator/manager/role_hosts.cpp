#include "emulator/manager/role_hosts.h"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "emulator/manager/spawn.h"

namespace azlb::manager {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const char* taskTypeName(cloudservice::TaskType t) {
  switch (t) {
    case cloudservice::TaskType::Background:
      return "background";
    case cloudservice::TaskType::Foreground:
      return "foreground";
    case cloudservice::TaskType::Simple:
      break;
  }
  return "simple";
}

pid_t pidOf(pid_t p) {
  return p < 0 ? -p : p;
}

}  // namespace

RoleHosts::RoleHosts(std::string runDir, std::string binary)
    : runDir_(std::move(runDir)), binary_(std::move(binary)) {}

json RoleHosts::configOf(const controller::RoleInstancePlan& p, const std::string& base) {
  json tasks = json::array();
  for (const auto& t : p.startupTasks)
    tasks.push_back({{"commandLine", t.commandLine}, {"taskType", taskTypeName(t.taskType)}});
  json env = json::array();
  for (const auto& [k, v] : p.environment) env.push_back({k, v});
  return {{"id", p.id},
          {"service", p.service},
          {"role", p.role},
          {"name", p.name},
          {"ip", p.ip},
          {"roleDir", p.roleDir},
          {"entryPoint", p.entryPoint},
          {"setReadyOnProcessStart", p.setReadyOnProcessStart},
          {"startupTasks", tasks},
          {"environment", env},
          {"notRun", p.notRun},
          {"roleEnvironment", p.roleEnvironment},
          {"statusFile", base + ".status.json"},
          {"roleEnvironmentFile", base + ".role-environment.json"}};
}

bool RoleHosts::alive(Host& h) {
  if (h.pid > 0 && waitpid(h.pid, nullptr, WNOHANG) == h.pid) h.pid = 0;
  if (h.pid < 0 && kill(-h.pid, 0) != 0) h.pid = 0;
  return h.pid != 0;
}

Result<void> RoleHosts::start(Host& h) {
  std::error_code ec;
  fs::create_directories(fs::path(h.base).parent_path(), ec);
  std::ofstream(h.base + ".json", std::ios::trunc) << h.config.dump(2) << "\n";
  fs::remove(h.base + ".status.json", ec);
  auto pid = spawnInNamespace(h.plan.ns, {binary_, "role-host", "--config", h.base + ".json"},
                              h.base + ".log");
  if (!pid) return fail("role instance " + h.plan.name + ": " + pid.error().message());
  h.pid = *pid;
  std::ofstream(h.base + ".pid", std::ios::trunc) << *pid << "\n";
  return {};
}

void RoleHosts::stop(std::vector<Host*> hosts) {
  for (Host* h : hosts)
    if (alive(*h)) kill(pidOf(h->pid), SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  for (Host* h : hosts) {
    while (alive(*h) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (alive(*h)) kill(pidOf(h->pid), SIGKILL);
    if (h->pid > 0) waitpid(h->pid, nullptr, 0);
    h->pid = 0;
    std::error_code ec;
    fs::remove(h->base + ".pid", ec);
  }
}

/// Adopts a role host a previous manager started with the same configuration.
static bool adopt(pid_t& pid, const std::string& base, const json& config) {
  const pid_t old = static_cast<pid_t>(std::atoi(readFile(base + ".pid").c_str()));
  if (old <= 0 || kill(old, 0) != 0) return false;
  if (readFile("/proc/" + std::to_string(old) + "/cmdline").find("role-host") == std::string::npos)
    return false;
  if (json::parse(readFile(base + ".json"), nullptr, false) != config) return false;
  pid = -old;
  return true;
}

Result<void> RoleHosts::apply(const std::vector<controller::RoleInstancePlan>& instances) {
  std::map<std::string, Host> next;
  std::vector<Host*> restart;
  for (const auto& p : instances) {
    if (p.ns.empty()) continue;  // no VM (yet)
    Host h{p, runDir_ + "/roles/" + p.service + "/" + p.name, {}, 0};
    h.config = configOf(p, h.base);
    auto old = hosts_.find(p.id);
    if (old != hosts_.end()) {
      h.pid = old->second.pid;
      json a = old->second.config, b = h.config;
      a.erase("roleEnvironment");
      b.erase("roleEnvironment");
      if (a != b)
        restart.push_back(&old->second);
      else if (old->second.config != h.config && alive(h)) {
        std::ofstream(h.base + ".json", std::ios::trunc) << h.config.dump(2) << "\n";
        kill(pidOf(h.pid), SIGHUP);  // discovery changed: the agent reloads it
      }
      if (a != b) h.pid = 0;
    } else {
      adopt(h.pid, h.base, h.config);
    }
    next.emplace(p.id, std::move(h));
  }
  std::vector<Host*> gone = restart;
  for (auto& [id, h] : hosts_)
    if (!next.count(id)) gone.push_back(&h);
  stop(gone);
  hosts_ = std::move(next);
  for (auto& [id, h] : hosts_)
    if (!alive(h))
      if (auto ok = start(h); !ok) return ok;
  return {};
}

void RoleHosts::check() {
  for (auto& [id, h] : hosts_)
    if (!alive(h)) (void)start(h);
}

std::vector<RoleHostStatus> RoleHosts::statuses() const {
  std::vector<RoleHostStatus> out;
  for (const auto& [id, h] : hosts_) {
    RoleHostStatus s{h.plan.id, h.plan.service,  h.plan.name, h.plan.role, h.plan.ip,
                     h.plan.ns, h.base + ".log", "Unknown",   "",          pidOf(h.pid),
                     0};
    const json st = json::parse(readFile(h.base + ".status.json"), nullptr, false);
    if (st.is_object()) {
      s.status = st.value("status", "Unknown");
      s.reason = st.value("reason", "");
      s.restarts = st.value("restarts", 0);
    } else if (s.pid == 0) {
      s.reason = "its guest agent is not running";
    }
    out.push_back(std::move(s));
  }
  return out;
}

void RoleHosts::stopAll() {
  std::vector<Host*> all;
  for (auto& [id, h] : hosts_) all.push_back(&h);
  stop(all);
}

}  // namespace azlb::manager
