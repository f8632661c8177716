// Relaxed JSON as ARM reads it: comments, unquoted keys, trailing commas.
#include <catch2/catch.hpp>

#include "arm-api/common/jsonc.h"

using azlb::armapi::parseRelaxedJson;
using azlb::armapi::strictJson;
using json = nlohmann::json;

TEST_CASE("az's spliced deployment body (template: unquoted, template text with comments) parses", "[jsonc]") {
  const std::string body =
      R"({"properties": {"parameters": {"n": {"value": 3}}, "mode": "Incremental", template:{
  // a comment az leaves in the file
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  /* block
     comment */ "contentVersion": "1.0.0.0",
  "resources": [ {"name": "a // not a comment", "x": "/* nor this */"}, ],
}}})";
  const json j = parseRelaxedJson(body);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["properties"]["mode"] == "Incremental");
  CHECK(j["properties"]["parameters"]["n"]["value"] == 3);
  const json& t = j["properties"]["template"];
  CHECK(t["contentVersion"] == "1.0.0.0");
  REQUIRE(t["resources"].size() == 1);
  CHECK(t["resources"][0]["name"] == "a // not a comment");
  CHECK(t["resources"][0]["x"] == "/* nor this */");
}

TEST_CASE("strict JSON passes through unchanged, escapes included", "[jsonc]") {
  const std::string strict = R"({"a": "quote \" and backslash \\", "b": [1, 2.5, true, null], "c": {}})";
  CHECK(strictJson(strict) == strict);
  CHECK(parseRelaxedJson(strict) == json::parse(strict));
}

TEST_CASE("only keys are unquoted words; bare words as values and broken text stay invalid", "[jsonc]") {
  CHECK(parseRelaxedJson(R"({a: 1, b_2: {$c: [true, false]}})") == json{{"a", 1}, {"b_2", {{"$c", {true, false}}}}});
  CHECK(parseRelaxedJson(R"({"a": hello})").is_discarded());
  CHECK(parseRelaxedJson(R"({"a": 1)").is_discarded());
  CHECK(parseRelaxedJson(R"({"a": "unterminated)").is_discarded());
  CHECK(parseRelaxedJson("").is_discarded());
  CHECK(parseRelaxedJson("[1, 2,]") == json{1, 2});
}
