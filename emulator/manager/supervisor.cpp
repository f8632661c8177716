#include "emulator/manager/supervisor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "emulator/manager/spawn.h"
#include "emulator/routing/bird.h"
#include "emulator/runtime/control_client.h"

namespace azlb::manager {

namespace fs = std::filesystem;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

Supervisor::Supervisor(SupervisorOptions options)
    : opts_(std::move(options)), roleHosts_(opts_.runDir, opts_.binary) {}

/// BIRD in the router namespace (BGP mode): its configuration, socket and log in the run dir.
Supervisor::Proc Supervisor::makeRouterDaemon() const {
  Proc p;
  p.status.kind = "bird";
  p.status.ns = controller::routerNamespace(opts_.plan);
  p.status.socket = birdSocket();
  p.status.log = opts_.runDir + "/bird.log";
  p.pidFile = opts_.runDir + "/bird.pid";
  p.args = {routing::kBirdBinary, "-f", "-c", opts_.runDir + "/bird.conf", "-s", p.status.socket};
  return p;
}

std::string processSocket(const std::string& runDir, const std::string& kind, std::uint32_t index) {
  return runDir + (kind == "mux" ? "/mux-" : "/host-") + std::to_string(index) + ".sock";
}

std::string Supervisor::birdSocket() const {
  return opts_.runDir + "/bird.ctl";
}

Result<void> Supervisor::writeBirdConfig() const {
  const auto& o = opts_.plan;
  routing::BirdConfig c{o.instance, controller::routerAddress(o), o.publicPrefix, {}};
  for (std::uint32_t i = 0; i < o.muxes; ++i) {
    const auto link = controller::muxLink(o, i);
    c.muxes.push_back({link.routerSide, link.muxSide});
  }
  const std::string path = opts_.runDir + "/bird.conf";
  std::ofstream out(path);
  out << routing::renderBirdConfig(c);
  if (!out.flush()) return fail("writing " + path, errno);
  return {};
}

Supervisor::Proc Supervisor::makeProc(const std::string& kind, std::uint32_t index) const {
  const auto& o = opts_.plan;
  const bool mux = kind == "mux";
  const std::string socket = processSocket(opts_.runDir, kind, index);
  const std::string base = socket.substr(0, socket.size() - 5);  // without ".sock"
  Proc p;
  p.status.kind = kind;
  p.status.index = index;
  p.status.ns = mux ? controller::muxNamespace(o, index) : controller::hostNamespace(o, index);
  p.status.socket = socket;
  p.status.log = base + ".log";
  p.pidFile = base + ".pid";
  p.args = {opts_.binary,    kind,    "--index", std::to_string(index), "--socket",
            p.status.socket, "--tun", "tun0"};
  if (mux) {
    const std::string underlay = std::to_string(o.underlayHigh) + "." +
                                 std::to_string(o.underlayLow) + ".4." + std::to_string(index + 1);
    p.args.insert(p.args.end(), {"--underlay", underlay, "--frontend-prefix", o.publicPrefix});
    if (o.bgp) {
      const auto link = controller::muxLink(o, index);
      p.args.insert(p.args.end(), {"--bgp-peer", link.routerSide, "--bgp-local", link.muxSide});
    }
  }
  return p;
}

Result<void> Supervisor::start() {
  std::error_code ec;
  fs::create_directories(opts_.runDir, ec);
  if (ec) return fail("creating run dir " + opts_.runDir + ": " + ec.message());
  if (opts_.plan.bgp) procs_.push_back(makeRouterDaemon());  // first: the MUXes connect to it
  for (std::uint32_t i = 0; i < opts_.plan.muxes; ++i) procs_.push_back(makeProc("mux", i));
  for (std::uint32_t j = 0; j < opts_.plan.hosts; ++j) procs_.push_back(makeProc("host-agent", j));
  // Adopt processes a previous manager started (they keep forwarding across our restart).
  for (auto& p : procs_) {
    pid_t pid = static_cast<pid_t>(std::atoi(readFile(p.pidFile).c_str()));
    if (pid > 0 && kill(pid, 0) == 0 &&
        readFile("/proc/" + std::to_string(pid) + "/cmdline").find(p.status.kind) !=
            std::string::npos)
      p.pid = -pid;  // negative: alive, not our child
  }
  return {};
}

bool Supervisor::alive(Proc& p) {
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

bool Supervisor::checkProcesses() {
  roleHosts_.check();
  bool down = false;
  for (auto& p : procs_)
    if (!alive(p)) {
      if (p.status.kind == "mux") muxesDown_.insert(p.status.index);
      down = true;
    }
  return down;
}

bool Supervisor::readmitMuxes(std::uint64_t version) {
  bool back = false;
  for (auto& p : procs_)
    if (p.status.kind == "mux" && muxesDown_.count(p.status.index) && alive(p) &&
        p.status.ackedVersion == version) {
      muxesDown_.erase(p.status.index);
      back = true;
    }
  return back;
}

Result<void> Supervisor::spawn(Proc& p) {
  if (p.status.kind == "bird")
    if (auto ok = writeBirdConfig(); !ok) return ok;
  auto pid = spawnInNamespace(p.status.ns, p.args, p.status.log);
  if (!pid) return fail(p.status.kind + ": " + pid.error().message());
  p.pid = *pid;
  p.status.ackedVersion = 0;
  std::ofstream(p.pidFile) << *pid << "\n";
  return {};
}

Result<void> Supervisor::push(Proc& p, const runtime::Snapshot& s) {
  if (p.status.ackedVersion == s.version) return {};
  const std::string who = p.status.kind + " " + std::to_string(p.status.index);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto client = runtime::ControlClient::connect(p.status.socket);
    if (client) {
      auto acked = client->sendSnapshot(s);
      if (acked) {
        p.status.ackedVersion = *acked;
        return {};
      }
      if (acked.error().code.value() == EINVAL)
        return fail(who + " rejected snapshot " + std::to_string(s.version) + ": " +
                    acked.error().message());
    }
    if (std::chrono::steady_clock::now() > deadline)
      return fail(who + " did not take its snapshot within 10 s (see " + p.status.log + ")");
    if (!alive(p)) return fail(who + " exited (see " + p.status.log + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<void> Supervisor::pushSnapshots(const controller::Plan& plan) {
  for (auto& p : procs_) {
    if (!alive(p))
      if (auto ok = spawn(p); !ok) return ok;
    if (p.status.kind == "bird") {  // configured by its file, which no snapshot changes
      if (!plan.muxSnapshots.empty()) p.status.ackedVersion = plan.muxSnapshots[0].version;
      continue;
    }
    const auto& snap = p.status.kind == "mux" ? plan.muxSnapshots[p.status.index]
                                              : plan.hostSnapshots[p.status.index];
    if (auto ok = push(p, snap); !ok) return ok;
  }
  return roleHosts_.apply(plan.roleInstances);
}

std::vector<runtime::StatusReport> Supervisor::pollHostAgents() {
  std::vector<runtime::StatusReport> out;
  for (auto& p : procs_) {
    if (p.status.kind != "host-agent" || !alive(p)) continue;
    auto client = runtime::ControlClient::connect(p.status.socket);
    if (!client) continue;
    auto report = client->status(std::chrono::milliseconds(500));
    if (!report) continue;
    out.push_back(std::move(*report));
  }
  return out;
}

std::vector<ProcessStatus> Supervisor::processes() const {
  std::vector<ProcessStatus> out;
  for (const auto& p : procs_) {
    out.push_back(p.status);
    out.back().pid = p.pid < 0 ? -p.pid : p.pid;
  }
  return out;
}

void Supervisor::stopAll() {
  roleHosts_.stopAll();
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
}

}  // namespace azlb::manager
