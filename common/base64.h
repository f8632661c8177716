// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded, as JWT segments use) encoding and
// decoding. The one implementation in azlb: the template functions base64()/base64ToString()
// and the login endpoint's tokens both use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace azlb {

/// Standard alphabet with '=' padding.
std::string base64Encode(std::string_view in);
/// URL-safe alphabet ('-', '_') without padding.
std::string base64UrlEncode(std::string_view in);
/// Decodes the standard alphabet; stops at the first '='. nullopt on any other character.
std::optional<std::string> base64Decode(std::string_view in);

}  // namespace azlb
