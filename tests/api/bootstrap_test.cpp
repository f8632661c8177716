// What az does before any resource call: cloud register, ADFS login, subscription discovery;
// and the ARM gate every other call passes (bearer token, api-version).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <regex>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

json jwtPayload(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = jwt.find('.', first + 1);
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  json payload = json::parse(base64UrlDecode(jwt.substr(first + 1, second - first - 1)), nullptr, false);
  REQUIRE(payload.is_object());
  return payload;
}

Reply postForm(Client& c, const std::string& path, const std::string& form) {
  return c.send("POST", path, form, {}, std::string(), "application/x-www-form-urlencoded");
}

long long nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("az cloud register reads //metadata/endpoints (double slash, no token) and finds the ADFS login endpoint",
          "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  Reply r = c.send("GET", "//metadata/endpoints?api-version=2015-01-01");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  const std::string login = r.doc["authentication"].value("loginEndpoint", "");
  CHECK(login == c.baseUrl() + "/adfs");
  CHECK(login.size() >= 5);
  CHECK(login.substr(login.size() - 5) == "/adfs");
  REQUIRE(r.doc["authentication"]["audiences"].is_array());
  CHECK(!r.doc["authentication"]["audiences"].empty());
  CHECK(r.doc.value("resourceManager", "") == c.baseUrl() + "/");
  CHECK(r.doc.contains("galleryEndpoint"));
  CHECK(r.doc.contains("graphEndpoint"));
}

TEST_CASE("the ADFS openid-configuration names the token endpoint, also under a tenant segment", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  for (const std::string& path : std::vector<std::string>{"/adfs/.well-known/openid-configuration", "/adfs/" + kTenant + "/.well-known/openid-configuration"}) {
    Reply r = c.send("GET", path, {}, {}, std::string());
    INFO(path << " -> " << r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.doc.value("token_endpoint", "") == c.baseUrl() + "/adfs/oauth2/token");
    CHECK(r.doc.contains("authorization_endpoint"));
    CHECK(r.doc.contains("issuer"));
  }
}

TEST_CASE("a client_credentials token is a JWT whose payload carries tid, oid, appid and exp", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  // The form az login --service-principal posts.
  Reply r = postForm(c, "/adfs/oauth2/token",
                     "client_id=00000000-0000-0000-0000-0000000000c1&client_secret=secret&grant_type=client_credentials"
                     "&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default"
                     "&claims=%7B%22access_token%22%3A%7B%22xms_cc%22%3A%7B%22values%22%3A%5B%22CP1%22%5D%7D%7D%7D"
                     "&client_info=1");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  CHECK(r.doc.value("token_type", "") == "Bearer");
  CHECK(r.doc.value("expires_in", 0) > 0);
  const std::string token = r.doc.value("access_token", "");
  CHECK(std::count(token.begin(), token.end(), '.') == 2);
  json payload = jwtPayload(token);
  INFO(payload.dump());
  CHECK(payload.value("tid", "") == kTenant);
  CHECK(payload.value("appid", "") == "00000000-0000-0000-0000-0000000000c1");
  CHECK(!payload.value("oid", "").empty());
  REQUIRE(payload.contains("exp"));
  CHECK(payload["exp"].get<long long>() > nowSeconds());
  CHECK(!r.doc.contains("id_token"));
}

TEST_CASE("a password grant also returns an id_token and client_info", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  Reply r = postForm(c, "/adfs/oauth2/token",
                     "client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&grant_type=password&username=user%40example.com"
                     "&password=pw&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default+offline_access+openid+profile"
                     "&client_info=1");
  INFO(r.describe());
  REQUIRE(r.status == 200);
  json access = jwtPayload(r.doc.value("access_token", ""));
  CHECK(access.value("tid", "") == kTenant);
  json id = jwtPayload(r.doc.value("id_token", ""));
  CHECK(id.value("tid", "") == kTenant);
  CHECK(!id.value("oid", "").empty());
  json info = json::parse(base64UrlDecode(r.doc.value("client_info", "")), nullptr, false);
  INFO("client_info: " << info.dump());
  REQUIRE(info.is_object());
  CHECK(!info.value("uid", "").empty());
  CHECK(info.value("utid", "") == kTenant);
  CHECK(!r.doc.value("refresh_token", "").empty());
}

TEST_CASE("an unsupported grant type is refused with OAuth's error shape", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  Reply r = postForm(c, "/adfs/oauth2/token", "grant_type=implicit&client_id=x");
  CHECK(r.status == 400);
  CHECK(r.doc.value("error", "") == "unsupported_grant_type");
}

TEST_CASE("GET /subscriptions lists the one subscription and GET /subscriptions/{id} returns it", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.apiVersion = "2019-11-01";
  Reply list = c.get("/subscriptions");
  INFO(list.describe());
  REQUIRE(list.status == 200);
  REQUIRE(list.doc["value"].size() == 1);
  const json& sub = list.doc["value"][0];
  CHECK(sub.value("id", "") == "/subscriptions/" + kSub);
  CHECK(sub.value("subscriptionId", "") == kSub);
  CHECK(sub.value("tenantId", "") == kTenant);
  CHECK(sub.value("state", "") == "Enabled");
  CHECK(!sub.value("displayName", "").empty());

  Reply one = c.get("/subscriptions/" + kSub);
  REQUIRE(one.status == 200);
  CHECK(one.doc == sub);
  // The subscription, its locations and providers are read-only: other methods are ARM's 405.
  for (const std::string& path : {"/subscriptions/" + kSub, "/subscriptions/" + kSub + "/locations",
                                  "/subscriptions/" + kSub + "/providers"}) {
    for (const char* method : {"DELETE", "PUT"}) {
      Reply r = c.send(method, path, "{}");
      INFO(method << " " << path << " -> " << r.describe());
      CHECK(r.status == 405);
      CHECK(r.code() == "MethodNotAllowed");
    }
  }
  CHECK(c.get("/subscriptions/" + kSub).doc == sub);  // and nothing happened to it
}

TEST_CASE("a subscription other than the emulated one is 404 SubscriptionNotFound", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  for (const std::string& path : std::vector<std::string>{"/subscriptions/11111111-2222-3333-4444-555555555555",
                                 "/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg1"}) {
    Reply r = c.get(path);
    INFO(path << " -> " << r.describe());
    CHECK(r.status == 404);
    CHECK(r.isArmError());
    CHECK(r.code() == "SubscriptionNotFound");
  }
}

TEST_CASE("an ARM call without Authorization is 401 AuthenticationFailed with WWW-Authenticate", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  for (const std::string& path : std::vector<std::string>{"/subscriptions", groupPath("rg1"), lbId("rg1", "lb1")}) {
    Reply r = c.get(path);
    INFO(path << " -> " << r.describe());
    CHECK(r.status == 401);
    CHECK(r.isArmError());
    CHECK(r.code() == "AuthenticationFailed");
    CHECK(r.header("WWW-Authenticate").rfind("Bearer authorization_uri=", 0) == 0);
  }
  // A scheme other than Bearer is no better.
  Reply basic = c.get("/subscriptions", {{"Authorization", "Basic dXNlcjpwdw=="}});
  CHECK(basic.status == 401);
  CHECK(basic.code() == "AuthenticationFailed");
}

TEST_CASE("api-version: missing is MissingApiVersionParameter, malformed is InvalidApiVersionParameter",
          "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  Reply missing = c.send("GET", groupPath("rg1"), {}, {}, std::string());
  INFO(missing.describe());
  CHECK(missing.status == 400);
  CHECK(missing.isArmError());
  CHECK(missing.code() == "MissingApiVersionParameter");

  for (const std::string& bad : std::vector<std::string>{"banana", "2022-5-1", "2022-05-01-banana", "latest"}) {
    Reply r = c.send("GET", groupPath("rg1"), {}, {}, bad);
    INFO(bad << " -> " << r.describe());
    CHECK(r.status == 400);
    CHECK(r.isArmError());
    CHECK(r.code() == "InvalidApiVersionParameter");
  }
}

TEST_CASE("any YYYY-MM-DD api-version, with or without -preview, is accepted", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  REQUIRE(c.put(groupPath("rg1"), groupBody()).status == 201);
  for (const std::string& v : std::vector<std::string>{"2015-01-01", "2018-11-01", "2021-04-01", "2022-05-01", "2025-05-01",
                              "2023-02-01-preview", "2099-12-31"}) {
    Reply g = c.send("GET", groupPath("rg1"), {}, {}, v);
    INFO(v << " -> " << g.describe());
    CHECK(g.status == 200);
    Reply n = c.send("GET", lbId("rg1", "lb1"), {}, {}, v);
    CHECK(n.status == 404);
    CHECK(n.code() == "ResourceNotFound");
  }
}

TEST_CASE("every ARM answer carries x-ms-request-id, and the correlation id is echoed", "[bootstrap]") {
  TestServer srv;
  Client c = srv.client();
  static const std::regex guid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  Reply ok = c.put(groupPath("rg1"), groupBody(), {{"x-ms-correlation-request-id", "corr-1"}});
  Reply missing = c.get(groupPath("nosuch"));
  for (const Reply* r : {&ok, &missing}) {
    INFO(r->describe());
    CHECK(std::regex_match(r->header("x-ms-request-id"), guid));
  }
  CHECK(ok.header("x-ms-correlation-request-id") == "corr-1");
  CHECK(ok.header("Content-Type").rfind("application/json", 0) == 0);
}

}  // namespace azlb::apitest

namespace azlb::apitest {

TEST_CASE("/azlb/trace without a data plane says so (503), without a token", "[bootstrap][trace]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  Reply r = c.send("GET", "/azlb/trace?protocol=tcp&destination=198.18.0.1:80");
  INFO(r.describe());
  CHECK(r.status == 503);
  CHECK(r.doc.value("error", "").find("no data plane") != std::string::npos);
}

}  // namespace azlb::apitest

namespace azlb::apitest {

TEST_CASE("/azlb/ui and its state without a data plane say so (503), without a token", "[bootstrap][ui]") {
  TestServer srv;
  Client c = srv.client();
  c.authorize = false;
  for (const char* path : {"/azlb/ui", "/azlb/ui/state"}) {
    Reply r = c.send("GET", path);
    INFO(path << ": " << r.describe());
    CHECK(r.status == 503);
    CHECK(r.doc.value("error", "").find("no data plane") != std::string::npos);
  }
}

}  // namespace azlb::apitest
