// `azlb import` and `azlb cloud-service`: a .csdef/.cscfg into a running azlb through its API
// (Microsoft.Compute/cloudServices, like any client), and the service's day-to-day: list, show
// (azlb's summary, GET /azlb/cloud-services/NAME), delete, VIP swap, an instance's forced status
// through its guest agent, and the instances' logs.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/commands/api_client.h"
#include "cli/commands/commands.h"
#include "cli/dataplane_paths.h"
#include "emulator/cloudservice/guest_agent.h"
#include "emulator/cloudservice/validate.h"

namespace azlb::cli {

namespace {

constexpr const char* kComputeVersion = "?api-version=2022-09-04";
constexpr const char* kNetworkVersion = "?api-version=2022-05-01";
constexpr const char* kGroupVersion = "?api-version=2021-04-01";
constexpr auto kOperationLimit = std::chrono::seconds(120);

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int failWith(const char* who, const std::string& message, int code = 1) {
  std::fprintf(stderr, "azlb %s: %s\n", who, message.c_str());
  return code;
}

std::string groupPath(const std::string& group) {
  return subscriptionPath() + "/resourceGroups/" + group;
}

/// The csdef (and cscfg) read and validated here, before anything is created.
struct LocalService {
  std::string definitionPath;
  std::string configuration;  // "" = none given
  cloudservice::Deployment deployment;
};

Result<LocalService> validateLocally(const ImportFlags& f) {
  LocalService out;
  out.definitionPath = std::filesystem::absolute(f.definition).lexically_normal().string();
  auto definition = readFile(f.definition);
  if (!definition) return fail(f.definition + ": cannot be read");
  if (!f.configuration.empty()) {
    auto cfg = readFile(f.configuration);
    if (!cfg) return fail(f.configuration + ": cannot be read");
    out.configuration = *cfg;
  }
  auto d = cloudservice::deployTexts(
      {.definition = *definition,
       .definitionFile = f.definition,
       .configuration = out.configuration,
       .configurationFile = f.configuration.empty() ? "(default)" : f.configuration,
       .capacities = {}});
  if (!d) return unexpected(d.error());
  out.deployment = std::move(*d);
  return out;
}

json serviceBody(const ImportFlags& f, const LocalService& local, const std::string& pipId,
                 const std::string& productionId) {
  json props = {
      {"packageUrl", local.definitionPath},
      {"networkProfile",
       {{"loadBalancerConfigurations",
         {{{"name", "lb"},
           {"properties",
            {{"frontendIpConfigurations",
              {{{"name", "vip"}, {"properties", {{"publicIPAddress", {{"id", pipId}}}}}}}}}}}}}}},
      {"azlb", {{"slot", f.slot == "staging" ? "Staging" : "Production"}}}};
  if (!local.configuration.empty()) props["configuration"] = local.configuration;
  if (!productionId.empty())
    props["networkProfile"]["swappableCloudService"] = {{"id", productionId}};
  if (!f.appRoot.empty())
    props["azlb"]["appRoot"] = std::filesystem::absolute(f.appRoot).lexically_normal().string();
  return {{"location", "westus"}, {"properties", props}};
}

/// The group and the service's public IP, made when missing.
Result<std::string> ensureGroupAndIp(ApiClient& api, const std::string& group,
                                     const std::string& pipName) {
  const std::string g = groupPath(group);
  if (api.get(g + kGroupVersion).status != 200) {
    auto a = api.put(g + kGroupVersion, {{"location", "westus"}});
    if (a.status >= 300 || a.status == 0)
      return fail("resource group " + group + ": " + a.errorMessage());
  }
  const std::string pip = g + "/providers/Microsoft.Network/publicIPAddresses/" + pipName;
  if (api.get(pip + kNetworkVersion).status != 200) {
    auto a =
        api.put(pip + kNetworkVersion, {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
    if (a.status >= 300 || a.status == 0)
      return fail("public IP " + pipName + ": " + a.errorMessage());
  }
  return pip;
}

/// Every instance Ready and every probed backend of the service in rotation.
bool serviceUp(ApiClient& api, const std::string& name, const std::string& group,
               const std::string& id) {
  const ApiAnswer s = api.get("/azlb/cloud-services/" + name + "?resourceGroup=" + group);
  if (s.status != 200 || !s.body.is_object()) return false;
  const json& instances = s.body["instances"];
  if (instances.empty()) return false;
  for (const auto& i : instances)
    if (i.value("status", "") != "Ready") return false;
  const ApiAnswer p = api.get("/azlb/probes");
  if (!p.body.is_object()) return false;
  for (const auto& probe : p.body.value("probes", json::array()))
    if (probe.value("loadBalancer", "").rfind(id + "/", 0) == 0 &&
        !probe.value("inRotation", false))
      return false;
  return true;
}

void printSummary(const json& s) {
  std::printf("cloud service %s (%s, resource group %s)\n", s.value("name", "").c_str(),
              s.value("slot", "").c_str(), s.value("resourceGroup", "").c_str());
  auto ip = [](const json& v) { return v.is_string() ? v.get<std::string>() : std::string("-"); };
  std::printf("  vip %s   staging vip %s\n", ip(s["vip"]).c_str(), ip(s["stagingVip"]).c_str());
  for (const auto& i : s.value("instances", json::array())) {
    const std::string reason = i.value("reason", "");
    std::printf("  instance  %-16s %-15s %-8s%s\n", i.value("name", "").c_str(),
                ip(i["ip"]).c_str(), i.value("status", "").c_str(),
                reason.empty() ? "" : ("  (" + reason + ")").c_str());
  }
  for (const auto& e : s.value("endpoints", json::array())) {
    const std::string pub = e["publicPort"].is_number()
                                ? ":" + std::to_string(e["publicPort"].get<int>())
                                : " (internal)";
    std::printf("  endpoint  %-20s %-6s %-5s %-12s -> %s:%d%s\n", e.value("name", "").c_str(),
                e.value("role", "").c_str(), e.value("protocol", "").c_str(), pub.c_str(),
                e.value("instance", std::string("each")).c_str(), e.value("localPort", 0),
                e.value("kind", "") == "InstanceInputEndpoint" ? " (instance input)" : "");
  }
  for (const auto& n : s.value("notRun", json::array()))
    std::printf("  not run   %s\n", n.get<std::string>().c_str());
  for (const auto& u : s.value("unknownElements", json::array()))
    std::printf("  kept, not understood: %s\n", u.get<std::string>().c_str());
}

std::string summaryPath(const CloudServiceFlags& f, const std::string& name) {
  return "/azlb/cloud-services/" + name +
         (f.resourceGroup.empty() ? "" : "?resourceGroup=" + f.resourceGroup);
}

int listServices(ApiClient& api, const CloudServiceFlags& f) {
  const ApiAnswer a = api.get("/azlb/cloud-services" +
                              (f.resourceGroup.empty() ? "" : "?resourceGroup=" + f.resourceGroup));
  if (a.status != 200) return failWith("cloud-service", a.errorMessage());
  if (f.json) {
    std::printf("%s\n", a.body.dump(2).c_str());
    return 0;
  }
  std::printf("%-24s %-16s %-10s %-15s %s\n", "NAME", "GROUP", "SLOT", "VIP", "READY");
  for (const auto& s : a.body.value("value", json::array())) {
    int ready = 0, all = 0;
    for (const auto& i : s.value("instances", json::array()))
      ready += i.value("status", "") == "Ready", ++all;
    const json& vip = s.value("slot", "") == "Production" ? s["vip"] : s["stagingVip"];
    std::printf("%-24s %-16s %-10s %-15s %d/%d\n", s.value("name", "").c_str(),
                s.value("resourceGroup", "").c_str(), s.value("slot", "").c_str(),
                vip.is_string() ? vip.get<std::string>().c_str() : "-", ready, all);
  }
  return 0;
}

/// DELETE the service, then the public IP `azlb import` made for it (<name>-vip) when no longer
/// used.
int deleteService(ApiClient& api, const json& summary) {
  const std::string id = summary.value("id", "");
  const ApiAnswer a = api.del(id + kComputeVersion);
  if (a.status >= 300 || a.status == 0) return failWith("cloud-service", a.errorMessage());
  if (const std::string done = api.await(a, kOperationLimit); done != "Succeeded")
    return failWith("cloud-service", "deleting " + id + ": " + done);
  const std::string pip = groupPath(summary.value("resourceGroup", "")) +
                          "/providers/Microsoft.Network/publicIPAddresses/" +
                          summary.value("name", "") + "-vip";
  if (api.get(pip + kNetworkVersion).status == 200) {
    const ApiAnswer d = api.del(pip + kNetworkVersion);
    if (d.status < 300) api.await(d, kOperationLimit);
  }
  std::printf("deleted %s\n", summary.value("name", "").c_str());
  return 0;
}

/// Asks for the slot the service is not in: azlb exchanges its VIP with its partner's.
int swapService(ApiClient& api, const json& summary, const CloudServiceFlags& f) {
  const std::string want = summary.value("slot", "") == "Production" ? "Staging" : "Production";
  const ApiAnswer a =
      api.put(summary.value("id", "") +
                  "/providers/Microsoft.Network/cloudServiceSlots/swap?api-version=2023-09-01",
              {{"properties", {{"slotType", want}}}});
  if (a.status >= 300 || a.status == 0) return failWith("cloud-service", a.errorMessage());
  if (const std::string done = api.await(a, kOperationLimit); done != "Succeeded")
    return failWith("cloud-service", "swap: " + done);
  const ApiAnswer after = api.get(summaryPath(f, summary.value("name", "")));
  if (after.body.is_object()) printSummary(after.body);
  return 0;
}

/// The role instances of service `name` in the azlb instance's status.json.
Result<std::vector<json>> roleInstancesOf(const CloudServiceFlags& f, const std::string& name) {
  std::ifstream in(runDirFor(f.instance) + "/status.json");
  const json st = in ? json::parse(in, nullptr, false) : json();
  if (!st.is_object())
    return fail("no data plane status in " + runDirFor(f.instance) +
                " (is azlb serve running as root, --instance " + f.instance + "?)");
  std::vector<json> out;
  for (const auto& r : st.value("roleInstances", json::array()))
    if (r.value("service", "") == name) out.push_back(r);
  if (out.empty())
    return fail("cloud service " + name + " has no running instance in azlb instance " +
                f.instance);
  return out;
}

/// PUT the guest agent's status from inside the instance's namespace (root, like azlb exec).
Result<std::string> putStatusIn(const std::string& ns, const json& body) {
  Result<std::string> out = fail("could not enter namespace " + ns);
  std::thread t([&] {
    const int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      if (fd >= 0) close(fd);
      return;
    }
    close(fd);
    httplib::Client c("127.0.0.1", cloudservice::kGuestAgentPort);
    c.set_connection_timeout(3, 0);
    auto r = c.Put(cloudservice::kStatusPath, body.dump(), "application/json");
    out = r && r->status == 200 ? Result<std::string>(r->body)
                                : fail("the guest agent did not answer in " + ns);
  });
  t.join();
  return out;
}

int setInstanceStatus(const CloudServiceFlags& f) {
  auto all = roleInstancesOf(f, f.args[0]);
  if (!all) return failWith("cloud-service", all.error().message());
  for (const auto& r : *all) {
    if (r.value("name", "") != f.args[1]) continue;
    const std::string& state = f.args[2];
    const json body =
        state == "auto" ? json{{"forced", false}} : json{{"status", state}, {"forced", true}};
    auto answer = putStatusIn(r.value("namespace", ""), body);
    if (!answer) return failWith("cloud-service", answer.error().message());
    const json now = json::parse(*answer, nullptr, false);
    std::printf("%s: %s\n", f.args[1].c_str(),
                now.is_object() ? now.value("status", "").c_str() : answer->c_str());
    return 0;
  }
  return failWith("cloud-service", f.args[0] + " has no instance " + f.args[1]);
}

int showLogs(const CloudServiceFlags& f) {
  auto all = roleInstancesOf(f, f.args[0]);
  if (!all) return failWith("cloud-service", all.error().message());
  bool any = false;
  for (const auto& r : *all) {
    if (f.args.size() > 1 && r.value("name", "") != f.args[1]) continue;
    any = true;
    std::vector<std::string> lines;
    std::ifstream in(r.value("log", ""));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    const std::size_t from =
        f.tail > 0 && lines.size() > static_cast<std::size_t>(f.tail) ? lines.size() - f.tail : 0;
    std::printf("==> %s (%s) <==\n", r.value("name", "").c_str(), r.value("log", "").c_str());
    for (std::size_t i = from; i < lines.size(); ++i) std::printf("%s\n", lines[i].c_str());
  }
  return any ? 0 : failWith("cloud-service", f.args[0] + " has no instance " + f.args[1]);
}

}  // namespace

int runCloudService(const CloudServiceFlags& f) {
  if (f.action == "instance") return setInstanceStatus(f);
  if (f.action == "logs") return showLogs(f);
  auto api = ApiClient::connect(f.port, f.dataDir);
  if (!api) return failWith("cloud-service", api.error().message());
  if (f.action == "list") return listServices(*api, f);
  const ApiAnswer s = api->get(summaryPath(f, f.args[0]));
  if (s.status != 200 || !s.body.is_object()) return failWith("cloud-service", s.errorMessage());
  if (f.action == "delete") return deleteService(*api, s.body);
  if (f.action == "swap") return swapService(*api, s.body, f);
  if (f.json)
    std::printf("%s\n", s.body.dump(2).c_str());
  else
    printSummary(s.body);
  return 0;
}

int runImport(const ImportFlags& f) {
  auto local = validateLocally(f);
  if (!local) return failWith("import", local.error().message(), kUsageError);
  std::string name = f.name.empty() ? local->deployment.definition.name : f.name;
  const std::string production =
      groupPath(f.resourceGroup) + "/providers/Microsoft.Compute/cloudServices/" + name;
  if (f.slot == "staging") name += "-staging";
  auto api = ApiClient::connect(f.port, f.dataDir);
  if (!api) return failWith("import", api.error().message());
  if (f.slot == "staging" && api->get(production + kComputeVersion).status != 200)
    return failWith("import", "a staging deployment swaps with its production one: import " +
                                  name.substr(0, name.size() - 8) + " (--slot production) first");
  auto pip = ensureGroupAndIp(*api, f.resourceGroup, name + "-vip");
  if (!pip) return failWith("import", pip.error().message());
  const std::string id =
      groupPath(f.resourceGroup) + "/providers/Microsoft.Compute/cloudServices/" + name;
  const ApiAnswer put = api->put(
      id + kComputeVersion, serviceBody(f, *local, *pip, f.slot == "staging" ? production : ""));
  if (put.status >= 300 || put.status == 0) return failWith("import", put.errorMessage());
  if (const std::string done = api->await(put, kOperationLimit); done != "Succeeded")
    return failWith("import", "creating " + name + ": " + done);
  const auto deadline = std::chrono::steady_clock::now() + kOperationLimit;
  while (!f.noWait && !serviceUp(*api, name, f.resourceGroup, id)) {
    if (std::chrono::steady_clock::now() > deadline)
      return failWith(
          "import",
          name + " was created but its instances are not all Ready and in rotation after " +
              std::to_string(kOperationLimit.count()) + " s: see azlb cloud-service show " + name);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const ApiAnswer s =
      api->get("/azlb/cloud-services/" + name + "?resourceGroup=" + f.resourceGroup);
  if (s.body.is_object()) printSummary(s.body);
  return 0;
}

}  // namespace azlb::cli
