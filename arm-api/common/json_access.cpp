#include "arm-api/common/json_access.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

#include "arm-api/common/resource_id.h"

namespace azlb::armapi {

namespace {
const char* kindName(JsonKind k) {
  switch (k) {
    case JsonKind::String:
      return "String";
    case JsonKind::Integer:
      return "Integer";
    case JsonKind::Boolean:
      return "Boolean";
    case JsonKind::Object:
      return "Object";
    case JsonKind::Array:
      return "Array";
  }
  return "?";
}
bool hasKind(const json& v, JsonKind k) {
  switch (k) {
    case JsonKind::String:
      return v.is_string();
    case JsonKind::Integer:
      return v.is_number_integer();
    case JsonKind::Boolean:
      return v.is_boolean();
    case JsonKind::Object:
      return v.is_object();
    case JsonKind::Array:
      return v.is_array();
  }
  return false;
}
std::string join(const std::string& path, const char* key) {
  return path.empty() ? std::string(key) : path + "." + key;
}
ArmError typeError(const std::string& where, JsonKind want, const json& got) {
  return errors::invalidRequestFormat(
      "InvalidJsonTokenType", "Unexpected token type " + std::string(got.type_name()) +
                                  " for property '" + where + "'; expected " + kindName(want) +
                                  ".");
}
}  // namespace

ArmResult<bool> checkKinds(const json& obj, const std::string& path,
                           std::initializer_list<std::pair<const char*, JsonKind>> fields) {
  if (!obj.is_object()) return true;
  for (const auto& [key, kind] : fields) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) continue;
    if (!hasKind(*it, kind)) return armFail(typeError(join(path, key), kind, *it));
  }
  return true;
}

ArmResult<json> objectAt(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return json::object();
  if (!it->is_object()) return armFail(typeError(join(path, key), JsonKind::Object, *it));
  return *it;
}

ArmResult<json> arrayAt(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return json::array();
  if (!it->is_array()) return armFail(typeError(join(path, key), JsonKind::Array, *it));
  return *it;
}

ArmResult<std::optional<std::string>> refAt(const json& obj, const char* key,
                                            const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_object()) return armFail(typeError(join(path, key), JsonKind::Object, *it));
  auto id = it->find("id");
  if (id == it->end() || id->is_null()) return std::optional<std::string>{};
  if (!id->is_string()) return armFail(typeError(join(path, key) + ".id", JsonKind::String, *id));
  return std::optional<std::string>{id->get<std::string>()};
}

std::string stringOr(const json& obj, const char* key, std::string def) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  return it->get<std::string>();
}

ArmResult<std::string> canonicalEnum(std::string_view value,
                                     std::initializer_list<const char*> allowed,
                                     const std::string& path) {
  std::string list;
  for (const char* a : allowed) {
    if (iequals(value, a)) return std::string(a);
    list += list.empty() ? a : std::string(", ") + a;
  }
  return armFail(errors::invalidParameter("Value '" + std::string(value) + "' of property '" +
                                              path + "' is not valid. Allowed values are: " + list +
                                              ".",
                                          path));
}

ArmResult<int64_t> intInRange(const json& obj, const char* key, int64_t def, int64_t lo, int64_t hi,
                              const std::string& path, const std::string& what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return def;
  std::string where = join(path, key);
  if (!it->is_number_integer()) return armFail(typeError(where, JsonKind::Integer, *it));
  auto v = it->get<int64_t>();
  if (v < lo || v > hi)
    return armFail(errors::invalidParameter(what + " " + std::to_string(v) + " of property '" +
                                                where + "' is out of range; it must be between " +
                                                std::to_string(lo) + " and " + std::to_string(hi) +
                                                ".",
                                            where));
  return v;
}

std::string newGuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string newEtag() {
  return "W/\"" + newGuid() + "\"";
}

std::string nowTimestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto frac = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
              1000000000LL;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%07lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac / 100));
  return buf;
}

}  // namespace azlb::armapi
