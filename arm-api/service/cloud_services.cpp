#include "arm-api/service/cloud_services.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "arm-api/common/json_access.h"
#include "arm-api/service/network_util.h"
#include "emulator/cloudservice/validate.h"

namespace azlb::armservice::cloudsvc {

using armapi::armFail;
using armapi::iequals;
using armapi::toLower;
namespace errors = armapi::errors;
namespace fs = std::filesystem;

namespace {

struct Package {
  std::string definition;  // the csdef text
  std::string file;        // its absolute path
  std::string folder;      // the package folder: the roles' folders are <folder>/<Role>/
};

std::optional<std::string> readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// "file:///x/y" or "/x/y" -> "/x/y"; anything else (http:, blob URLs) is nullopt.
std::optional<fs::path> localPath(const std::string& url) {
  if (url.rfind("file://", 0) == 0) return fs::path(url.substr(7));
  if (!url.empty() && url[0] == '/') return fs::path(url);
  return std::nullopt;
}

ArmResult<fs::path> csdefIn(const fs::path& folder, const std::string& url) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.is_regular_file() && iequals(e.path().extension().string(), ".csdef"))
      found.push_back(e.path());
  if (found.size() != 1)
    return armFail(errors::invalidParameter("The package at packageUrl '" + url +
                                                "' must hold exactly one .csdef file; it holds " +
                                                std::to_string(found.size()) + ".",
                                            "properties.packageUrl"));
  return found.front();
}

/// packageUrl: a folder holding one .csdef (and the roles' folders), or a .csdef file.
ArmResult<Package> readPackage(const std::string& url) {
  const auto path = localPath(url);
  if (!path)
    return armFail(errors::invalidParameter(
        "packageUrl '" + url +
            "' must be a local path or a file:// URL (azlb runs the package in place).",
        "properties.packageUrl"));
  std::error_code ec;
  fs::path file = fs::absolute(*path, ec);
  if (fs::is_directory(file, ec)) {
    auto found = csdefIn(file, url);
    if (!found) return armFail(found.error());
    file = *found;
  } else if (iequals(file.extension().string(), ".cspkg")) {
    return armFail(errors::invalidParameter(
        "packageUrl '" + url +
            "' is a .cspkg; azlb runs an unpacked package: unzip it and give the folder.",
        "properties.packageUrl"));
  }
  auto text = readText(file);
  if (!text)
    return armFail(errors::invalidParameter(
        "The package '" + url + "' was not found or cannot be read.", "properties.packageUrl"));
  return Package{std::move(*text), file.string(), file.parent_path().string()};
}

std::vector<std::pair<std::string, int>> capacitiesOf(const json& props) {
  std::vector<std::pair<std::string, int>> out;
  const json profile = props.value("roleProfile", json::object());
  for (const auto& r : profile.value("roles", json::array()))
    if (r.is_object() && r.contains("sku") && r["sku"].is_object() &&
        r["sku"].contains("capacity") && r["sku"]["capacity"].is_number_integer())
      out.emplace_back(r.value("name", ""), r["sku"]["capacity"].get<int>());
  return out;
}

/// The cscfg text: `configuration`, else the file `configurationUrl` names, else "" (one
/// instance per role).
ArmResult<std::string> configurationText(const json& props) {
  if (props.contains("configuration") && props["configuration"].is_string())
    return props["configuration"].get<std::string>();
  const std::string url = armapi::stringOr(props, "configurationUrl", "");
  if (url.empty()) return std::string();
  const auto path = localPath(url);
  auto text = path ? readText(*path) : std::nullopt;
  if (!text)
    return armFail(errors::invalidParameter("configurationUrl '" + url + "' cannot be read.",
                                            "properties.configurationUrl"));
  return std::move(*text);
}

/// Every frontend's public IP exists and no other resource uses it.
ArmResult<bool> checkNetworkProfile(const Txn& tx, const ResourceId& id, const json& props) {
  const json profile = props.value("networkProfile", json::object());
  const json lbcs = profile.value("loadBalancerConfigurations", json::array());
  if (!lbcs.is_array() || lbcs.size() > 2)
    return armFail(
        errors::invalidParameter("A cloud service has at most 2 load balancer configurations.",
                                 "properties.networkProfile.loadBalancerConfigurations"));
  for (const auto& lbc : lbcs)
    for (const auto& fe : network::propsOf(lbc).value("frontendIpConfigurations", json::array())) {
      const auto ref = network::refOf(network::propsOf(fe), "publicIPAddress");
      if (!ref) continue;
      const Resource* pip = network::findTopLevel(tx, *ref);
      if (!pip || !iequals(pip->type, "Microsoft.Network/publicIPAddresses"))
        return armFail(errors::invalidResourceReference(*ref, id.str()));
      for (const auto& user : network::publicIpUsers(tx, toLower(pip->id)))
        if (!armapi::istartsWith(user, id.str() + "/"))
          return armFail(errors::publicIpAddressInUse(id.str(), pip->id, user));
    }
  if (profile.contains("swappableCloudService")) {
    const auto ref = network::refOf(profile, "swappableCloudService");
    const Resource* partner = ref ? network::findTopLevel(tx, *ref) : nullptr;
    if (!partner || !iequals(partner->type, kType) || iequals(partner->id, id.str()))
      return armFail(
          errors::invalidResourceReference(ref.value_or("swappableCloudService"), id.str()));
  }
  return true;
}

/// roleProfile as stored: each role with its vmsize and instance count.
json roleProfileOf(const cloudservice::Deployment& d) {
  json roles = json::array();
  for (const auto& r : d.roles) {
    const auto& role = d.definition.roles[r.role];
    roles.push_back(
        {{"name", role.name},
         {"sku", {{"name", role.vmsize}, {"tier", "Standard"}, {"capacity", r.instanceCount}}}});
  }
  return {{"roles", roles}};
}

std::string slotOf(const Txn& tx, const json& props, const Resource* existing) {
  const json azlb = props.value("azlb", json::object());
  if (azlb.contains("slot") && azlb["slot"].is_string())
    return iequals(azlb["slot"].get<std::string>(), "staging") ? "Staging" : "Production";
  if (existing)
    return network::propsOf(existing->body)
        .value("azlb", json::object())
        .value("slot", "Production");
  const json profile = props.value("networkProfile", json::object());
  const auto partner = network::refOf(profile, "swappableCloudService");
  return partner && network::findTopLevel(tx, *partner) ? "Staging" : "Production";
}

}  // namespace

ArmResult<json> normalize(const Txn& tx, const ResourceId& id, const json& request,
                          const Resource* existing) {
  if (!request.contains("properties") || !request["properties"].is_object())
    return armFail(errors::invalidParameter("A cloud service needs properties.", "properties"));
  json props = request["properties"];
  if (auto k = armapi::checkKinds(props, "properties",
                                  {{"packageUrl", armapi::JsonKind::String},
                                   {"configuration", armapi::JsonKind::String},
                                   {"roleProfile", armapi::JsonKind::Object},
                                   {"networkProfile", armapi::JsonKind::Object},
                                   {"azlb", armapi::JsonKind::Object}});
      !k)
    return armFail(k.error());
  auto package = readPackage(armapi::stringOr(props, "packageUrl", ""));
  if (!package) return armFail(package.error());
  auto configuration = configurationText(props);
  if (!configuration) return armFail(configuration.error());
  auto deployed = cloudservice::deployTexts({.definition = package->definition,
                                             .definitionFile = package->file,
                                             .configuration = *configuration,
                                             .capacities = capacitiesOf(props)});
  if (!deployed)
    return armFail(
        errors::invalidParameter(deployed.error().message(), "properties.configuration"));
  if (auto ok = checkNetworkProfile(tx, id, props); !ok) return armFail(ok.error());
  const json sent = props.value("azlb", json::object());
  json azlb = {{"serviceDefinition", package->definition},
               {"definitionFile", package->file},
               {"appRoot", sent.contains("appRoot") && sent["appRoot"].is_string()
                               ? sent["appRoot"].get<std::string>()
                               : package->folder},
               {"slot", slotOf(tx, props, existing)}};
  for (const char* ro : {"provisioningState", "uniqueId"}) props.erase(ro);
  props["roleProfile"] = roleProfileOf(*deployed);
  if (!props.contains("networkProfile")) props["networkProfile"] = json::object();
  props["networkProfile"]["slotType"] = azlb["slot"];
  if (!configuration->empty()) props["configuration"] = *configuration;
  props["azlb"] = azlb;
  props["uniqueId"] = existing
                          ? network::propsOf(existing->body).value("uniqueId", armapi::newGuid())
                          : armapi::newGuid();
  return json{{"properties", props}};
}

json render(const json& stored) {
  json body = stored;
  if (body.contains("properties") && body["properties"].is_object())
    body["properties"].erase("azlb");
  return body;
}

Result<cloudservice::Deployment> deploymentOf(const json& stored) {
  const json& props = network::propsOf(stored);
  const json azlb = props.value("azlb", json::object());
  const std::string definition = azlb.value("serviceDefinition", "");
  const std::string configuration = props.value("configuration", "");
  return cloudservice::deployTexts({.definition = definition,
                                    .definitionFile = azlb.value("definitionFile", "csdef"),
                                    .configuration = configuration,
                                    .capacities = capacitiesOf(props)});
}

}  // namespace azlb::armservice::cloudsvc
