// The relaxed JSON that Azure Resource Manager accepts (it reads bodies with Json.NET): comments
// (// and /* */), unquoted property names and trailing commas. `az deployment group create`
// relies on it: it splices the template file's text into the body as `..., template:{...}}}`
// (azure-cli's JsonCTemplatePolicy), so the key is unquoted and the template may hold comments.
// Pure.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace azlb::armapi {

/// Rewrites relaxed JSON text as strict JSON: comments dropped, unquoted property names (letters,
/// digits, '_' and '$', not starting with a digit) quoted, trailing commas before '}' or ']'
/// removed. Strings are copied untouched (escapes included). Text that is not JSON stays not
/// JSON: the result is for a strict parser to judge.
std::string strictJson(std::string_view relaxed);

/// strictJson() then nlohmann's parser; a discarded value when the text is not (relaxed) JSON.
/// Never throws.
nlohmann::json parseRelaxedJson(std::string_view text);

}  // namespace azlb::armapi
