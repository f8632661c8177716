#include "emulator/guestagent/role_host.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "emulator/cloudservice/guest_agent.h"
#include "emulator/guestagent/guest_status.h"

extern char** environ;

namespace azlb::guestagent {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t gStop = 0;
volatile std::sig_atomic_t gReload = 0;
void onSignal(int) {
  gStop = 1;
}
void onHangup(int) {
  gReload = 1;
}

struct Task {
  std::string commandLine;
  std::string type;  // simple, background, foreground
};

struct Config {
  std::string id, name, roleDir, entryPoint, statusFile, roleEnvironmentFile;
  bool readyOnStart = false;
  std::vector<Task> tasks;
  std::vector<std::pair<std::string, std::string>> environment;
  std::vector<std::string> notRun;
  json roleEnvironment;
};

bool readConfig(const std::string& path, Config& c, std::string& error) {
  std::ifstream in(path);
  json j = json::parse(in, nullptr, false);
  if (!in || j.is_discarded() || !j.is_object()) {
    error = "cannot read " + path + " as JSON";
    return false;
  }
  try {
    c.id = j.at("id");
    c.name = j.at("name");
    c.roleDir = j.at("roleDir");
    c.entryPoint = j.value("entryPoint", "");
    c.statusFile = j.at("statusFile");
    c.roleEnvironmentFile = j.at("roleEnvironmentFile");
    c.readyOnStart = j.value("setReadyOnProcessStart", false) || c.entryPoint.empty();
    for (const auto& t : j.value("startupTasks", json::array()))
      c.tasks.push_back({t.at("commandLine"), t.value("taskType", "simple")});
    for (const auto& e : j.value("environment", json::array()))
      c.environment.emplace_back(e[0], e[1]);
    c.notRun = j.value("notRun", std::vector<std::string>{});
    c.roleEnvironment = j.value("roleEnvironment", json::object());
  } catch (const json::exception& e) {
    error = path + ": " + e.what();
    return false;
  }
  return true;
}

void writeAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
  }
  std::rename(tmp.c_str(), path.c_str());
}

class RoleHost {
 public:
  explicit RoleHost(Config c) : c_(std::move(c)), status_(c_.readyOnStart) {}
  int run(const std::string& configPath);

 private:
  pid_t spawn(const std::string& commandLine);
  void publish();
  bool runStartupTasks();
  void superviseEntryPoint();
  void serve();
  void stopAll();
  void reloadLoop(const std::string& configPath);
  std::vector<std::string> environment() const;

  Config c_;
  std::mutex mu_;
  GuestStatus status_;
  int restarts_ = 0;
  pid_t entry_ = 0;
  std::vector<pid_t> children_;  // process groups to end on stop
  httplib::Server http_;
};

std::vector<std::string> RoleHost::environment() const {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& [k, v] : c_.environment) env.push_back(k + "=" + v);
  env.push_back("AZLB_ROLE_ENVIRONMENT=" + c_.roleEnvironmentFile);
  return env;
}

/// `/bin/sh -c commandLine` in its own process group, from the role's folder.
pid_t RoleHost::spawn(const std::string& commandLine) {
  std::vector<std::string> env = environment();
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dashC = "-c", cmd = commandLine;
  char* argv[] = {sh.data(), dashC.data(), cmd.data(), nullptr};
  const std::string dir = c_.roleDir;
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    if (chdir(dir.c_str()) != 0) {
      dprintf(2, "azlb role-host: cannot enter the role folder %s\n", dir.c_str());
      _exit(127);
    }
    execve(argv[0], argv, envp.data());
    _exit(127);
  }
  if (pid > 0) {
    setpgid(pid, pid);
    std::lock_guard lock(mu_);
    children_.push_back(pid);
  }
  return pid;
}

void RoleHost::publish() {
  std::lock_guard lock(mu_);
  json j = {{"id", c_.id},
            {"status", toString(status_.effective())},
            {"reason", status_.reason()},
            {"forced", status_.forced() ? json(toString(*status_.forced())) : json(nullptr)},
            {"restarts", restarts_},
            {"entryPointPid", entry_},
            {"notRun", c_.notRun}};
  writeAtomically(c_.statusFile, j.dump() + "\n");
}

/// Waits for `pid` unless a stop is asked; the exit status, or -1 when stopping.
int waitFor(pid_t pid) {
  for (;;) {
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r < 0 || gStop) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// Simple tasks block the next, background and foreground ones do not (a foreground task only
/// keeps the instance from being recycled, which azlb does not do while the agent runs anyway).
bool RoleHost::runStartupTasks() {
  for (std::size_t i = 0; i < c_.tasks.size(); ++i) {
    const Task& t = c_.tasks[i];
    std::printf("azlb role-host: start-up task %zu (%s): %s\n", i + 1, t.type.c_str(),
                t.commandLine.c_str());
    std::fflush(stdout);
    const pid_t pid = spawn(t.commandLine);
    if (t.type != "simple") continue;
    const int code = pid < 0 ? 127 : waitFor(pid);
    if (code == 0) continue;
    if (code < 0) return false;  // stopping
    std::lock_guard lock(mu_);
    status_.setLifecycle(Lifecycle::TaskFailed, "start-up task " + std::to_string(i + 1) + " (" +
                                                    t.commandLine + ") exited with " +
                                                    std::to_string(code));
    return false;
  }
  return true;
}

/// Runs the entry point and restarts it when it exits (1 s, doubling to 30 s; reset after a
/// minute of running), as Azure recycles a role whose entry point returns.
void RoleHost::superviseEntryPoint() {
  auto backoff = std::chrono::seconds(1);
  while (!gStop) {
    const auto started = Clock::now();
    const pid_t pid = spawn(c_.entryPoint);
    {
      std::lock_guard lock(mu_);
      entry_ = pid;
      status_.setWorkload(c_.readyOnStart);
      status_.setLifecycle(Lifecycle::Running);
    }
    publish();
    const int code = waitFor(pid);
    if (code < 0) return;
    {
      std::lock_guard lock(mu_);
      entry_ = 0;
      ++restarts_;
      status_.setLifecycle(Lifecycle::Recycling,
                           "entry point exited with " + std::to_string(code) + "; recycling");
    }
    std::printf("azlb role-host: entry point exited with %d; restarting in %lds\n", code,
                static_cast<long>(backoff.count()));
    std::fflush(stdout);
    publish();
    if (Clock::now() - started > std::chrono::minutes(1)) backoff = std::chrono::seconds(1);
    for (auto until = Clock::now() + backoff; Clock::now() < until && !gStop;)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backoff = std::min(backoff * 2, std::chrono::seconds(30));
  }
}

void RoleHost::serve() {
  using httplib::Request;
  using httplib::Response;
  http_.Get(cloudservice::kHealthPath, [this](const Request&, Response& res) {
    std::lock_guard lock(mu_);
    const Status s = status_.effective();
    res.status = s == Status::Ready ? 200 : 503;
    res.set_content(std::string(toString(s)) + "\n", "text/plain");
  });
  auto status = [this](const Request&, Response& res) {
    std::lock_guard lock(mu_);
    json j = {{"status", toString(status_.effective())},
              {"reason", status_.reason()},
              {"forced", status_.forced() ? json(toString(*status_.forced())) : json(nullptr)}};
    res.set_content(j.dump() + "\n", "application/json");
  };
  http_.Get(cloudservice::kStatusPath, status);
  auto set = [this, status](const Request& req, Response& res) {
    json body = json::parse(req.body, nullptr, false);
    const bool forced = body.is_object() && body.value("forced", false);
    std::optional<Status> want;
    if (body.is_object() && body.contains("status") && body["status"].is_string())
      want = parseSettableStatus(body["status"].get<std::string>());
    if (!body.is_object() || (!want && (forced || body.contains("status")))) {
      res.status = 400;
      res.set_content(R"({"error":"send {\"status\": \"ready\"|\"busy\", \"forced\": true|false}"})"
                      "\n",
                      "application/json");
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (forced)
        status_.force(want);
      else if (want)
        status_.setWorkload(*want == Status::Ready);
      else
        status_.force(std::nullopt);
    }
    publish();
    status(req, res);
  };
  http_.Put(cloudservice::kStatusPath, set);
  http_.Post(cloudservice::kStatusPath, set);
  http_.Get(cloudservice::kRoleEnvironmentPath, [this](const Request&, Response& res) {
    std::lock_guard lock(mu_);
    res.set_content(c_.roleEnvironment.dump(2) + "\n", "application/json");
  });
}

/// SIGTERM to every process group it started, SIGKILL to what is left after 5 s.
void RoleHost::stopAll() {
  std::vector<pid_t> kids;
  {
    std::lock_guard lock(mu_);
    kids = children_;
  }
  for (pid_t p : kids) kill(-p, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline && waitpid(-1, nullptr, WNOHANG) >= 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (pid_t p : kids) kill(-p, SIGKILL);
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

/// SIGHUP: the manager rewrote the configuration because the discovery document changed (an
/// instance came or went); serve and write the new one. Programs keep running.
void RoleHost::reloadLoop(const std::string& configPath) {
  while (!gStop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!gReload) continue;
    gReload = 0;
    Config fresh;
    std::string error;
    if (!readConfig(configPath, fresh, error)) continue;
    std::lock_guard lock(mu_);
    c_.roleEnvironment = fresh.roleEnvironment;
    writeAtomically(c_.roleEnvironmentFile, c_.roleEnvironment.dump(2) + "\n");
  }
}

int RoleHost::run(const std::string& configPath) {
  writeAtomically(c_.roleEnvironmentFile, c_.roleEnvironment.dump(2) + "\n");
  for (const auto& what : c_.notRun)
    std::printf("azlb role-host: not run (Windows-only, azlb cannot run it): %s\n", what.c_str());
  status_.setLifecycle(Lifecycle::Starting, "start-up tasks running");
  publish();
  serve();
  std::thread reloader([this, configPath] { reloadLoop(configPath); });
  std::thread server([this] {
    if (!http_.listen("0.0.0.0", cloudservice::kGuestAgentPort))
      std::fprintf(stderr, "azlb role-host: cannot listen on port %u\n",
                   unsigned{cloudservice::kGuestAgentPort});
  });
  if (runStartupTasks()) {
    if (c_.entryPoint.empty()) {
      {
        std::lock_guard lock(mu_);
        status_.setLifecycle(Lifecycle::Running);
      }
      publish();
      while (!gStop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } else {
      superviseEntryPoint();
    }
  } else {
    publish();  // a failed task: out of rotation, reason in the status
    while (!gStop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  {
    std::lock_guard lock(mu_);
    status_.setLifecycle(Lifecycle::Stopping, "the instance is stopping");
  }
  publish();
  stopAll();
  http_.stop();
  server.join();
  reloader.join();
  return 0;
}

}  // namespace

int runRoleHost(const RoleHostOptions& options) {
  Config c;
  std::string error;
  if (!readConfig(options.config, c, error)) {
    std::fprintf(stderr, "azlb role-host: %s\n", error.c_str());
    return 1;
  }
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);
  std::signal(SIGHUP, onHangup);
  std::signal(SIGPIPE, SIG_IGN);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return RoleHost(std::move(c)).run(options.config);
}

}  // namespace azlb::guestagent
