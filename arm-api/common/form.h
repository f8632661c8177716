// application/x-www-form-urlencoded bodies (the OAuth token endpoint's requests): '+' is a space,
// %XX an escaped byte. Pure.
#pragma once

#include <map>
#include <string>

namespace azlb::armapi {

/// Fields of a form body; a field with a malformed escape is left out, a later duplicate wins.
std::map<std::string, std::string> parseForm(const std::string& body);

}  // namespace azlb::armapi
