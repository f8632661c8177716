// Resource groups (list, GET/HEAD, PUT/PATCH, DELETE with everything in them) and the generic
// resources list with the $filter forms az uses.
#include <map>
#include <regex>

#include "arm-api/common/json_access.h"
#include "arm-api/service/handlers/handlers.h"
#include "arm-api/service/network.h"

namespace azlb::armservice::handlers {

using armapi::iequals;
using armapi::toLower;
namespace errors = armapi::errors;

namespace {

constexpr const char* kGroupType = "Microsoft.Resources/resourceGroups";

/// "$filter=resourceGroup eq 'rg1' and name eq 'lb1'" -> {resourcegroup: rg1, name: lb1}.
ArmResult<std::map<std::string, std::string>> parseFilter(const std::string& text) {
  static const std::regex clause(R"(^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$)", std::regex::icase);
  static const std::regex andRe(R"(\s+and\s+)", std::regex::icase);
  std::map<std::string, std::string> filter;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t next = std::string::npos;
    std::smatch m;
    std::string rest = text.substr(pos);
    std::string part = rest;
    if (std::regex_search(rest, m, andRe)) {
      part = rest.substr(0, static_cast<size_t>(m.position(0)));
      next = pos + static_cast<size_t>(m.position(0) + m.length(0));
    }
    std::smatch cm;
    if (!std::regex_match(part, cm, clause)) return armapi::armFail(errors::invalidFilter(text));
    std::string field = toLower(cm[1].str());
    if (field != "resourcegroup" && field != "name" && field != "resourcetype" &&
        field != "location")
      return armapi::armFail(errors::unsupportedFilterField(cm[1].str()));
    filter[field] = std::regex_replace(cm[2].str(), std::regex("''"), "'");
    if (next == std::string::npos) break;
    pos = next;
  }
  return filter;
}

bool isTopLevelResource(const Resource& r) {
  auto id = ResourceId::parse(r.id);
  return id && id->segments.size() == 1 && !iequals(id->providerNamespace, "Microsoft.Resources");
}

bool passesFilter(const Resource& r, std::map<std::string, std::string>& filter) {
  auto id = ResourceId::parse(r.id);
  if (filter.count("resourcegroup") && !iequals(id->resourceGroup, filter["resourcegroup"]))
    return false;
  if (filter.count("name") && !iequals(id->name(), filter["name"])) return false;
  if (filter.count("resourcetype") && !iequals(r.type, filter["resourcetype"])) return false;
  if (filter.count("location") && !iequals(r.body.value("location", ""), filter["location"]))
    return false;
  return true;
}

json summary(const Resource& r) {
  json item = {{"id", r.id},
               {"name", ResourceId::parse(r.id)->name()},
               {"type", r.type},
               {"location", r.body.value("location", "")}};
  for (const char* k : {"sku", "tags", "kind", "managedBy"})
    if (r.body.contains(k)) item[k] = r.body[k];
  return item;
}

/// The stored body a PUT (a new or same-location group) or PATCH (tags, managedBy) makes.
ArmResult<json> groupBody(const Service::Impl& impl, const std::string& method,
                          const std::string& group, const Resource* existing, const json& body) {
  json out;
  if (method == "PATCH") {
    if (!existing) return armapi::armFail(errors::resourceGroupNotFound(group));
    out = existing->body;
  } else {
    std::string loc = normalizeLocation(body.value("location", ""));
    if (loc.empty()) return armapi::armFail(errors::locationRequired());
    if (existing && existing->body.value("location", "") != loc)
      return armapi::armFail(
          errors::invalidResourceGroupLocation(loc, existing->body.value("location", "")));
    out = {{"id", armapi::resourceGroupId(impl.cfg.subscriptionId, group)},
           {"name", group},
           {"type", kGroupType},
           {"location", loc},
           {"properties", {{"provisioningState", "Succeeded"}}}};
  }
  if (body.contains("tags")) out["tags"] = body["tags"];
  if (body.contains("managedBy")) out["managedBy"] = body["managedBy"];
  return out;
}

}  // namespace

// GET /subscriptions/{sub}/resources and .../resourceGroups/{group}/resources
ApiResponse listResources(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "resources"));
  const std::string& group = call.param("group");
  if (!group.empty() && !impl.groupExists(group))
    return impl.error(errors::resourceGroupNotFound(group));
  std::map<std::string, std::string> filter;
  if (auto f = call.req.query.find("$filter"); f != call.req.query.end()) {
    auto parsed = parseFilter(f->second);
    if (!parsed) return impl.error(parsed.error());
    filter = std::move(*parsed);
  }
  if (!group.empty()) filter["resourcegroup"] = group;
  json value = json::array();
  for (const auto& [key, r] : impl.state.all())
    if (isTopLevelResource(r) && passesFilter(r, filter)) value.push_back(summary(r));
  return jsonResponse(200, {{"value", value}});
}

ApiResponse listGroups(Service::Impl& impl, RouteCall& call) {
  if (call.method() != "GET")
    return impl.error(errors::methodNotAllowed(call.method(), "resourceGroups"));
  json value = json::array();
  for (const auto& [key, r] : impl.state.all())
    if (iequals(r.type, kGroupType)) value.push_back(r.body);
  return jsonResponse(200, {{"value", value}});
}

ApiResponse getGroup(Service::Impl& impl, RouteCall& call) {
  const std::string& group = call.param("group");
  const Resource* groupRes =
      impl.state.find(armapi::resourceGroupKey(impl.cfg.subscriptionId, group));
  const bool head = call.method() == "HEAD";
  if (!groupRes)
    return head ? emptyResponse(404) : impl.error(errors::resourceGroupNotFound(group));
  return head ? emptyResponse(204) : jsonResponse(200, groupRes->body);
}

ApiResponse putGroup(Service::Impl& impl, RouteCall& call) {
  const std::string& group = call.param("group");
  const std::string groupKey = armapi::resourceGroupKey(impl.cfg.subscriptionId, group);
  const Resource* groupRes = impl.state.find(groupKey);
  const std::string& rawBody = call.req.body;
  json body = json::parse(rawBody.empty() ? "{}" : rawBody, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return impl.error(errors::invalidJson("The request body is not a JSON object."));
  static const std::regex nameRe(R"(^[-\w\._\(\)]{1,90}$)");
  if (!std::regex_match(group, nameRe) || group.back() == '.')
    return impl.error(errors::invalidResourceGroupName(group));
  if (auto k = armapi::checkKinds(body, "",
                                  {{"location", armapi::JsonKind::String},
                                   {"tags", armapi::JsonKind::Object},
                                   {"managedBy", armapi::JsonKind::String}});
      !k)
    return impl.error(k.error());
  auto out = groupBody(impl, call.method(), group, groupRes, body);
  if (!out) return impl.error(out.error());
  bool created = !groupRes;
  Txn tx(impl.state);
  tx.put(groupKey, Resource{(*out)["id"], kGroupType, *out});
  if (auto c = impl.commit(tx, {}); !c) return impl.error(c.error());
  return jsonResponse(created ? 201 : 200, *out);
}

ApiResponse deleteGroup(Service::Impl& impl, RouteCall& call) {
  const std::string& group = call.param("group");
  const std::string groupKey = armapi::resourceGroupKey(impl.cfg.subscriptionId, group);
  const Resource* groupRes = impl.state.find(groupKey);
  if (!groupRes) return impl.error(errors::resourceGroupNotFound(group));
  Txn tx(impl.state);
  std::vector<std::string> ids{groupRes->id};
  std::vector<Resource> removed;
  tx.forEachWithPrefix(groupKey + "/",
                       [&](const std::string&, const Resource& r) { removed.push_back(r); });
  for (const auto& r : removed) {
    tx.erase(toLower(r.id));
    ids.push_back(r.id);
  }
  tx.erase(groupKey);
  // Resources of other groups may still use what goes (a NIC elsewhere on a subnet here).
  for (const auto& r : removed) {
    auto id = ResourceId::parse(r.id);
    if (!id || id->segments.size() != 1 || !iequals(id->providerNamespace, kNetworkNs)) continue;
    if (const network::TypeInfo* t = network::findType(id->segments[0].first))
      if (auto ok = t->checkDelete(tx, r); !ok) return impl.error(ok.error());
  }
  json op = impl.newOperation("network", ids, groupRes->body.value("location", ""));
  std::string opId = op["id"];
  if (auto c = impl.commit(tx, {op}); !c) return impl.error(c.error());
  call.unlock();
  impl.announce({opId, ids});
  ApiResponse r = emptyResponse(202);
  r.headers.emplace_back("Location", call.req.baseUrl + "/subscriptions/" +
                                         impl.cfg.subscriptionId + "/operationresults/" + opId +
                                         "?api-version=" + apiVersionOf(call.req));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

ApiResponse groupMethodNotAllowed(Service::Impl& impl, RouteCall& call) {
  return impl.error(errors::methodNotAllowed(call.method(), "resourceGroups"));
}

}  // namespace azlb::armservice::handlers
