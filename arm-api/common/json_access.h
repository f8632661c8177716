// Typed, path-aware reads of request bodies: a wrong JSON type becomes ARM's
// InvalidRequestFormat with the property path, an out-of-set enum an InvalidParameter. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "arm-api/common/arm_error.h"

namespace azlb::armapi {

using json = nlohmann::json;

enum class JsonKind { String, Integer, Boolean, Object, Array };

/// Checks that each listed key of obj, when present and not null, has the given kind.
ArmResult<bool> checkKinds(const json& obj, const std::string& path,
                           std::initializer_list<std::pair<const char*, JsonKind>> fields);

/// The object at obj[key] ({} when absent or null); error when present with another type.
ArmResult<json> objectAt(const json& obj, const char* key, const std::string& path);
/// The array at obj[key] ([] when absent or null); error when present with another type.
ArmResult<json> arrayAt(const json& obj, const char* key, const std::string& path);

/// obj[key]["id"] when obj[key] is {"id": "..."}; nullopt when absent. Error when malformed.
ArmResult<std::optional<std::string>> refAt(const json& obj, const char* key,
                                            const std::string& path);

/// obj[key] as a string, or def when absent or null (JSON null means "not set"). Check the kind
/// first with checkKinds: a present non-string value throws.
std::string stringOr(const json& obj, const char* key, std::string def);

/// Matches value case-insensitively against allowed and returns the canonical spelling.
ArmResult<std::string> canonicalEnum(std::string_view value,
                                     std::initializer_list<const char*> allowed,
                                     const std::string& path);

/// Integer in [lo, hi], or the default when absent; InvalidParameter naming the path otherwise.
ArmResult<int64_t> intInRange(const json& obj, const char* key, int64_t def, int64_t lo, int64_t hi,
                              const std::string& path, const std::string& what);

/// New random GUID (lower-case, 8-4-4-4-12).
std::string newGuid();
/// W/"<guid>"
std::string newEtag();
/// RFC 3339 UTC timestamp with 7 fractional digits, as ARM writes them.
std::string nowTimestamp();

}  // namespace azlb::armapi
