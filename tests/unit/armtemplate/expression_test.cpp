// The ARM expression language on its own: parsing, escapes, every built-in this emulator
// promises, and the error messages, against a small fake host.
#include "arm-api/template/expression.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

using azlb::armtemplate::evaluateJson;
using azlb::armtemplate::evaluateString;
using azlb::armtemplate::ExpressionHost;
using azlb::armtemplate::isExpression;
using azlb::armtemplate::json;
using azlb::armtemplate::parseExpression;
using azlb::armtemplate::TemplateError;
using azlb::armtemplate::TemplateResult;

namespace {

/// Records what the expressions asked for; values come from the public members.
struct FakeHost : ExpressionHost {
  json params = {{"name", "Web"}, {"count", 3}, {"obj", {{"a", {{"b", json::array({10, 20})}}}}}};
  json vars = {{"prefix", "lb-"}};
  std::map<std::string, std::int64_t> loops;  // "" = the resource loop
  std::vector<std::string> parametersAsked;
  std::vector<std::pair<std::string, bool>> referencesAsked;

  TemplateResult<json> parameter(const std::string& name) override {
    parametersAsked.push_back(name);
    if (!params.contains(name)) {
      return azlb::unexpected(TemplateError{"InvalidTemplate", "no parameter " + name});
    }
    return params[name];
  }
  TemplateResult<json> variable(const std::string& name) override {
    if (!vars.contains(name))
      return azlb::unexpected(TemplateError{"InvalidTemplate", "no variable " + name});
    return vars[name];
  }
  TemplateResult<json> reference(const std::string& nameOrId, bool full) override {
    referencesAsked.emplace_back(nameOrId, full);
    if (nameOrId == "missing") {
      return azlb::unexpected(
          TemplateError{"ResourceNotFound", "The Resource 'missing' was not found."});
    }
    return json{{"ipAddress", "20.1.2.3"}, {"full", full}};
  }
  TemplateResult<std::int64_t> copyIndex(const std::string& loopName) override {
    auto it = loops.find(loopName);
    if (it == loops.end())
      return azlb::unexpected(TemplateError{"InvalidTemplate", "copyIndex outside a loop"});
    return it->second;
  }
  std::string subscriptionId() const override { return "sub-1"; }
  std::string resourceGroupName() const override { return "rg1"; }
  json resourceGroup() const override {
    return {
        {"id", "/subscriptions/sub-1/resourceGroups/rg1"}, {"name", "rg1"}, {"location", "westus"}};
  }
  json subscription() const override { return {{"subscriptionId", "sub-1"}}; }
  json deployment() const override { return {{"name", "deploy-1"}}; }
};

json eval(const std::string& text, FakeHost& host) {
  auto r = evaluateString(text, host);
  INFO(text);
  if (!r) FAIL(r.error().message);
  return *r;
}

json eval(const std::string& text) {
  FakeHost host;
  return eval(text, host);
}

std::string evalError(const std::string& text, FakeHost& host) {
  auto r = evaluateString(text, host);
  INFO(text);
  REQUIRE_FALSE(r);
  return r.error().message;
}

std::string evalError(const std::string& text) {
  FakeHost host;
  return evalError(text, host);
}

std::string parseError(const std::string& text) {
  auto r = parseExpression(text);
  INFO(text);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "InvalidTemplate");
  return r.error().message;
}

}  // namespace

TEST_CASE("only bracketed strings are expressions and [[ escapes a literal bracket") {
  CHECK(isExpression("[concat('a')]"));
  CHECK_FALSE(isExpression("[[concat('a')]"));
  CHECK_FALSE(isExpression("plain"));
  CHECK_FALSE(isExpression("[no closing"));
  CHECK_FALSE(isExpression("no opening]"));
  CHECK(eval("plain text") == "plain text");
  CHECK(eval("[[concat('a')]") == "[concat('a')]");
  CHECK(eval("[ concat( 'a' , 'b' ) ]") == "ab");  // whitespace between tokens is allowed
}

TEST_CASE("string literals unescape doubled quotes") {
  CHECK(eval("[concat('it''s', ' ok')]") == "it's ok");
  CHECK(eval("['''']") == "'");
}

TEST_CASE("function names are case-insensitive") {
  CHECK(eval("[CONCAT('a', 'b')]") == "ab");
  CHECK(eval("[ToLower('AbC')]") == "abc");
  CHECK(eval("[toupper('AbC')]") == "ABC");
}

TEST_CASE("property access and indexing apply to call results, in any nesting") {
  FakeHost host;
  CHECK(eval("[parameters('obj').a.b[1]]", host) == 20);
  CHECK(eval("[parameters('obj')['a'].b[0]]", host) == 10);
  CHECK(eval("[parameters('obj').A.B[0]]", host) == 10);  // property names match case-insensitively
  CHECK(eval("[createArray('x', 'y')[add(0, 1)]]", host) == "y");
  CHECK(eval("[json('{\"k\":{\"v\":3}}').k.v]", host) == 3);
  CHECK(eval("[reference('lb1').ipAddress]", host) == "20.1.2.3");
}

TEST_CASE("a missing property names the ones that exist") {
  std::string msg = evalError("[parameters('obj').a.nope]");
  CHECK(msg ==
        "The language expression property 'nope' doesn't exist, available properties are 'b'.");
}

TEST_CASE("an array index out of range is reported with the index") {
  CHECK(evalError("[createArray(1, 2)[2]]") ==
        "The language expression property array index '2' is out of bounds.");
  CHECK_THAT(evalError("[createArray(1, 2)['x']]"),
             Catch::Contains("array index must be an integer"));
  CHECK_THAT(evalError("['abc'[0]]"),
             Catch::Contains("can't be applied to a value of type 'String'"));
}

TEST_CASE("syntax errors are InvalidTemplate with the position") {
  CHECK(parseError("[concat('abc)]") ==
        "The language expression 'concat('abc)' is not valid: the string literal starting at "
        "position '7' is not terminated.");
  CHECK_THAT(parseError("[concat('a']]"), Catch::Contains("']' at position '10' is not expected"));
  CHECK_THAT(parseError("[concat('a') x]"),
             Catch::Contains("'x' at position '12' is not expected"));
  CHECK_THAT(parseError("[concat('a']"), Catch::Contains("ended unexpectedly at position '10'"));
  CHECK_THAT(parseError("[concat('a',]"), Catch::Contains("ended unexpectedly"));
  CHECK_THAT(parseError("[abc]"), Catch::Contains("'abc' at position '0' must be a function call"));
  CHECK_THAT(parseError("[]"), Catch::Contains("the expression is empty"));
  CHECK_THAT(parseError("[concat('a').]"), Catch::Contains("ended unexpectedly"));
  CHECK_THAT(parseError("[99999999999999999999]"), Catch::Contains("out of range"));
}

TEST_CASE("unknown functions and wrong argument counts fail at parse time") {
  CHECK(parseError("[foo('x')]") ==
        "The template function 'foo' is not valid. Please see https://aka.ms/arm-functions for "
        "usage details.");
  CHECK(parseError("[concat(bar())]").find("'bar'") != std::string::npos);
  CHECK(parseError("[toLower('a', 'b')]") ==
        "The template language function 'toLower' expects 1 argument(s). The function was invoked "
        "with 2 argument(s).");
  CHECK_THAT(parseError("[resourceGroup('x')]"), Catch::Contains("expects 0 argument(s)"));
  CHECK_THAT(parseError("[and(true())]"), Catch::Contains("expects at least 2 argument(s)"));
}

TEST_CASE("listKeys and other unsupported functions parse but fail when evaluated") {
  REQUIRE(parseExpression(
      "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 's'), '2019-06-01')]"));
  CHECK(evalError("[listKeys('x', '2019-06-01')]") ==
        "The template function 'listKeys' is not supported by the azlb emulator.");
  CHECK_THAT(evalError("[utcNow()]"), Catch::Contains("not supported"));
  // Unused branches are never evaluated, so a guarded unsupported call is harmless.
  CHECK(eval("[if(false(), listSecrets('x', 'y'), 'fallback')]") == "fallback");
}

TEST_CASE("concat joins strings (with ints and bools as text) or arrays, not a mix") {
  CHECK(eval("[concat('vm', 1, '-', true())]") == "vm1-True");
  CHECK(eval("[concat(createArray(1, 2), createArray(3))]") == json::array({1, 2, 3}));
  CHECK_THAT(evalError("[concat(createArray(1), 'a')]"), Catch::Contains("of type 'Array'"));
  CHECK_THAT(evalError("[concat('a', createObject('k', 1))]"), Catch::Contains("of type 'String'"));
}

TEST_CASE("format fills numbered placeholders with .NET-style specifiers and escapes") {
  CHECK(eval("[format('{0}-{1}-{0}', 'a', 2)]") == "a-2-a");
  CHECK(eval("[format('{0:D3}|{1,4}|{1,-4}|{{x}}', 7, 'ab')]") == "007|  ab|ab  |{x}");
  CHECK(eval("[format('{0:x}', 255)]") == "ff");
  CHECK_THAT(evalError("[format('{1}', 'only')]"),
             Catch::Contains("'{1}' has no matching argument"));
  CHECK_THAT(evalError("[format('{0', 'a')]"), Catch::Contains("unmatched '{'"));
}

TEST_CASE("integer arithmetic, including negatives, division by zero and overflow") {
  CHECK(eval("[add(2, 3)]") == 5);
  CHECK(eval("[sub(2, 5)]") == -3);
  CHECK(eval("[mul(-4, 3)]") == -12);
  CHECK(eval("[div(7, 2)]") == 3);
  CHECK(eval("[mod(7, 3)]") == 1);
  CHECK(eval("[add(-1, parameters('count'))]") == 2);
  CHECK_THAT(evalError("[div(1, 0)]"), Catch::Contains("divide by zero"));
  CHECK_THAT(evalError("[mul(9223372036854775807, 2)]"), Catch::Contains("out of the range"));
  CHECK_THAT(evalError("[add('1', 2)]"),
             Catch::Contains("expects its parameter 1 to be of type 'Integer'"));
}

TEST_CASE("comparison and logic") {
  CHECK(eval("[equals(createObject('a', createArray(1)), json('{\"a\":[1]}'))]") == true);
  CHECK(eval("[equals('a', 'A')]") == false);
  CHECK(eval("[not(equals(1, 2))]") == true);
  CHECK(eval("[and(true(), true(), false())]") == false);
  CHECK(eval("[or(false(), true())]") == true);
  CHECK(eval("[less(1, 2)]") == true);
  CHECK(eval("[greaterOrEquals('b', 'a')]") == true);
  CHECK(eval("[null()]").is_null());
  CHECK(eval("[coalesce(null(), null(), 'x')]") == "x");
  CHECK_THAT(evalError("[not('true')]"), Catch::Contains("of type 'Boolean'"));
}

TEST_CASE("if evaluates only the branch it takes") {
  FakeHost host;
  CHECK(eval("[if(equals(parameters('count'), 3), 'three', parameters('nope'))]", host) == "three");
  CHECK(host.parametersAsked == std::vector<std::string>{"count"});
  CHECK(eval("[if(false(), parameters('nope'), 'else')]", host) == "else");
  CHECK_THAT(evalError("[if('yes', 1, 2)]"), Catch::Contains("of type 'Boolean'"));
}

TEST_CASE("collection functions") {
  CHECK(eval("[empty('')]") == true);
  CHECK(eval("[empty(createArray())]") == true);
  CHECK(eval("[empty(json('{}'))]") == true);
  CHECK(eval("[empty(null())]") == true);
  CHECK(eval("[empty(' ')]") == false);
  CHECK(eval("[length('héllo')]") == 5);  // characters, not UTF-8 bytes
  CHECK(eval("[length(createArray(1, 2, 3))]") == 3);
  CHECK(eval("[length(createObject('a', 1))]") == 1);
  CHECK(eval("[contains(createObject('Key', 1), 'KEY')]") ==
        true);                                          // object keys: case-insensitive
  CHECK(eval("[contains('OneTwo', 'two')]") == false);  // substrings: case-sensitive
  CHECK(eval("[contains(createArray('a', 2), 2)]") == true);
  CHECK(eval("[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', "
             "createObject('y', 2)))]") == json{{"a", 1}, {"b", 2}, {"n", {{"x", 1}, {"y", 2}}}});
  CHECK(eval("[union(createArray(1, 2), createArray(2, 3))]") == json::array({1, 2, 3}));
  CHECK(eval("[createObject('a', 1, 'b', createArray('x'))]") == json{{"a", 1}, {"b", {"x"}}});
  CHECK_THAT(evalError("[createObject('a')]"), Catch::Contains("even number"));
  CHECK(eval("[first(createArray(4, 5))]") == 4);
  CHECK(eval("[last('abc')]") == "c");
  CHECK(eval("[take(createArray(1, 2, 3), 2)]") == json::array({1, 2}));
  CHECK(eval("[skip('abcd', 3)]") == "d");
  CHECK(eval("[range(5, 3)]") == json::array({5, 6, 7}));
  CHECK(eval("[max(createArray(3, 9, 2))]") == 9);
  CHECK(eval("[min(4, -1)]") == -1);
  CHECK(eval("[items(createObject('b', 2, 'a', 1))[0].key]") == "a");
  CHECK(eval("[array('x')]") == json::array({"x"}));
}

TEST_CASE("string functions") {
  CHECK(eval("[string(createObject('a', 1))]") == "{\"a\":1}");
  CHECK(eval("[string(42)]") == "42");
  CHECK(eval("[string(true())]") == "True");
  CHECK(eval("[int('-42')]") == -42);
  CHECK_THAT(evalError("[int('4x')]"), Catch::Contains("cannot be converted"));
  CHECK(eval("[bool('TRUE')]") == true);
  CHECK(eval("[bool(0)]") == false);
  CHECK(eval("[json('[1,\"a\"]')]") == json::array({1, "a"}));
  CHECK(eval("[json('null')]").is_null());
  CHECK_THAT(evalError("[json('{bad')]"), Catch::Contains("not a valid JSON string"));
  CHECK(eval("[replace('a-b-c', '-', '')]") == "abc");
  CHECK(eval("[split('a,b;c', createArray(',', ';'))]") == json::array({"a", "b", "c"}));
  CHECK(eval("[split('a,,b', ',')]") == json::array({"a", "", "b"}));
  CHECK(eval("[substring('hello', 1, 3)]") == "ell");
  CHECK(eval("[substring('hello', 2)]") == "llo");
  CHECK_THAT(evalError("[substring('hello', 3, 5)]"),
             Catch::Contains("The index parameter: '3', the length parameter: '5', the length of "
                             "the string parameter: '5'"));
  CHECK(eval("[trim('  x y  ')]") == "x y");
  CHECK(eval("[startsWith('LoadBalancer', 'load')]") == true);  // case-insensitive, as in ARM
  CHECK(eval("[endsWith('LoadBalancer', 'BALANCER')]") == true);
  CHECK(eval("[endsWith('a', 'ab')]") == false);
  CHECK(eval("[indexOf('abcABC', 'C')]") == 2);
  CHECK(eval("[lastIndexOf('abcABC', 'c')]") == 5);
  CHECK(eval("[indexOf(createArray('a', 'b'), 'z')]") == -1);
  CHECK(eval("[padLeft(7, 3, '0')]") == "007");
  CHECK(eval("[base64ToString(base64('lb1 ok'))]") == "lb1 ok");
  CHECK(eval("[base64('ab')]") == "YWI=");
}

TEST_CASE(
    "uniqueString is deterministic, 13 base-32 characters, and pinned to its documented hash") {
  std::string a = eval("[uniqueString('sub-1', 'rg1')]").get<std::string>();
  CHECK(a == eval("[uniqueString('sub-1', 'rg1')]").get<std::string>());
  CHECK(a.size() == 13);
  CHECK(std::all_of(a.begin(), a.end(),
                    [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }));
  CHECK(a != eval("[uniqueString('sub-1', 'rg2')]").get<std::string>());
  CHECK(a != eval("[uniqueString('sub-1rg1')]").get<std::string>());
  // FNV-1a 64 + SplitMix64 over "sub-1-rg1": changing the algorithm would rename every
  // resource that templates name with uniqueString(), so the value is pinned.
  CHECK(a == "pp6hygt35whgu");
  CHECK(azlb::armtemplate::uniqueString({"sub-1", "rg1"}) == a);
  CHECK(azlb::armtemplate::uniqueString({""}) == azlb::armtemplate::uniqueString({""}));
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(azlb::armtemplate::uniqueString({std::to_string(i)}));
  CHECK(seen.size() == 200);
}

TEST_CASE("guid is deterministic and GUID-shaped (version 5, RFC 4122 variant)") {
  std::string g = eval("[guid('a', 'b')]").get<std::string>();
  REQUIRE(g.size() == 36);
  for (std::size_t i = 0; i < g.size(); ++i) {
    INFO(g << " at " << i);
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      CHECK(g[i] == '-');
    } else {
      CHECK(((g[i] >= '0' && g[i] <= '9') || (g[i] >= 'a' && g[i] <= 'f')));
    }
  }
  CHECK(g[14] == '5');                                          // version 5
  CHECK(std::string("89ab").find(g[19]) != std::string::npos);  // RFC 4122 variant
  CHECK(g == eval("[guid('a', 'b')]").get<std::string>());
  CHECK(g != eval("[guid('a', 'c')]").get<std::string>());
}

TEST_CASE("resourceId builds resource-group ids, for child types too") {
  CHECK(eval("[resourceId('Microsoft.Network/loadBalancers', 'lb1')]") ==
        "/subscriptions/sub-1/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1");
  CHECK(eval("[resourceId('Microsoft.Network/loadBalancers/backendAddressPools', 'lb1', 'be1')]") ==
        "/subscriptions/sub-1/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/"
        "backendAddressPools/be1");
  CHECK(eval("[resourceId('other-rg', 'Microsoft.Network/publicIPAddresses', 'pip1')]") ==
        "/subscriptions/sub-1/resourceGroups/other-rg/providers/Microsoft.Network/"
        "publicIPAddresses/pip1");
  CHECK(
      eval("[resourceId('sub-2', 'rg9', 'Microsoft.Network/virtualNetworks/subnets', 'v', 's')]") ==
      "/subscriptions/sub-2/resourceGroups/rg9/providers/Microsoft.Network/virtualNetworks/v/"
      "subnets/s");
  FakeHost host;
  host.loops[""] = 4;
  CHECK(
      eval("[resourceId('Microsoft.Network/publicIPAddresses', concat('pip', copyIndex()))]",
           host) ==
      "/subscriptions/sub-1/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip4");
  CHECK_THAT(
      evalError("[resourceId('Microsoft.Network/loadBalancers/backendAddressPools', 'lb1')]"),
      Catch::Contains("requires 2 resource name segment(s), but 1 were given"));
  CHECK_THAT(evalError("[resourceId('lb', 'lb1')]"),
             Catch::Contains("multi-segmented argument which must be resource type"));
}

TEST_CASE("subscription, tenant and extension resource ids") {
  CHECK(eval("[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg2')]") ==
        "/subscriptions/sub-1/providers/Microsoft.Resources/resourceGroups/rg2");
  CHECK(eval("[subscriptionResourceId('sub-9', 'Microsoft.Resources/resourceGroups', 'rg2')]") ==
        "/subscriptions/sub-9/providers/Microsoft.Resources/resourceGroups/rg2");
  CHECK(eval("[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]") ==
        "/providers/Microsoft.Management/managementGroups/mg");
  CHECK(eval("[extensionResourceId('/subscriptions/s/resourceGroups/r', "
             "'Microsoft.Authorization/locks', 'l')]") ==
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Authorization/locks/l");
}

TEST_CASE("deployment-scope functions come from the host") {
  CHECK(eval("[resourceGroup().location]") == "westus");
  CHECK(eval("[subscription().subscriptionId]") == "sub-1");
  CHECK(eval("[deployment().name]") == "deploy-1");
  CHECK(eval("[variables('prefix')]") == "lb-");
}

TEST_CASE("reference passes the name and the Full flag to the host and returns its errors") {
  FakeHost host;
  eval("[reference('lb1')]", host);
  eval("[reference('lb1', '2022-05-01')]", host);
  eval("[reference('lb1', '2022-05-01', 'full')]", host);
  CHECK(host.referencesAsked ==
        std::vector<std::pair<std::string, bool>>{{"lb1", false}, {"lb1", false}, {"lb1", true}});
  auto r = evaluateString("[reference('missing').ipAddress]", host);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "ResourceNotFound");
  CHECK_THAT(evalError("[reference('lb1', '2022-05-01', 'Partial')]"), Catch::Contains("'Full'"));
}

TEST_CASE("copyIndex adds its offset and names loops") {
  FakeHost host;
  host.loops[""] = 2;
  host.loops["disks"] = 7;
  CHECK(eval("[copyIndex()]", host) == 2);
  CHECK(eval("[copyIndex(10)]", host) == 12);
  CHECK(eval("[copyIndex('disks')]", host) == 7);
  CHECK(eval("[copyIndex('disks', 1)]", host) == 8);
  CHECK(evalError("[copyIndex()]") == "copyIndex outside a loop");
}

TEST_CASE("evaluateJson evaluates every string value but no keys") {
  FakeHost host;
  json in = {{"[keep]", "[toUpper('x')]"}, {"list", {"[add(1, 1)]", 5, "plain"}}, {"n", nullptr}};
  auto out = evaluateJson(in, host);
  REQUIRE(out);
  CHECK(*out == json{{"[keep]", "X"}, {"list", {2, 5, "plain"}}, {"n", nullptr}});
  CHECK(azlb::armtemplate::checkJson(in));
  CHECK_FALSE(azlb::armtemplate::checkJson(json{{"a", {"[nope()]"}}}));
}
