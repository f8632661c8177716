// ARM template expression language: parser, evaluator and built-in functions ("[concat(...)]").
// Owns the syntax and the function library only; parameters, variables, copy loops and
// reference() come from the ExpressionHost (the Deployment in template_engine.h). No I/O.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"
#include "common/result.h"

namespace azlb::armtemplate {

using json = nlohmann::json;

/// A template or expression problem. `code` is "InvalidTemplate" for everything this module
/// reports; the message is worded like ARM's so clients can show it as is.
struct TemplateError {
  std::string code;
  std::string message;
};

inline constexpr std::string_view kInvalidTemplate = "InvalidTemplate";

inline TemplateError invalidTemplate(std::string message) {
  return TemplateError{std::string(kInvalidTemplate), std::move(message)};
}

template <typename T>
using TemplateResult = Result<T, TemplateError>;

/// One node of a parsed expression.
struct ExprNode {
  enum class Kind {
    String,    ///< 'literal' (text holds the unescaped value)
    Integer,   ///< 42 or -1 (integer)
    Call,      ///< name(args...) (text holds the name as written)
    Property,  ///< args[0].text
    Index,     ///< args[0][args[1]]
  };
  Kind kind = Kind::String;
  std::string text;
  std::int64_t integer = 0;
  std::vector<ExprNode> args;
  std::size_t position = 0;  ///< offset of the node inside the expression text, for messages
};

/// What an expression may ask of its surroundings. Implemented by the deployment engine; tests
/// implement small fakes. Every method may fail with a TemplateError that is passed on as is.
class ExpressionHost {
 public:
  virtual ~ExpressionHost() = default;
  /// parameters('name'): the merged parameter value.
  virtual TemplateResult<json> parameter(const std::string& name) = 0;
  /// variables('name'): the evaluated variable.
  virtual TemplateResult<json> variable(const std::string& name) = 0;
  /// reference(nameOrId, apiVersion, 'Full'): `full` is true when the third argument is 'Full'.
  virtual TemplateResult<json> reference(const std::string& nameOrId, bool full) = 0;
  /// copyIndex() (loopName empty: the enclosing resource/output loop) or copyIndex('loop').
  virtual TemplateResult<std::int64_t> copyIndex(const std::string& loopName) = 0;
  virtual std::string subscriptionId() const = 0;
  virtual std::string resourceGroupName() const = 0;
  /// resourceGroup(), subscription() and deployment() objects.
  virtual json resourceGroup() const = 0;
  virtual json subscription() const = 0;
  virtual json deployment() const = 0;
};

/// True when `text` is an expression: first char '[', last char ']', and not the "[[" escape.
bool isExpression(std::string_view text);

/// Parses an expression string including its surrounding brackets ("[f(1)]"). Fails with
/// InvalidTemplate for syntax errors (message names the position, as ARM does) and for calls to
/// functions that do not exist or are given the wrong number of arguments. Known but
/// unsupported functions (listKeys, ...) parse fine and fail when evaluated.
TemplateResult<ExprNode> parseExpression(std::string_view text);

/// Evaluates a parsed expression. Errors: InvalidTemplate (type errors, missing properties,
/// unsupported functions) or whatever the host returns.
TemplateResult<json> evaluate(const ExprNode& node, ExpressionHost& host);

/// Evaluates one template string: an expression is parsed and evaluated, "[[x" yields "[x",
/// any other string is returned unchanged.
TemplateResult<json> evaluateString(const std::string& text, ExpressionHost& host);

/// Evaluates every string value inside `value` (object keys are left alone).
TemplateResult<json> evaluateJson(const json& value, ExpressionHost& host);

/// Checks every expression string inside `value` for syntax errors and unknown functions
/// without evaluating anything.
TemplateResult<void> checkJson(const json& value);

/// Appends to `out` every call node inside `node` (depth first) whose name equals `function`
/// (case-insensitively). Used to find reference() calls for implicit dependencies.
void collectCalls(const ExprNode& node, std::string_view function,
                  std::vector<const ExprNode*>& out);

/// uniqueString(): 13 lowercase base-32 characters derived from the arguments joined with '-'.
/// Hash: FNV-1a 64 over the UTF-8 bytes, then the SplitMix64 finaliser; the 64 bits are written
/// most significant first, 5 bits per character ("abcdefghijklmnopqrstuvwxyz234567"), the first
/// character taking the top 4 bits. Deterministic, but not byte-equal to Azure's.
std::string uniqueString(const std::vector<std::string>& parts);

/// guid(): a GUID-formatted string (version-5 and RFC 4122 variant bits set) derived from the
/// arguments joined with '-', using two differently seeded lanes of the uniqueString hash.
/// Deterministic, but not byte-equal to Azure's.
std::string deterministicGuid(const std::vector<std::string>& parts);

/// ARM type name of a value as used in messages and outputs: String, Integer, Boolean, Object,
/// Array, Float or Null.
std::string typeName(const json& value);

}  // namespace azlb::armtemplate
