// Test helper for the arm-api unit tier: a Service over an in-memory store, driven through
// Service::handle(ApiRequest) (no HTTP, no sockets), plus id builders and a state snapshot used
// to prove that a refused request changed nothing.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "arm-api/common/resource_id.h"
#include "arm-api/service/service.h"
#include "arm-api/store/store.h"

namespace azlb::armtest {

using json = nlohmann::json;

inline constexpr const char* kSub = "00000000-0000-0000-0000-000000000001";
inline constexpr const char* kApi = "2022-05-01";
inline constexpr const char* kBaseUrl = "https://localhost:1";

inline std::string rgId(const std::string& group = "rg1") {
  return std::string("/subscriptions/") + kSub + "/resourceGroups/" + group;
}
/// Id of a top-level Microsoft.Network resource, e.g. netId("loadBalancers", "lb1").
inline std::string netId(const std::string& type, const std::string& name, const std::string& group = "rg1") {
  return rgId(group) + "/providers/Microsoft.Network/" + type + "/" + name;
}
inline std::string lbId(const std::string& lb) { return netId("loadBalancers", lb); }
inline std::string pipId(const std::string& pip) { return netId("publicIPAddresses", pip); }
inline std::string vnetId(const std::string& vnet) { return netId("virtualNetworks", vnet); }
inline std::string nicId(const std::string& nic) { return netId("networkInterfaces", nic); }
inline std::string subnetId(const std::string& vnet, const std::string& subnet) {
  return vnetId(vnet) + "/subnets/" + subnet;
}
/// Id of a child of a load balancer, e.g. lbChild("lb1", "probes", "hp").
inline std::string lbChild(const std::string& lb, const std::string& coll, const std::string& name) {
  return lbId(lb) + "/" + coll + "/" + name;
}
inline json idRef(const std::string& id) { return json{{"id", id}}; }

struct Reply {
  int status = 0;
  json body;  // null when the response has no body
  std::vector<std::pair<std::string, std::string>> headers;

  /// Header value by case-insensitive name; empty when absent.
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (armapi::iequals(k, name)) return v;
    return {};
  }
  std::string code() const {
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  }
  /// Code of the first error detail (InvalidRequestFormat carries the real reason there).
  std::string detailCode() const {
    if (!body.is_object() || !body.contains("error")) return {};
    const auto& d = body["error"].value("details", json::array());
    return d.empty() ? std::string() : d[0].value("code", "");
  }
  std::string message() const {
    return body.is_object() && body.contains("error") ? body["error"].value("message", "") : "";
  }
  /// The operation id at the end of the Azure-AsyncOperation URL.
  std::string asyncOperationId() const {
    std::string url = header("Azure-AsyncOperation");
    url = url.substr(0, url.find('?'));
    return url.substr(url.rfind('/') + 1);
  }
};

class ServiceFixture {
 public:
  /// A service with resource group rg1 in westus.
  ServiceFixture() {
    auto store = armstore::Store::open(":memory:");
    REQUIRE(store);
    auto svc = armservice::Service::create(armservice::ServiceConfig{}, std::move(store.value()));
    REQUIRE(svc);
    service_ = std::move(svc.value());
    auto r = send("PUT", std::string("/subscriptions/") + kSub + "/resourcegroups/rg1", {{"location", "westus"}},
                  "2021-04-01");
    REQUIRE(r.status == 201);
  }

  armservice::Service& service() { return *service_; }

  Reply send(const std::string& method, const std::string& path, const json& body = json(),
             const std::string& apiVersion = kApi,
             const std::map<std::string, std::string>& headers = {}) {
    armservice::ApiRequest req;
    req.method = method;
    req.path = path;
    if (!apiVersion.empty()) req.query["api-version"] = apiVersion;
    req.headers["authorization"] = "Bearer t";
    for (const auto& [k, v] : headers) req.headers[armapi::toLower(k)] = v;
    if (!body.is_null()) req.body = body.dump();
    req.baseUrl = kBaseUrl;
    auto resp = service_->handle(req);
    Reply out;
    out.status = resp.status;
    if (resp.body) out.body = *resp.body;
    out.headers = resp.headers;
    return out;
  }
  Reply get(const std::string& path) { return send("GET", path); }
  Reply put(const std::string& path, const json& body) { return send("PUT", path, body); }
  Reply del(const std::string& path) { return send("DELETE", path); }

  /// PUT that must succeed (200/201); returns the GET body afterwards.
  json mustPut(const std::string& path, const json& body) {
    auto r = put(path, body);
    INFO(path << " -> " << r.status << " " << r.body.dump());
    REQUIRE((r.status == 200 || r.status == 201));
    auto g = get(path);
    REQUIRE(g.status == 200);
    return g.body;
  }
  json mustGet(const std::string& path) {
    auto r = get(path);
    INFO(path << " -> " << r.status << " " << r.body.dump());
    REQUIRE(r.status == 200);
    return r.body;
  }

  /// Every resource of rg1 as GET renders it (etags, back-references), plus the group itself.
  json snapshot() {
    json s = json::object();
    for (const char* t : {"publicIPAddresses", "virtualNetworks", "networkInterfaces", "loadBalancers"}) {
      auto r = get(rgId() + "/providers/Microsoft.Network/" + t);
      REQUIRE(r.status == 200);
      s[t] = r.body["value"];
    }
    s["group"] = get(rgId()).body;
    return s;
  }

  /// Sends a request that must be refused with `status` and ARM `code` (and, when given, the first
  /// detail's code), and proves that nothing changed: the whole rg1 snapshot and the GET of the
  /// target (status, body and ETag header) are identical before and after.
  Reply expectRefused(const std::string& method, const std::string& path, const json& body, int status,
                      const std::string& code, const std::string& detailCode = {}) {
    auto before = snapshot();
    auto getBefore = get(path);
    auto r = send(method, path, body);
    INFO(method << " " << path << " -> " << r.status << " " << r.body.dump());
    CHECK(r.status == status);
    CHECK(r.code() == code);
    if (!detailCode.empty()) CHECK(r.detailCode() == detailCode);
    CHECK(r.header("Azure-AsyncOperation").empty());
    auto getAfter = get(path);
    CHECK(getAfter.status == getBefore.status);
    CHECK(getAfter.body == getBefore.body);
    CHECK(getAfter.header("ETag") == getBefore.header("ETag"));
    CHECK(snapshot() == before);
    return r;
  }
  Reply expectBadPut(const std::string& path, const json& body, const std::string& code,
                     const std::string& detailCode = {}) {
    return expectRefused("PUT", path, body, 400, code, detailCode);
  }

  // --- common resources -------------------------------------------------------------------

  json putPip(const std::string& name, const std::string& sku = "Standard") {
    return mustPut(pipId(name), {{"location", "westus"}, {"sku", {{"name", sku}}}});
  }
  /// vnet with address space 10.0.0.0/16 and subnets given as (name, prefix).
  json putVnet(const std::string& name,
               const std::vector<std::pair<std::string, std::string>>& subnets = {{"default", "10.0.0.0/24"}},
               const std::string& space = "10.0.0.0/16") {
    json subs = json::array();
    for (const auto& [n, p] : subnets) subs.push_back({{"name", n}, {"properties", {{"addressPrefix", p}}}});
    return mustPut(vnetId(name), {{"location", "westus"},
                                  {"properties", {{"addressSpace", {{"addressPrefixes", {space}}}}, {"subnets", subs}}}});
  }
  /// NIC with one ipConfiguration "ipconfig1" on vnet/subnet; extra ipConfiguration properties merged in.
  static json nicBody(const std::string& vnet, const std::string& subnet, const json& extra = json::object()) {
    json p = {{"subnet", idRef(subnetId(vnet, subnet))}};
    for (const auto& [k, v] : extra.items()) p[k] = v;
    return {{"location", "westus"},
            {"properties", {{"ipConfigurations", {{{"name", "ipconfig1"}, {"properties", p}}}}}}};
  }

 private:
  std::unique_ptr<armservice::Service> service_;
};

/// A Standard (or Basic) LB body with one public frontend "fe" on `pip`, pool "be" and the given
/// extra properties merged into "properties".
inline json publicLb(const std::string& pip, const json& extraProps = json::object(),
                     const std::string& sku = "Standard") {
  json props = {{"frontendIPConfigurations", {{{"name", "fe"}, {"properties", {{"publicIPAddress", idRef(pipId(pip))}}}}}},
                {"backendAddressPools", {{{"name", "be"}}}}};
  for (const auto& [k, v] : extraProps.items()) props[k] = v;
  return {{"location", "westus"}, {"sku", {{"name", sku}}}, {"properties", props}};
}

/// An internal LB body with frontend "fe" on vnet/subnet (Dynamic), pool "be" and extra properties.
inline json internalLb(const std::string& vnet, const std::string& subnet, const json& extraProps = json::object(),
                       const std::string& sku = "Standard") {
  json props = {{"frontendIPConfigurations",
                 {{{"name", "fe"}, {"properties", {{"subnet", idRef(subnetId(vnet, subnet))}}}}}},
                {"backendAddressPools", {{{"name", "be"}}}}};
  for (const auto& [k, v] : extraProps.items()) props[k] = v;
  return {{"location", "westus"}, {"sku", {{"name", sku}}}, {"properties", props}};
}

/// A load-balancing rule on frontend "fe" and pool "be" of `lb`; extra properties merged in.
inline json lbRule(const std::string& lb, const std::string& name, const std::string& protocol, int frontendPort,
                   const json& extra = json::object()) {
  json p = {{"protocol", protocol},
            {"frontendPort", frontendPort},
            {"frontendIPConfiguration", idRef(lbChild(lb, "frontendIPConfigurations", "fe"))},
            {"backendAddressPool", idRef(lbChild(lb, "backendAddressPools", "be"))}};
  for (const auto& [k, v] : extra.items()) p[k] = v;
  return {{"name", name}, {"properties", p}};
}

/// A single-port inbound NAT rule on frontend "fe" of `lb`.
inline json natRule(const std::string& lb, const std::string& name, const std::string& protocol, int frontendPort,
                    int backendPort, const json& extra = json::object()) {
  json p = {{"protocol", protocol},
            {"frontendPort", frontendPort},
            {"backendPort", backendPort},
            {"frontendIPConfiguration", idRef(lbChild(lb, "frontendIPConfigurations", "fe"))}};
  for (const auto& [k, v] : extra.items()) p[k] = v;
  return {{"name", name}, {"properties", p}};
}

/// The named item of body.properties[collection] (case-insensitive); null json when absent.
inline json childOf(const json& body, const std::string& collection, const std::string& name) {
  for (const auto& item : body["properties"].value(collection, json::array()))
    if (armapi::iequals(item.value("name", ""), name)) return item;
  return json();
}

}  // namespace azlb::armtest
