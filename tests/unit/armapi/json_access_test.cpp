// json_access (typed, path-aware reads of request bodies) and the ArmError envelope.
#include <catch2/catch.hpp>

#include <regex>

#include "arm-api/common/arm_error.h"
#include "arm-api/common/json_access.h"

using azlb::armapi::ArmError;
using azlb::armapi::canonicalEnum;
using azlb::armapi::checkKinds;
using azlb::armapi::intInRange;
using azlb::armapi::json;
using azlb::armapi::JsonKind;
namespace errors = azlb::armapi::errors;

TEST_CASE("checkKinds accepts matching, absent and null properties", "[json_access]") {
  json obj = {{"port", 80}, {"protocol", "Tcp"}, {"flag", true}, {"list", json::array()},
              {"sub", json::object()}, {"gone", nullptr}};
  auto r = checkKinds(obj, "properties",
                      {{"port", JsonKind::Integer}, {"protocol", JsonKind::String}, {"flag", JsonKind::Boolean},
                       {"list", JsonKind::Array}, {"sub", JsonKind::Object}, {"gone", JsonKind::Integer},
                       {"absent", JsonKind::String}});
  CHECK(r);
}

TEST_CASE("checkKinds errors carry the property path", "[json_access]") {
  json obj = {{"frontendPort", "80"}};
  auto r = checkKinds(obj, "properties.loadBalancingRules[0].properties", {{"frontendPort", JsonKind::Integer}});
  REQUIRE_FALSE(r);
  const ArmError& e = r.error();
  CHECK(e.status == 400);
  CHECK(e.code == "InvalidRequestFormat");
  CHECK(e.message == "Cannot parse the request.");
  REQUIRE(e.details.size() == 1);
  CHECK(e.details[0].code == "InvalidJsonTokenType");
  CHECK_THAT(e.details[0].message,
             Catch::Contains("'properties.loadBalancingRules[0].properties.frontendPort'") &&
                 Catch::Contains("Integer"));

  auto top = checkKinds(json{{"location", 5}}, "", {{"location", JsonKind::String}});
  REQUIRE_FALSE(top);
  CHECK_THAT(top.error().details[0].message, Catch::Contains("'location'"));

  auto floating = checkKinds(json{{"port", 1.5}}, "p", {{"port", JsonKind::Integer}});
  CHECK_FALSE(floating);
}

TEST_CASE("objectAt, arrayAt and refAt read optional structure with paths in errors", "[json_access]") {
  json obj = {{"o", {{"a", 1}}}, {"arr", {1, 2}}, {"r", {{"id", "/x"}}}, {"bad", 3}, {"badId", {{"id", 7}}},
              {"noId", json::object()}};
  CHECK(*azlb::armapi::objectAt(obj, "o", "p") == json{{"a", 1}});
  CHECK(*azlb::armapi::objectAt(obj, "missing", "p") == json::object());
  CHECK(*azlb::armapi::arrayAt(obj, "arr", "p") == json{1, 2});
  CHECK(*azlb::armapi::arrayAt(obj, "missing", "p") == json::array());
  auto notObject = azlb::armapi::objectAt(obj, "bad", "p");
  REQUIRE_FALSE(notObject);
  CHECK_THAT(notObject.error().details[0].message, Catch::Contains("'p.bad'"));
  CHECK_FALSE(azlb::armapi::arrayAt(obj, "bad", "p"));

  auto r = azlb::armapi::refAt(obj, "r", "p");
  REQUIRE(r);
  CHECK(**r == "/x");
  CHECK_FALSE(*azlb::armapi::refAt(obj, "missing", "p"));
  CHECK_FALSE(*azlb::armapi::refAt(obj, "noId", "p"));
  auto badId = azlb::armapi::refAt(obj, "badId", "p");
  REQUIRE_FALSE(badId);
  CHECK_THAT(badId.error().details[0].message, Catch::Contains("'p.badId.id'"));
}

TEST_CASE("canonicalEnum matches case-insensitively and returns the canonical spelling", "[json_access]") {
  CHECK(*canonicalEnum("tcp", {"Tcp", "Udp", "All"}, "properties.protocol") == "Tcp");
  CHECK(*canonicalEnum("ALL", {"Tcp", "Udp", "All"}, "properties.protocol") == "All");
  auto bad = canonicalEnum("Icmp", {"Tcp", "Udp", "All"}, "properties.protocol");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().status == 400);
  CHECK(bad.error().code == "InvalidParameter");
  CHECK(bad.error().target == "properties.protocol");
  CHECK_THAT(bad.error().message, Catch::Contains("'Icmp'") && Catch::Contains("Tcp, Udp, All"));
}

TEST_CASE("stringOr treats absent and null alike", "[json_access]") {
  json obj = {{"a", "x"}, {"n", nullptr}};
  CHECK(azlb::armapi::stringOr(obj, "a", "d") == "x");
  CHECK(azlb::armapi::stringOr(obj, "n", "d") == "d");
  CHECK(azlb::armapi::stringOr(obj, "missing", "d") == "d");
}

TEST_CASE("intInRange accepts the edges, applies the default and names the range when refusing", "[json_access]") {
  json obj = {{"lo", 4}, {"hi", 30}, {"under", 3}, {"over", 31}, {"text", "5"}};
  CHECK(*intInRange(obj, "lo", 0, 4, 30, "p", "Idle timeout") == 4);
  CHECK(*intInRange(obj, "hi", 0, 4, 30, "p", "Idle timeout") == 30);
  CHECK(*intInRange(obj, "absent", 4, 4, 30, "p", "Idle timeout") == 4);
  for (const char* key : {"under", "over"}) {
    auto r = intInRange(obj, key, 4, 4, 30, "p", "Idle timeout");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == "InvalidParameter");
    CHECK(r.error().target == std::string("p.") + key);
    CHECK_THAT(r.error().message, Catch::Contains("between 4 and 30") && Catch::Contains("Idle timeout"));
  }
  auto text = intInRange(obj, "text", 4, 4, 30, "p", "Idle timeout");
  REQUIRE_FALSE(text);
  CHECK(text.error().code == "InvalidRequestFormat");
  CHECK(text.error().details[0].code == "InvalidJsonTokenType");
}

TEST_CASE("ArmError::toJson has ARM's error envelope", "[arm_error]") {
  ArmError e = errors::badRequest("SomeCode", "Some message.", "properties.x");
  e.details.push_back(errors::badRequest("Inner", "Inner message."));
  json j = e.toJson();
  REQUIRE(j.size() == 1);
  REQUIRE(j.contains("error"));
  const json& inner = j["error"];
  CHECK(inner["code"] == "SomeCode");
  CHECK(inner["message"] == "Some message.");
  CHECK(inner["target"] == "properties.x");
  REQUIRE(inner["details"].is_array());
  REQUIRE(inner["details"].size() == 1);
  CHECK(inner["details"][0] == json{{"code", "Inner"}, {"message", "Inner message."}, {"details", json::array()}});
  CHECK(e.innerJson() == inner);

  json plain = errors::conflict("AnotherOperationInProgress", "Busy.").toJson();
  CHECK(plain["error"]["details"] == json::array());  // NRP sends "details": [] even when empty
  CHECK_FALSE(plain["error"].contains("target"));
}

TEST_CASE("factory errors use ARM's statuses, codes and messages", "[arm_error]") {
  CHECK(errors::conflict("X", "m").status == 409);
  auto rg = errors::resourceGroupNotFound("rg9");
  CHECK(rg.status == 404);
  CHECK(rg.code == "ResourceGroupNotFound");
  CHECK(rg.message == "Resource group 'rg9' could not be found.");
  auto nf = errors::resourceNotFound("Microsoft.Network/loadBalancers", "lb1", "rg1");
  CHECK(nf.status == 404);
  CHECK(nf.code == "ResourceNotFound");
  CHECK(nf.message ==
        "The Resource 'Microsoft.Network/loadBalancers/lb1' under resource group 'rg1' was not found. For more "
        "details please go to https://aka.ms/ARMResourceNotFoundFix");
  auto child = errors::childNotFound("/x/probes/p");
  CHECK(child.status == 404);
  CHECK(child.code == "NotFound");
  CHECK(child.message == "Resource /x/probes/p not found.");
  auto ref = errors::invalidResourceReference("/a", "/b");
  CHECK(ref.status == 400);
  CHECK(ref.code == "InvalidResourceReference");
  CHECK(ref.message ==
        "Resource /a referenced by resource /b was not found. Please make sure that the referenced resource "
        "exists, and that both resources are in the same region.");
  auto ip = errors::invalidParameter("m", "t");
  CHECK(ip.code == "InvalidParameter");
  CHECK(ip.target == "t");
  CHECK(errors::preconditionFailed("m").status == 412);
  CHECK(errors::missingApiVersion().code == "MissingApiVersionParameter");
  CHECK(errors::invalidApiVersion("x").code == "InvalidApiVersionParameter");
  CHECK(errors::locationRequired().code == "LocationRequired");
  CHECK(errors::authenticationFailed("m").status == 401);
  CHECK(errors::internal("m").status == 500);
  auto fmt = errors::invalidRequestFormat("MissingJsonProperty", "Required property 'x' not found in JSON.");
  CHECK(fmt.code == "InvalidRequestFormat");
  CHECK(fmt.message == "Cannot parse the request.");
  REQUIRE(fmt.details.size() == 1);
  CHECK(fmt.details[0].code == "MissingJsonProperty");
}

TEST_CASE("guids, etags and timestamps have ARM's formats", "[json_access]") {
  static const std::regex guid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::string g = azlb::armapi::newGuid();
  CHECK(std::regex_match(g, guid));
  CHECK(g != azlb::armapi::newGuid());
  std::string etag = azlb::armapi::newEtag();
  REQUIRE(etag.size() > 4);
  CHECK(etag.substr(0, 3) == "W/\"");
  CHECK(etag.back() == '"');
  CHECK(std::regex_match(etag.substr(3, etag.size() - 4), guid));
  static const std::regex ts(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$)");
  CHECK(std::regex_match(azlb::armapi::nowTimestamp(), ts));
}
