#include "emulator/manager/reporting.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "arm-api/common/resource_id.h"
#include "emulator/controller/rule_health.h"

namespace azlb::manager {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

json probeList(const controller::Plan& plan,
               const std::map<std::string, runtime::ProbeReport>& reports) {
  json probes = json::array();
  for (const auto& pl : plan.probes) {
    auto r = reports.find(pl.key);
    const bool up = r != reports.end() && r->second.up;
    probes.push_back({{"key", pl.key},
                      {"loadBalancer", pl.loadBalancer},
                      {"probe", pl.probe},
                      {"backend", pl.backend},
                      {"ip", pl.ip},
                      {"host", pl.host},
                      {"up", up},
                      {"inRotation", pl.up},
                      {"outcome", r != reports.end() ? r->second.outcome : ""},
                      {"detail", r != reports.end() ? r->second.detail : "not probed yet"}});
  }
  return probes;
}

/// Wall-clock ISO 8601 (UTC) of a steady time point, given the steady `now`.
std::string wallClock(Backoff::TimePoint at, Backoff::TimePoint now) {
  auto wall = std::chrono::system_clock::now() +
              std::chrono::duration_cast<std::chrono::system_clock::duration>(at - now);
  std::time_t t = std::chrono::system_clock::to_time_t(wall);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json retryJson(const RetryStatus& r, Backoff::TimePoint now) {
  if (r.failures == 0) return {{"state", "ok"}, {"failures", 0}};
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(r.nextRetry - now);
  return {{"state", "retrying"},
          {"failures", r.failures},
          {"lastError", r.lastError},
          {"retryDelayMs", r.delay.count()},
          {"nextRetryInMs", left.count() > 0 ? left.count() : 0},
          {"nextRetryAt", wallClock(r.nextRetry, now)}};
}

}  // namespace

bool Reporter::mergeProbeReports(const std::vector<runtime::ProbeReport>& reports) {
  bool changed = false;
  for (const auto& probe : reports) {
    auto& known = probeReports_[probe.key];
    if (known.up != probe.up || known.outcome != probe.outcome || known.detail != probe.detail)
      changed = true;
    known = probe;
  }
  return changed;
}

bool Reporter::mergeSnatReports(std::vector<runtime::SnatReport> reports) {
  auto key = [](const runtime::SnatReport& r) {
    return std::tie(r.vm, r.frontend, r.kind, r.allocated, r.used, r.succeeded, r.failed);
  };
  const bool same = reports.size() == snatReports_.size() &&
                    std::equal(reports.begin(), reports.end(), snatReports_.begin(),
                               [&](const auto& a, const auto& b) { return key(a) == key(b); });
  snatReports_ = std::move(reports);
  return !same;
}

bool Reporter::mergeTrafficReports(std::uint32_t host,
                                   std::vector<runtime::TrafficReport> reports) {
  auto key = [](const runtime::TrafficReport& t) {
    return std::tie(t.frontend, t.port, t.protocol, t.inPackets, t.inBytes, t.outPackets,
                    t.outBytes, t.syn);
  };
  auto& mine = traffic_[host];
  const bool same = reports.size() == mine.size() &&
                    std::equal(reports.begin(), reports.end(), mine.begin(),
                               [&](const auto& a, const auto& b) { return key(a) == key(b); });
  mine = std::move(reports);
  return !same;
}

bool Reporter::differsFrom(const controller::Plan& plan) const {
  for (const auto& pl : plan.probes) {
    auto r = probeReports_.find(pl.key);
    if ((r != probeReports_.end() && r->second.up) != pl.up) return true;
  }
  return false;
}

std::map<std::string, bool> Reporter::probeUp() const {
  std::map<std::string, bool> out;
  for (const auto& [key, report] : probeReports_) out[key] = report.up;
  return out;
}

namespace {

/// Azure Monitor's SNAT metrics per (backend IP, frontend IP).
std::string snatMetrics(const std::vector<runtime::SnatReport>& snat) {
  std::string count =
      "# HELP azlb_snat_connection_count New outbound flows per backend and frontend (Azure "
      "Monitor SnatConnectionCount); failed: no free SNAT port.\n"
      "# TYPE azlb_snat_connection_count counter\n";
  std::string allocated =
      "# HELP azlb_allocated_snat_ports SNAT ports allocated per backend and frontend (Azure "
      "Monitor AllocatedSnatPorts).\n"
      "# TYPE azlb_allocated_snat_ports gauge\n";
  std::string used =
      "# HELP azlb_used_snat_ports SNAT ports in use per backend and frontend (Azure Monitor "
      "UsedSnatPorts).\n"
      "# TYPE azlb_used_snat_ports gauge\n";
  for (const auto& r : snat) {
    const std::string labels = "backend_ip_address=\"" + label(r.vm) + "\",frontend_ip_address=\"" +
                               label(r.frontend) + "\",outbound=\"" + label(r.kind) + "\"";
    count += "azlb_snat_connection_count{connection_state=\"succeeded\"," + labels + "} " +
             std::to_string(r.succeeded) + "\n";
    count += "azlb_snat_connection_count{connection_state=\"failed\"," + labels + "} " +
             std::to_string(r.failed) + "\n";
    allocated += "azlb_allocated_snat_ports{" + labels + "} " + std::to_string(r.allocated) + "\n";
    used += "azlb_used_snat_ports{" + labels + "} " + std::to_string(r.used) + "\n";
  }
  return count + allocated + used;
}

/// Azure Monitor's ByteCount, PacketCount and SYNCount per frontend (IP, port) and direction,
/// summed over the host agents.
std::string trafficMetrics(
    const std::map<std::uint32_t, std::vector<runtime::TrafficReport>>& hosts) {
  std::map<std::tuple<std::string, std::uint16_t, std::string>, runtime::TrafficReport> sum;
  for (const auto& [host, rows] : hosts)
    for (const auto& t : rows) {
      auto& s = sum[{t.frontend, t.port, t.protocol}];
      s.inPackets += t.inPackets;
      s.inBytes += t.inBytes;
      s.outPackets += t.outPackets;
      s.outBytes += t.outBytes;
      s.syn += t.syn;
    }
  std::string bytes =
      "# HELP azlb_byte_count Bytes through a frontend (Azure Monitor ByteCount), by direction.\n"
      "# TYPE azlb_byte_count counter\n";
  std::string packets =
      "# HELP azlb_packet_count Packets through a frontend (Azure Monitor PacketCount), by "
      "direction; a TCP superpacket counts as its segments.\n"
      "# TYPE azlb_packet_count counter\n";
  std::string syns =
      "# HELP azlb_syn_count TCP SYN packets received by a frontend (Azure Monitor SYNCount).\n"
      "# TYPE azlb_syn_count counter\n";
  for (const auto& [k, t] : sum) {
    const auto& [ip, port, protocol] = k;
    const std::string labels = "frontend_ip_address=\"" + label(ip) + "\",frontend_port=\"" +
                               std::to_string(port) + "\",protocol=\"" + label(protocol) + "\"";
    for (const auto& [dir, b, p] : {std::tuple{"Inbound", t.inBytes, t.inPackets},
                                    std::tuple{"Outbound", t.outBytes, t.outPackets}}) {
      bytes +=
          "azlb_byte_count{" + labels + ",direction=\"" + dir + "\"} " + std::to_string(b) + "\n";
      packets +=
          "azlb_packet_count{" + labels + ",direction=\"" + dir + "\"} " + std::to_string(p) + "\n";
    }
    syns += "azlb_syn_count{" + labels + ",direction=\"Inbound\"} " + std::to_string(t.syn) + "\n";
  }
  return bytes + packets + syns;
}

}  // namespace

std::string metricsFor(const controller::Plan& plan,
                       const std::map<std::string, runtime::ProbeReport>& reports,
                       const std::vector<runtime::SnatReport>& snat) {
  std::string text =
      "# HELP azlb_dip_availability Health probe status per backend (Azure Monitor "
      "DipAvailability): 100 up, 0 down.\n"
      "# TYPE azlb_dip_availability gauge\n";
  for (const auto& pl : plan.probes) {
    auto r = reports.find(pl.key);
    const bool up = r != reports.end() && r->second.up;
    text += "azlb_dip_availability{load_balancer=\"" + label(pl.loadBalancer) + "\",probe=\"" +
            label(pl.probe) + "\",backend=\"" + label(pl.backend) + "\",backend_ip_address=\"" +
            pl.ip + "\"} " + (up ? "100" : "0") + "\n";
  }
  text +=
      "# HELP azlb_vip_availability Data path availability per frontend (Azure Monitor "
      "VipAvailability): 100 when at least one backend is in rotation.\n"
      "# TYPE azlb_vip_availability gauge\n";
  if (!plan.muxSnapshots.empty())
    for (const auto& r : plan.muxSnapshots[0].forwarding.rules) {
      bool any = false;
      for (const auto& b : r.backends) any = any || b.healthy;
      text += "azlb_vip_availability{rule=\"" + label(r.name) + "\",frontend_ip_address=\"" +
              r.frontendIp.toString() + "\",frontend_port=\"" + std::to_string(r.frontendPort) +
              "\"} " + (any ? "100" : "0") + "\n";
    }
  return text + snatMetrics(snat);
}

void Reporter::publish(const controller::Plan& plan) {
  json probes = probeList(plan, probeReports_);
  std::string text = metricsFor(plan, probeReports_, snatReports_) + trafficMetrics(traffic_);
  std::map<std::string, controller::ProbeObservation> seen;
  for (const auto& [key, report] : probeReports_) seen[key] = {report.up, report.outcome};
  std::map<std::string, json> health;
  for (const auto& rh : plan.ruleHealth)
    health[armapi::toLower(rh.rule)] = controller::ruleHealthStatus(rh, seen);
  std::lock_guard lk(mu_);
  probeStatus_ = std::move(probes);
  metrics_ = std::move(text);
  ruleHealth_ = std::move(health);
}

json Reporter::ruleHealth(const std::string& ruleId) const {
  std::lock_guard lk(mu_);
  auto it = ruleHealth_.find(armapi::toLower(ruleId));
  return it == ruleHealth_.end() ? json() : it->second;
}

json Reporter::probeStatus() const {
  std::lock_guard lk(mu_);
  return json{{"probes", probeStatus_}, {"dataPlane", true}};
}

std::string Reporter::metricsText() const {
  std::lock_guard lk(mu_);
  return metrics_;
}

json Reporter::statusJson(const StatusInputs& in) const {
  static const controller::Plan kNoPlan;
  static const controller::PlanOptions kDefaults;
  const auto& plan = in.plan ? *in.plan : kNoPlan;
  const auto& options = in.options ? *in.options : kDefaults;
  json vms = json::array();
  for (const auto& vm : plan.vms)
    vms.push_back({{"name", vm.name},
                   {"id", vm.id},
                   {"ips", vm.ips},
                   {"namespace", vm.ns},
                   {"host", vm.host},
                   {"underlay", vm.underlay},
                   {"vnet", vm.vnetName},
                   {"hostNamespace", vm.hostNs}});
  json procs = json::array();
  for (const auto& p : in.processes)
    procs.push_back({{"kind", p.kind},
                     {"index", p.index},
                     {"namespace", p.ns},
                     {"pid", p.pid},
                     {"socket", p.socket},
                     {"log", p.log},
                     {"snapshot", p.ackedVersion}});
  json instances = json::array();
  for (const auto& r : in.roleInstances)
    instances.push_back({{"id", r.id},
                         {"service", r.service},
                         {"name", r.name},
                         {"role", r.role},
                         {"ip", r.ip},
                         {"namespace", r.ns},
                         {"status", r.status},
                         {"reason", r.reason},
                         {"pid", r.pid},
                         {"restarts", r.restarts},
                         {"log", r.log}});
  json rules = json::array();
  if (!plan.muxSnapshots.empty())
    for (const auto& r : plan.muxSnapshots[0].forwarding.rules) {
      json members = json::array();
      for (const auto& b : r.backends) {
        auto vm = std::find_if(plan.vms.begin(), plan.vms.end(),
                               [&](const controller::VmPlan& v) { return v.id == b.id; });
        members.push_back({{"id", b.id},
                           {"vm", vm == plan.vms.end() ? b.id : vm->name},
                           {"ip", b.ip.toString()},
                           {"healthy", b.healthy}});
      }
      rules.push_back({{"name", r.name},
                       {"frontend", r.frontendIp.toString() + ":" + std::to_string(r.frontendPort)},
                       {"backends", r.backends.size()},
                       {"members", members}});
    }
  json outbound = json::array();
  for (const auto& o : plan.outbound)
    outbound.push_back({{"vm", o.name},
                        {"id", o.vm},
                        {"ip", o.ip},
                        {"kind", o.kind},
                        {"via", o.via},
                        {"reason", o.reason},
                        {"publicIps", o.publicIps},
                        {"protocol", o.protocol},
                        {"ports", o.ports},
                        {"portRanges", o.portRanges}});
  return {{"version", in.version},
          {"router", controller::routerNamespace(options)},
          {"rootLink", plan.rootLink},
          {"rootAddress", plan.rootAddress},
          {"publicPrefix", options.publicPrefix},
          {"internet", plan.internetNamespace},
          {"internetPrefix", options.internetPrefix},
          {"routing", options.bgp ? "bgp" : "static"},
          {"nsg", runtime::nsgModeName(options.nsgMode)},
          {"muxesDown", in.muxesDown},
          {"processes", procs},
          {"rules", rules},
          {"loadBalancerErrors", plan.loadBalancerErrors},
          {"probeTimeScale", options.probeTimeScale},
          {"idleTimeoutScale", options.idleTimeoutScale},
          {"probes", probeStatus()["probes"]},
          {"vms", vms},
          {"outbound", outbound},
          {"roleInstances", instances},
          {"reconcile", retryJson(in.retry, in.now)}};
}

void writeStatusFile(const std::string& runDir, const json& status) {
  std::string tmp = runDir + "/status.json.tmp";
  std::ofstream(tmp) << status.dump(2) << "\n";
  std::error_code ec;
  fs::rename(tmp, runDir + "/status.json", ec);
}

}  // namespace azlb::manager
