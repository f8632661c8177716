// `azlb status`, `azlb exec` and `azlb cleanup`: read the manager's status.json, enter a VM's
// namespace, remove everything an instance created.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli/commands/commands.h"
#include "cli/dataplane_paths.h"
#include "emulator/manager/live_status.h"
#include "netns/cleanup.h"
#include "netns/processes.h"

namespace azlb::cli {

using json = nlohmann::json;

namespace {

std::optional<json> readStatus(const std::string& instance) {
  std::ifstream in(runDirFor(instance) + "/status.json");
  if (!in) return std::nullopt;
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

/// Cloud-service role instances: status (Ready, Busy, Starting, Stopping) and why.
void printRoleInstances(const json& st) {
  for (const auto& r : st.value("roleInstances", json::array())) {
    const std::string reason = r.value("reason", "");
    std::printf("  instance   %-16s %-15s %-8s service %s%s\n", r.value("name", "").c_str(),
                r.value("ip", "").c_str(), r.value("status", "").c_str(),
                r.value("service", "").c_str(),
                reason.empty() ? "" : ("  (" + reason + ")").c_str());
  }
}

std::string birdSocketOf(const json& st) {
  for (const auto& p : st.value("processes", json::array()))
    if (p.value("kind", "") == "bird") return p.value("socket", "");
  return "";
}

/// One supervised process and its live counters: packets, flows, every path and drop reason
/// that is not zero, its Fastpath flows, SNAT usage and BGP session.
void printProcess(const json& p) {
  const bool up = p.value("up", false);
  std::printf("  %-10s %u  netns %-14s pid %-7d %s  snapshot %llu\n", p.value("kind", "").c_str(),
              p.value("index", 0U), p.value("namespace", "").c_str(), p.value("pid", 0),
              up ? "up  " : "DOWN", static_cast<unsigned long long>(p.value("snapshot", 0ULL)));
  const json live = p.value("live", json());
  if (!live.is_object()) return;
  std::string line = "rx " + std::to_string(live.value("rx", 0ULL)) + " tx " +
                     std::to_string(live.value("tx", 0ULL)) + " flows " +
                     std::to_string(live.value("flows", 0ULL));
  const json paths = live.value("paths", json::object()),
             drops = live.value("drops", json::object());
  for (const auto& [name, n] : paths.items())
    if (n.get<std::uint64_t>() != 0)
      line += " " + name + " " + std::to_string(n.get<std::uint64_t>());
  for (const auto& [name, n] : drops.items())
    line += " drop:" + name + " " + std::to_string(n.get<std::uint64_t>());
  std::printf("             %s\n", line.c_str());
  if (const std::string bgp = live.value("bgp", ""); !bgp.empty())
    std::printf("             bgp %s\n", bgp.c_str());
  for (const auto& f : live.value("fastpath", json::array()))
    std::printf("             fastpath %s\n", f.get<std::string>().c_str());
  for (const auto& u : live.value("snat", json::array()))
    std::printf(
        "             snat %s via %s: %llu/%llu ports used, %llu connections, %llu failed\n",
        u.value("vm", "").c_str(), u.value("frontend", "").c_str(),
        static_cast<unsigned long long>(u.value("used", 0ULL)),
        static_cast<unsigned long long>(u.value("allocated", 0ULL)),
        static_cast<unsigned long long>(u.value("succeeded", 0ULL)),
        static_cast<unsigned long long>(u.value("failed", 0ULL)));
}

void printRouting(const json& st) {
  const bool bgp = st.value("routing", "static") == "bgp";
  std::printf("  routing:    %s\n",
              bgp ? "bgp: every MUX announces its frontends to BIRD in the router (azlb exec "
                    "router -- birdc show route)"
                  : "static: azlb writes the router's ECMP route over the MUXes");
  for (const auto& s : st.value("bgpSessions", json::array()))
    std::printf("  bgp        %-6s %-6s since %s  %s\n", s.value("name", "").c_str(),
                s.value("state", "").c_str(), s.value("since", "").c_str(),
                s.value("info", "").c_str());
  if (st.contains("bgpError"))
    std::printf("  bgp        BIRD does not answer: %s\n", st.value("bgpError", "").c_str());
  for (const auto& r : st.value("routerRoutes", json::array())) {
    std::string hops;
    for (const auto& h : r.value("nexthops", json::array()))
      hops += (hops.empty() ? "" : ", ") + h.value("via", "") + " (" + h.value("dev", "") + ")";
    std::printf("  route      %-18s via %s\n", r.value("destination", "").c_str(), hops.c_str());
  }
}

/// Network security groups: the mode, and each rule's hits (flows it decided) on every host.
void printSecurity(const json& st) {
  const std::string mode = st.value("nsg", "warn");
  std::printf("  nsg:        %s\n",
              mode == "enforce" ? "enforce: flows Azure's network security groups deny are dropped"
              : mode == "off"
                  ? "off: network security groups are not evaluated"
                  : "warn: flows Azure would drop are let through and logged in the host "
                    "agents' logs (serve --nsg enforce drops them)");
  for (const auto& r : st.value("securityRules", json::array())) {
    const std::string group = r.value("group", "");
    std::printf("  nsg rule   %-20s %-8s %-30s hits %llu\n",
                group.substr(group.rfind('/') + 1).c_str(), r.value("direction", "").c_str(),
                r.value("rule", "").c_str(),
                static_cast<unsigned long long>(r.value("hits", 0ULL)));
  }
}

}  // namespace

int runStatus(const StatusFlags& flags) {
  const std::string& instance = flags.instance;
  auto st = readStatus(instance);
  if (!st) {
    std::fprintf(stderr,
                 "azlb status: no data plane for instance %s (%s/status.json missing; is `azlb "
                 "serve` running as root?)\n",
                 instance.c_str(), runDirFor(instance).c_str());
    return 1;
  }
  manager::addLiveStatus(*st);
  if (flags.json) {
    std::puts(st->dump(2).c_str());
    return 0;
  }
  std::printf("data plane of instance %s (snapshot %llu)\n", instance.c_str(),
              static_cast<unsigned long long>(st->value("version", 0ULL)));
  std::printf("  your shell: %s %s -> router %s (frontends %s)\n",
              st->value("rootLink", "").c_str(), st->value("rootAddress", "").c_str(),
              st->value("router", "").c_str(), st->value("publicPrefix", "").c_str());
  std::printf("  internet:   %s owns %s (azlb exec internet -- CMD)\n",
              st->value("internet", "").c_str(), st->value("internetPrefix", "").c_str());
  // A failing reconcile: why, and when the manager tries again (it backs off,
  // emulator/manager/backoff.h).
  const json reconcile = st->value("reconcile", json::object());
  if (reconcile.value("state", "ok") != "ok")
    std::printf(
        "  RETRYING   the data plane is not up to date: %u failed attempt(s), last: %s\n"
        "             next retry at %s (waiting %lld ms)\n",
        reconcile.value("failures", 0U), reconcile.value("lastError", "").c_str(),
        reconcile.value("nextRetryAt", "").c_str(), reconcile.value("retryDelayMs", 0LL));
  printRouting(*st);
  printSecurity(*st);
  for (const auto& p : st->value("processes", json::array())) printProcess(p);
  for (const auto& r : st->value("rules", json::array()))
    std::printf("  rule       %s -> %zu backend(s)   %s\n", r.value("frontend", "").c_str(),
                r.value("backends", size_t{0}), r.value("name", "").c_str());
  for (const auto& vm : st->value("vms", json::array())) {
    std::string ips;
    for (const auto& ip : vm.value("ips", json::array()))
      ips += (ips.empty() ? "" : ",") + ip.get<std::string>();
    std::printf("  vm         %-16s %-15s vnet %-10s host %u  netns %s  underlay %s\n",
                vm.value("name", "").c_str(), ips.c_str(), vm.value("vnet", "").c_str(),
                vm.value("host", 0U), vm.value("namespace", "").c_str(),
                vm.value("underlay", "").c_str());
  }
  // Outbound: Azure's precedence decided per VM (ARCHITECTURE §3).
  for (const auto& o : st->value("outbound", json::array())) {
    std::string from;
    for (const auto& a : o.value("publicIps", json::array()))
      from += (from.empty() ? "" : ",") + a.get<std::string>();
    const unsigned ports = o.value("ports", 0U);
    std::printf("  outbound   %-16s %-15s %s%s%s%s  (%s)\n", o.value("vm", "").c_str(),
                o.value("ip", "").c_str(), o.value("kind", "").c_str(),
                from.empty() ? "" : (" from " + from).c_str(),
                ports ? (", " + std::to_string(ports) + " ports").c_str() : "",
                o.value("kind", "") == "None" ? "" : (", " + o.value("protocol", "All")).c_str(),
                o.value("reason", "").c_str());
  }
  printRoleInstances(*st);
  for (const auto& p : st->value("probes", json::array())) {
    std::string detail = p.value("detail", "");
    std::printf("  probe      %-15s %-4s %s%s  %s\n", p.value("ip", "").c_str(),
                p.value("up", false) ? "up" : "DOWN", p.value("outcome", "").c_str(),
                detail.empty() ? "" : (" (" + detail + ")").c_str(), p.value("probe", "").c_str());
  }
  const json errors =
      st->value("loadBalancerErrors", json::object());  // named: items() of a temporary dangles
  for (const auto& [lb, why] : errors.items())
    std::printf("  FAILED     %s: %s\n", lb.c_str(), why.get<std::string>().c_str());
  return 0;
}

int runExec(const ExecFlags& flags) {
  const std::string& instance = flags.instance;
  auto st = readStatus(instance);
  if (!st) {
    std::fprintf(stderr, "azlb exec: no data plane for instance %s\n", instance.c_str());
    return 1;
  }
  const std::string& want = flags.vm;
  std::string ns;
  int matches = 0;
  // The two fabric namespaces a user may enter by name: "the internet" (its test servers) and
  // the router.
  const bool fabric = want == "internet" || want == "router";
  if (fabric) {
    ns = st->value(want, "");
    matches = ns.empty() ? 0 : 1;
  }
  for (const auto& vm : fabric ? json::array() : st->value("vms", json::array())) {
    bool hit = vm.value("name", "") == want || vm.value("namespace", "") == want ||
               vm.value("id", "") == want;
    for (const auto& ip : vm.value("ips", json::array()))
      hit = hit || ip.get<std::string>() == want;
    if (hit) {
      ns = vm.value("namespace", "");
      ++matches;
    }
  }
  if (matches != 1) {
    std::fprintf(stderr, "azlb exec: %s VM matches '%s' (see `azlb status`)\n",
                 matches == 0 ? "no" : "more than one", want.c_str());
    return 1;
  }
  int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
    std::perror(("azlb exec: entering netns " + ns).c_str());
    return 1;
  }
  std::vector<std::string> command = flags.command;
  // `azlb exec router -- birdc ...` talks to this instance's BIRD (its socket is in the run dir).
  const bool birdc = command[0] == "birdc" || command[0] == "birdcl";
  if (want == "router" && birdc && std::find(command.begin(), command.end(), "-s") == command.end())
    command.insert(command.begin() + 1, {"-s", birdSocketOf(*st)});
  std::vector<char*> av;
  for (auto& a : command) av.push_back(a.data());
  av.push_back(nullptr);
  execvp(av[0], av.data());
  std::perror(("azlb exec: " + command[0]).c_str());
  return 127;
}

int runCleanup(const CleanupFlags& flags) {
  const std::string& prefix = flags.prefix;
  std::optional<std::string> instance;
  if (!flags.all) instance = flags.instance;
  // Stop the processes first (by the pids the manager recorded), then the namespaces.
  std::vector<std::string> runDirs;
  if (instance)
    runDirs.push_back(runDirFor(*instance));
  else if (std::filesystem::exists("/run/azlb"))
    for (const auto& e : std::filesystem::directory_iterator("/run/azlb"))
      runDirs.push_back(e.path());
  int stopped = 0;
  for (const auto& dir : runDirs) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".pid") continue;
      std::ifstream in(e.path());
      pid_t pid = 0;
      in >> pid;
      std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(cmd)), {});
      if (pid > 1 && cmdline.find("azlb") != std::string::npos && kill(pid, SIGTERM) == 0)
        ++stopped;
    }
  }
  // Workloads inside our namespaces end with them.
  netns::killProcessesInNamespaces(
      prefix, instance ? std::optional<std::string_view>(*instance) : std::nullopt);
  auto report =
      netns::cleanup(prefix, instance ? std::optional<std::string_view>(*instance) : std::nullopt);
  if (!report) {
    std::fprintf(stderr, "azlb cleanup: %s\n", report.error().message().c_str());
    return 1;
  }
  for (const auto& dir : runDirs) std::filesystem::remove_all(dir);
  std::printf("azlb cleanup: stopped %d process(es), removed %zu namespace(s) and %zu link(s)\n",
              stopped, report->namespaces.size(), report->links.size());
  for (const auto& f : report->failures)
    std::fprintf(stderr, "  could not remove: %s\n", f.message().c_str());
  return report->failures.empty() ? 0 : 1;
}

}  // namespace azlb::cli
