// ARM template expression language. Inside this file evaluation unwinds with the private
// EvalFailure exception (it keeps the ~60 built-ins readable); every public function catches it,
// and nlohmann exceptions, and returns a TemplateResult instead.
#include "arm-api/template/expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <unordered_map>
#include <utility>

#include "common/base64.h"

namespace azlb::armtemplate {

namespace {

struct EvalFailure {
  TemplateError error;
};

[[noreturn]] void fail(std::string message) {
  throw EvalFailure{invalidTemplate(std::move(message))};
}

[[noreturn]] void failWith(TemplateError error) { throw EvalFailure{std::move(error)}; }

template <typename T>
T unwrap(TemplateResult<T> r) {
  if (!r) failWith(r.error());
  return std::move(r).value();
}

// ---------------------------------------------------------------------------------------------
// Small helpers

bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}
bool isPropertyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string toUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> splitPath(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) slash = s.size();
    out.emplace_back(s.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

/// The text form ARM gives a value in concat(), format() and string(): strings as is, booleans
/// as .NET prints them ("True"), null as "", objects and arrays as compact JSON.
std::string toText(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return v.get<std::string>();
    case json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case json::value_t::null:
      return "";
    case json::value_t::number_integer:
      return std::to_string(v.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(v.get<std::uint64_t>());
    default:
      return v.dump();
  }
}

bool isInteger(const json& v) { return v.is_number_integer(); }

std::int64_t asInt64(const json& v) {
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail("The integer value '" + std::to_string(u) + "' is out of range.");
    }
    return static_cast<std::int64_t>(u);
  }
  return v.get<std::int64_t>();
}

/// Arguments of one built-in call, with typed accessors that fail with ARM-style messages.
struct Call {
  std::string_view name;  // as written in the template
  std::vector<json>& args;
  ExpressionHost& host;

  std::size_t size() const { return args.size(); }

  [[noreturn]] void typeError(std::size_t i, std::string_view expected) const {
    fail("The template language function '" + std::string(name) + "' expects its parameter " +
         std::to_string(i + 1) + " to be of type '" + std::string(expected) +
         "'. The provided value is of type '" + typeName(args[i]) + "'.");
  }
  [[noreturn]] void error(const std::string& detail) const {
    fail("Unable to evaluate template language function '" + std::string(name) + "': " + detail);
  }
  const std::string& str(std::size_t i) const {
    if (!args[i].is_string()) typeError(i, "String");
    return args[i].get_ref<const std::string&>();
  }
  std::int64_t integer(std::size_t i) const {
    if (!isInteger(args[i])) typeError(i, "Integer");
    return asInt64(args[i]);
  }
  bool boolean(std::size_t i) const {
    if (!args[i].is_boolean()) typeError(i, "Boolean");
    return args[i].get<bool>();
  }
  const json& array(std::size_t i) const {
    if (!args[i].is_array()) typeError(i, "Array");
    return args[i];
  }
  const json& object(std::size_t i) const {
    if (!args[i].is_object()) typeError(i, "Object");
    return args[i];
  }
  /// A resource-name argument: strings, or integers as copyIndex() produces them.
  std::string nameArg(std::size_t i) const {
    if (args[i].is_string()) return args[i].get<std::string>();
    if (isInteger(args[i])) return toText(args[i]);
    typeError(i, "String");
  }
};

using BuiltinFn = json (*)(Call&);

struct FunctionSpec {
  std::string_view canonical;
  std::size_t minArgs;
  std::size_t maxArgs;  // kUnbounded for variadic functions
  BuiltinFn fn;
};

constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

// ---------------------------------------------------------------------------------------------
// Hashing for uniqueString() / guid()

std::uint64_t hash64(std::string_view data, std::uint64_t seed) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;  // FNV-1a 64 offset basis
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  // SplitMix64 finaliser: FNV alone mixes the last bytes poorly.
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::string joinParts(const std::vector<std::string>& parts) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) joined += '-';
    joined += parts[i];
  }
  return joined;
}

// ---------------------------------------------------------------------------------------------
// Resource id builders

std::string providerPath(const Call& c, std::size_t typeIndex) {
  const std::string& type = c.str(typeIndex);
  std::vector<std::string> typeSegs = splitPath(type);
  std::vector<std::string> names;
  for (std::size_t i = typeIndex + 1; i < c.size(); ++i) {
    for (auto& n : splitPath(c.nameArg(i))) names.push_back(std::move(n));
  }
  if (typeSegs.size() < 2 || typeSegs[0].empty()) {
    c.error("the resource type '" + type + "' must include the resource provider namespace.");
  }
  if (names.size() != typeSegs.size() - 1) {
    c.error("the resource type '" + type + "' requires " + std::to_string(typeSegs.size() - 1) +
            " resource name segment(s), but " + std::to_string(names.size()) + " were given.");
  }
  std::string path = "/providers/" + typeSegs[0];
  for (std::size_t i = 1; i < typeSegs.size(); ++i) {
    if (names[i - 1].empty()) c.error("resource names must not be empty.");
    path += "/" + typeSegs[i] + "/" + names[i - 1];
  }
  return path;
}

/// Index of the first argument that is a resource type (contains '/'), or error.
std::size_t typeArgIndex(const Call& c, std::size_t maxLeading) {
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c.args[i].is_string() &&
        c.args[i].get_ref<const std::string&>().find('/') != std::string::npos) {
      if (i > maxLeading) break;
      return i;
    }
  }
  c.error(
      "function requires exactly one multi-segmented argument which must be resource type "
      "including resource provider namespace. Current function arguments '" +
      [&] {
        std::string all;
        for (std::size_t i = 0; i < c.size(); ++i) all += (i ? "," : "") + toText(c.args[i]);
        return all;
      }() +
      "'.");
}

// ---------------------------------------------------------------------------------------------
// String helpers

std::size_t utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::size_t findIgnoreCase(std::string_view hay, std::string_view needle, bool last) {
  std::string h = toLower(hay);
  std::string n = toLower(needle);
  return last ? h.rfind(n) : h.find(n);
}

std::string formatInteger(std::int64_t v, std::string_view spec) {
  // .NET standard numeric formats that templates use: D<n> (zero padded) and X<n> (hex).
  if (spec.empty()) return std::to_string(v);
  char kind = static_cast<char>(std::toupper(static_cast<unsigned char>(spec[0])));
  std::size_t width = 0;
  if (spec.size() > 1) {
    auto [p, ec] = std::from_chars(spec.data() + 1, spec.data() + spec.size(), width);
    if (ec != std::errc() || p != spec.data() + spec.size()) width = 0;
  }
  std::string digits;
  bool negative = v < 0;
  if (kind == 'D') {
    digits = negative ? std::to_string(v).substr(1) : std::to_string(v);
  } else if (kind == 'X') {
    static constexpr char kHex[] = "0123456789abcdef";
    auto u = static_cast<std::uint64_t>(v);
    do {
      char d = kHex[u & 0xF];
      digits.insert(digits.begin(), spec[0] == 'X' ? static_cast<char>(std::toupper(d)) : d);
      u >>= 4;
    } while (u);
    negative = false;
  } else {
    return std::to_string(v);
  }
  if (digits.size() < width) digits.insert(0, width - digits.size(), '0');
  return negative ? "-" + digits : digits;
}

std::string composite(const Call& c) {
  const std::string& fmt = c.str(0);
  std::string out;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char ch = fmt[i];
    if (ch == '{' && i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    if (ch == '}' && i + 1 < fmt.size() && fmt[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    if (ch != '{') {
      if (ch == '}') c.error("the format string '" + fmt + "' has an unmatched '}'.");
      out += ch;
      continue;
    }
    std::size_t close = fmt.find('}', i);
    if (close == std::string::npos)
      c.error("the format string '" + fmt + "' has an unmatched '{'.");
    std::string_view item(fmt.data() + i + 1, close - i - 1);
    std::string_view spec;
    if (auto colon = item.find(':'); colon != std::string_view::npos) {
      spec = item.substr(colon + 1);
      item = item.substr(0, colon);
    }
    std::int64_t align = 0;
    if (auto comma = item.find(','); comma != std::string_view::npos) {
      std::string_view a = item.substr(comma + 1);
      std::from_chars(a.data(), a.data() + a.size(), align);
      item = item.substr(0, comma);
    }
    std::size_t index = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), index);
    if (ec != std::errc() || p != item.data() + item.size()) {
      c.error("the format item '{" + std::string(item) + "}' is not a valid placeholder.");
    }
    if (index + 1 >= c.size()) {
      c.error("the format item '{" + std::to_string(index) + "}' has no matching argument.");
    }
    const json& arg = c.args[index + 1];
    std::string text = isInteger(arg) ? formatInteger(asInt64(arg), spec) : toText(arg);
    auto width = static_cast<std::size_t>(align < 0 ? -align : align);
    if (text.size() < width) {
      if (align > 0) {
        text.insert(0, width - text.size(), ' ');
      } else {
        text.append(width - text.size(), ' ');
      }
    }
    out += text;
    i = close;
  }
  return out;
}

json unionValues(const json& a, const json& b) {
  json out = a;
  for (auto it = b.begin(); it != b.end(); ++it) {
    auto existing = out.find(it.key());
    if (existing != out.end() && existing->is_object() && it->is_object()) {
      *existing = unionValues(*existing, *it);
    } else {
      out[it.key()] = *it;
    }
  }
  return out;
}

using azlb::base64Decode;
using azlb::base64Encode;

// ---------------------------------------------------------------------------------------------
// The built-in functions

json fnConcat(Call& c) {
  bool anyArray =
      std::any_of(c.args.begin(), c.args.end(), [](const json& a) { return a.is_array(); });
  if (anyArray) {
    json out = json::array();
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c.args[i].is_null()) continue;
      for (const auto& e : c.array(i)) out.push_back(e);
    }
    return out;
  }
  std::string out;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c.args[i].is_object()) c.typeError(i, "String");
    out += toText(c.args[i]);
  }
  return out;
}

json fnToInt(Call& c) {
  const json& a = c.args[0];
  if (isInteger(a)) return asInt64(a);
  if (a.is_string()) {
    std::string_view s = a.get_ref<const std::string&>();
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return v;
    c.error("the value '" + a.get<std::string>() + "' cannot be converted to an integer.");
  }
  if (a.is_number_float()) return static_cast<std::int64_t>(a.get<double>());
  c.typeError(0, "String");
}

json fnToBool(Call& c) {
  const json& a = c.args[0];
  if (a.is_boolean()) return a;
  if (isInteger(a)) return asInt64(a) != 0;
  if (a.is_string()) {
    const auto& s = a.get_ref<const std::string&>();
    if (iequals(s, "true")) return true;
    if (iequals(s, "false")) return false;
    c.error("the value '" + s + "' cannot be converted to a boolean.");
  }
  c.typeError(0, "String");
}

json arithmetic(Call& c, char op) {
  std::int64_t a = c.integer(0);
  std::int64_t b = c.integer(1);
  std::int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case '+':
      overflow = __builtin_add_overflow(a, b, &r);
      break;
    case '-':
      overflow = __builtin_sub_overflow(a, b, &r);
      break;
    case '*':
      overflow = __builtin_mul_overflow(a, b, &r);
      break;
    default:
      if (b == 0) c.error("Attempted to divide by zero.");
      if (a == std::numeric_limits<std::int64_t>::min() && b == -1) {
        overflow = true;
      } else {
        r = op == '/' ? a / b : a % b;
      }
  }
  if (overflow) c.error("the result is out of the range of a 64-bit integer.");
  return r;
}

int compareValues(Call& c) {
  if (isInteger(c.args[0]) && isInteger(c.args[1])) {
    auto a = asInt64(c.args[0]);
    auto b = asInt64(c.args[1]);
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (c.args[0].is_string() && c.args[1].is_string()) {
    int r = c.str(0).compare(c.str(1));
    return r < 0 ? -1 : (r > 0 ? 1 : 0);
  }
  c.error("both arguments must be integers or both must be strings; got '" + typeName(c.args[0]) +
          "' and '" + typeName(c.args[1]) + "'.");
}

json fnEmpty(Call& c) {
  const json& a = c.args[0];
  if (a.is_null()) return true;
  if (a.is_string()) return a.get_ref<const std::string&>().empty();
  if (a.is_array() || a.is_object()) return a.empty();
  c.typeError(0, "String, Array or Object");
}

json fnLength(Call& c) {
  const json& a = c.args[0];
  if (a.is_string()) return static_cast<std::int64_t>(utf8Length(a.get_ref<const std::string&>()));
  if (a.is_array() || a.is_object()) return static_cast<std::int64_t>(a.size());
  c.typeError(0, "String, Array or Object");
}

json fnContains(Call& c) {
  const json& container = c.args[0];
  const json& item = c.args[1];
  if (container.is_object()) {
    if (!item.is_string()) c.typeError(1, "String");
    for (auto it = container.begin(); it != container.end(); ++it) {
      if (iequals(it.key(), item.get_ref<const std::string&>())) return true;
    }
    return false;
  }
  if (container.is_array()) {
    return std::any_of(container.begin(), container.end(),
                       [&](const json& e) { return e == item; });
  }
  if (container.is_string()) {
    if (item.is_object() || item.is_array()) c.typeError(1, "String");
    return container.get_ref<const std::string&>().find(toText(item)) != std::string::npos;
  }
  c.typeError(0, "String, Array or Object");
}

json fnUnion(Call& c) {
  if (c.args[0].is_object()) {
    json out = json::object();
    for (std::size_t i = 0; i < c.size(); ++i) out = unionValues(out, c.object(i));
    return out;
  }
  if (c.args[0].is_array()) {
    json out = json::array();
    for (std::size_t i = 0; i < c.size(); ++i) {
      for (const auto& e : c.array(i)) {
        if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
      }
    }
    return out;
  }
  c.typeError(0, "Object or Array");
}

json fnCreateObject(Call& c) {
  if (c.size() % 2 != 0)
    c.error("the function requires an even number of arguments (key, value pairs).");
  json out = json::object();
  for (std::size_t i = 0; i < c.size(); i += 2) out[c.str(i)] = c.args[i + 1];
  return out;
}

json fnJson(Call& c) {
  const std::string& s = c.str(0);
  try {
    return json::parse(s);
  } catch (const json::exception&) {
    c.error("the argument '" + s + "' is not a valid JSON string.");
  }
}

json fnReplace(Call& c) {
  std::string s = c.str(0);
  const std::string& from = c.str(1);
  const std::string& to = c.str(2);
  if (from.empty()) c.error("the old value must not be empty.");
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out += to;
  }
  out.append(s, pos);
  return out;
}

json fnSplit(Call& c) {
  const std::string& s = c.str(0);
  std::vector<std::string> delims;
  if (c.args[1].is_array()) {
    for (const auto& d : c.args[1]) {
      if (!d.is_string()) c.typeError(1, "String or Array of strings");
      delims.push_back(d.get<std::string>());
    }
  } else {
    delims.push_back(c.str(1));
  }
  delims.erase(std::remove(delims.begin(), delims.end(), std::string()), delims.end());
  json out = json::array();
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t matched = 0;
    for (const auto& d : delims) {
      if (s.compare(i, d.size(), d) == 0) {
        matched = d.size();
        break;
      }
    }
    if (matched) {
      out.push_back(s.substr(start, i - start));
      i += matched;
      start = i;
    } else {
      ++i;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

json fnSubstring(Call& c) {
  const std::string& s = c.str(0);
  std::int64_t start = c.size() > 1 ? c.integer(1) : 0;
  auto len = static_cast<std::int64_t>(s.size());
  std::int64_t count = c.size() > 2 ? c.integer(2) : len - start;
  if (start < 0 || count < 0 || start > len || count > len - start) {
    c.error(
        "The index and length parameters must refer to a location within the string. The index "
        "parameter: '" +
        std::to_string(start) + "', the length parameter: '" + std::to_string(count) +
        "', the length of the string parameter: '" + std::to_string(len) + "'.");
  }
  return s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(count));
}

json fnTrim(Call& c) {
  std::string_view s = c.str(0);
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return std::string(s);
}

json fnIndexOf(Call& c, bool last) {
  if (c.args[0].is_array()) {
    const json& arr = c.args[0];
    std::int64_t found = -1;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (arr[i] == c.args[1]) {
        found = static_cast<std::int64_t>(i);
        if (!last) break;
      }
    }
    return found;
  }
  std::size_t hit = findIgnoreCase(c.str(0), c.str(1), last);
  return hit == std::string::npos ? std::int64_t{-1} : static_cast<std::int64_t>(hit);
}

json takeOrSkip(Call& c, bool take) {
  std::int64_t n = std::max<std::int64_t>(0, c.integer(1));
  if (c.args[0].is_string()) {
    const std::string& s = c.str(0);
    auto k = std::min<std::size_t>(static_cast<std::size_t>(n), s.size());
    return take ? s.substr(0, k) : s.substr(k);
  }
  const json& arr = c.array(0);
  auto k = std::min<std::size_t>(static_cast<std::size_t>(n), arr.size());
  json out = json::array();
  for (std::size_t i = take ? 0 : k; i < (take ? k : arr.size()); ++i) out.push_back(arr[i]);
  return out;
}

json firstOrLast(Call& c, bool first) {
  if (c.args[0].is_string()) {
    const std::string& s = c.str(0);
    if (s.empty()) return "";
    return std::string(1, first ? s.front() : s.back());
  }
  const json& arr = c.array(0);
  if (arr.empty()) return nullptr;
  return first ? arr.front() : arr.back();
}

json minOrMax(Call& c, bool wantMin) {
  std::vector<std::int64_t> values;
  if (c.size() == 1 && c.args[0].is_array()) {
    for (const auto& e : c.args[0]) {
      if (!isInteger(e)) c.error("the array must contain only integers.");
      values.push_back(asInt64(e));
    }
  } else {
    for (std::size_t i = 0; i < c.size(); ++i) values.push_back(c.integer(i));
  }
  if (values.empty()) c.error("at least one value is required.");
  return wantMin ? *std::min_element(values.begin(), values.end())
                 : *std::max_element(values.begin(), values.end());
}

json fnRange(Call& c) {
  std::int64_t start = c.integer(0);
  std::int64_t count = c.integer(1);
  if (count < 0 || count > 10000) c.error("the count must be between 0 and 10000.");
  json out = json::array();
  for (std::int64_t i = 0; i < count; ++i) out.push_back(start + i);
  return out;
}

json fnPadLeft(Call& c) {
  std::string s = isInteger(c.args[0]) ? toText(c.args[0]) : c.str(0);
  std::int64_t total = c.integer(1);
  char pad = ' ';
  if (c.size() > 2) {
    const std::string& p = c.str(2);
    if (p.size() != 1) c.error("the padding character must be a single character.");
    pad = p[0];
  }
  if (total > 16384) c.error("the total length must not exceed 16384.");
  if (total > 0 && s.size() < static_cast<std::size_t>(total)) {
    s.insert(0, static_cast<std::size_t>(total) - s.size(), pad);
  }
  return s;
}

json fnItems(Call& c) {
  json out = json::array();
  const json& obj = c.object(0);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    out.push_back({{"key", it.key()}, {"value", *it}});
  }
  return out;
}

json fnResourceId(Call& c) {
  std::size_t t = typeArgIndex(c, 2);
  std::string sub = t == 2 ? c.str(0) : c.host.subscriptionId();
  std::string rg = t >= 1 ? c.str(t - 1) : c.host.resourceGroupName();
  return "/subscriptions/" + sub + "/resourceGroups/" + rg + providerPath(c, t);
}

json fnSubscriptionResourceId(Call& c) {
  std::size_t t = typeArgIndex(c, 1);
  std::string sub = t == 1 ? c.str(0) : c.host.subscriptionId();
  return "/subscriptions/" + sub + providerPath(c, t);
}

json fnTenantResourceId(Call& c) { return providerPath(c, typeArgIndex(c, 0)); }

json fnExtensionResourceId(Call& c) {
  std::string base = c.str(0);
  if (c.size() < 3) c.error("a resource id, a resource type and a name are required.");
  if (!c.args[1].is_string() || c.str(1).find('/') == std::string::npos) {
    c.error("the second argument must be a resource type including the provider namespace.");
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + providerPath(c, 1);
}

json fnReference(Call& c) {
  const std::string& target = c.str(0);
  if (c.size() > 1 && !c.args[1].is_string()) c.typeError(1, "String");
  bool full = false;
  if (c.size() > 2) {
    const std::string& mode = c.str(2);
    if (!iequals(mode, "Full")) {
      c.error("the third argument must be 'Full' when given; got '" + mode + "'.");
    }
    full = true;
  }
  return unwrap(c.host.reference(target, full));
}

json fnCopyIndex(Call& c) {
  std::string loop;
  std::int64_t offset = 0;
  if (c.size() >= 1) {
    if (c.args[0].is_string()) {
      loop = c.str(0);
      if (c.size() == 2) offset = c.integer(1);
    } else {
      if (c.size() == 2) c.typeError(0, "String");
      offset = c.integer(0);
    }
  }
  return unwrap(c.host.copyIndex(loop)) + offset;
}

const std::unordered_map<std::string, FunctionSpec>& functionTable() {
  static const auto table = [] {
    std::unordered_map<std::string, FunctionSpec> t;
    auto add = [&t](std::string_view name, std::size_t minArgs, std::size_t maxArgs, BuiltinFn fn) {
      t.emplace(toLower(name), FunctionSpec{name, minArgs, maxArgs, fn});
    };
    // Deployment values.
    add("parameters", 1, 1, [](Call& c) -> json { return unwrap(c.host.parameter(c.str(0))); });
    add("variables", 1, 1, [](Call& c) -> json { return unwrap(c.host.variable(c.str(0))); });
    add("reference", 1, 3, fnReference);
    add("copyIndex", 0, 2, fnCopyIndex);
    add("resourceGroup", 0, 0, [](Call& c) -> json { return c.host.resourceGroup(); });
    add("subscription", 0, 0, [](Call& c) -> json { return c.host.subscription(); });
    add("deployment", 0, 0, [](Call& c) -> json { return c.host.deployment(); });
    add("resourceId", 2, kUnbounded, fnResourceId);
    add("subscriptionResourceId", 2, kUnbounded, fnSubscriptionResourceId);
    add("tenantResourceId", 2, kUnbounded, fnTenantResourceId);
    add("extensionResourceId", 3, kUnbounded, fnExtensionResourceId);
    // Literals and conversions.
    add("true", 0, 0, [](Call&) -> json { return true; });
    add("false", 0, 0, [](Call&) -> json { return false; });
    add("null", 0, 0, [](Call&) -> json { return nullptr; });
    add("string", 1, 1, [](Call& c) -> json { return toText(c.args[0]); });
    add("int", 1, 1, fnToInt);
    add("bool", 1, 1, fnToBool);
    add("json", 1, 1, fnJson);
    add("array", 1, 1, [](Call& c) -> json {
      return c.args[0].is_array() ? c.args[0] : json::array({c.args[0]});
    });
    add("createArray", 0, kUnbounded, [](Call& c) -> json { return json(c.args); });
    add("createObject", 0, kUnbounded, fnCreateObject);
    // Strings.
    add("concat", 1, kUnbounded, fnConcat);
    add("format", 1, kUnbounded, [](Call& c) -> json { return composite(c); });
    add("toLower", 1, 1, [](Call& c) -> json { return toLower(c.str(0)); });
    add("toUpper", 1, 1, [](Call& c) -> json { return toUpperAscii(c.str(0)); });
    add("replace", 3, 3, fnReplace);
    add("split", 2, 2, fnSplit);
    add("substring", 1, 3, fnSubstring);
    add("trim", 1, 1, fnTrim);
    add("startsWith", 2, 2, [](Call& c) -> json {
      const std::string& s = c.str(0);
      const std::string& p = c.str(1);
      return s.size() >= p.size() && iequals(std::string_view(s).substr(0, p.size()), p);
    });
    add("endsWith", 2, 2, [](Call& c) -> json {
      const std::string& s = c.str(0);
      const std::string& p = c.str(1);
      return s.size() >= p.size() &&
             iequals(std::string_view(s).substr(s.size() - p.size()), p);
    });
    add("indexOf", 2, 2, [](Call& c) -> json { return fnIndexOf(c, false); });
    add("lastIndexOf", 2, 2, [](Call& c) -> json { return fnIndexOf(c, true); });
    add("padLeft", 2, 3, fnPadLeft);
    add("uniqueString", 1, kUnbounded, [](Call& c) -> json {
      std::vector<std::string> parts;
      for (std::size_t i = 0; i < c.size(); ++i) parts.push_back(c.str(i));
      return uniqueString(parts);
    });
    add("guid", 1, kUnbounded, [](Call& c) -> json {
      std::vector<std::string> parts;
      for (std::size_t i = 0; i < c.size(); ++i) parts.push_back(c.str(i));
      return deterministicGuid(parts);
    });
    add("base64", 1, 1, [](Call& c) -> json { return base64Encode(c.str(0)); });
    add("base64ToString", 1, 1, [](Call& c) -> json {
      auto decoded = base64Decode(c.str(0));
      if (!decoded) c.error("the argument is not a valid base64 string.");
      return *decoded;
    });
    // Numbers.
    add("add", 2, 2, [](Call& c) -> json { return arithmetic(c, '+'); });
    add("sub", 2, 2, [](Call& c) -> json { return arithmetic(c, '-'); });
    add("mul", 2, 2, [](Call& c) -> json { return arithmetic(c, '*'); });
    add("div", 2, 2, [](Call& c) -> json { return arithmetic(c, '/'); });
    add("mod", 2, 2, [](Call& c) -> json { return arithmetic(c, '%'); });
    add("min", 1, kUnbounded, [](Call& c) -> json { return minOrMax(c, true); });
    add("max", 1, kUnbounded, [](Call& c) -> json { return minOrMax(c, false); });
    add("range", 2, 2, fnRange);
    // Comparison and logic ("if" is evaluated lazily by the evaluator, never through here).
    add("equals", 2, 2, [](Call& c) -> json { return c.args[0] == c.args[1]; });
    add("less", 2, 2, [](Call& c) -> json { return compareValues(c) < 0; });
    add("lessOrEquals", 2, 2, [](Call& c) -> json { return compareValues(c) <= 0; });
    add("greater", 2, 2, [](Call& c) -> json { return compareValues(c) > 0; });
    add("greaterOrEquals", 2, 2, [](Call& c) -> json { return compareValues(c) >= 0; });
    add("not", 1, 1, [](Call& c) -> json { return !c.boolean(0); });
    add("and", 2, kUnbounded, [](Call& c) -> json {
      bool r = true;
      for (std::size_t i = 0; i < c.size(); ++i) r = c.boolean(i) && r;
      return r;
    });
    add("or", 2, kUnbounded, [](Call& c) -> json {
      bool r = false;
      for (std::size_t i = 0; i < c.size(); ++i) r = c.boolean(i) || r;
      return r;
    });
    add("if", 3, 3, nullptr);
    add("coalesce", 1, kUnbounded, [](Call& c) -> json {
      for (const auto& a : c.args) {
        if (!a.is_null()) return a;
      }
      return nullptr;
    });
    // Collections.
    add("empty", 1, 1, fnEmpty);
    add("length", 1, 1, fnLength);
    add("contains", 2, 2, fnContains);
    add("union", 1, kUnbounded, fnUnion);
    add("first", 1, 1, [](Call& c) -> json { return firstOrLast(c, true); });
    add("last", 1, 1, [](Call& c) -> json { return firstOrLast(c, false); });
    add("take", 2, 2, [](Call& c) -> json { return takeOrSkip(c, true); });
    add("skip", 2, 2, [](Call& c) -> json { return takeOrSkip(c, false); });
    add("items", 1, 1, fnItems);
    return t;
  }();
  return table;
}

/// Real ARM functions this engine recognises but cannot evaluate (they need live secrets, the
/// clock, or features the emulator does not model). Any name starting with "list" is included.
bool isUnsupportedFunction(std::string_view lowerName) {
  static constexpr std::array<std::string_view, 24> kNames = {"pickzones",
                                                              "environment",
                                                              "newguid",
                                                              "utcnow",
                                                              "datetimeadd",
                                                              "datetimefromepoch",
                                                              "datetimetoepoch",
                                                              "managementgroup",
                                                              "managementgroupresourceid",
                                                              "tenant",
                                                              "providers",
                                                              "uri",
                                                              "uricomponent",
                                                              "uricomponenttostring",
                                                              "datauri",
                                                              "datauritostring",
                                                              "base64tojson",
                                                              "intersection",
                                                              "filter",
                                                              "map",
                                                              "reduce",
                                                              "sort",
                                                              "toobject",
                                                              "flatten"};
  if (lowerName.substr(0, 4) == "list") return true;
  return std::find(kNames.begin(), kNames.end(), lowerName) != kNames.end();
}

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
 public:
  explicit Parser(std::string_view full) : full_(full), end_(full.size() - 1) {}

  ExprNode parse() {
    skipSpace();
    if (pos_ >= end_) syntaxError("the expression is empty.");
    ExprNode node = parseExpr();
    skipSpace();
    if (pos_ < end_) unexpected();
    return node;
  }

 private:
  std::string inner() const { return std::string(full_.substr(1, end_ - 1)); }
  std::size_t column() const { return pos_ - 1; }

  [[noreturn]] void syntaxError(const std::string& detail) const {
    fail("The language expression '" + inner() + "' is not valid: " + detail);
  }
  [[noreturn]] void unexpected() const {
    if (pos_ >= end_)
      syntaxError("the expression ended unexpectedly at position '" + std::to_string(column()) +
                  "'.");
    syntaxError("the character '" + std::string(1, full_[pos_]) + "' at position '" +
                std::to_string(column()) + "' is not expected.");
  }

  void skipSpace() {
    while (pos_ < end_ && isSpace(full_[pos_])) ++pos_;
  }
  bool peek(char c) const { return pos_ < end_ && full_[pos_] == c; }
  void expect(char c) {
    skipSpace();
    if (!peek(c)) unexpected();
    ++pos_;
  }

  ExprNode parseExpr() {
    if (++depth_ > kMaxDepth) syntaxError("the expression is nested too deeply.");
    ExprNode node = parsePrimary();
    for (;;) {
      skipSpace();
      if (peek('.')) {
        std::size_t at = column();
        ++pos_;
        skipSpace();
        std::size_t start = pos_;
        while (pos_ < end_ && isPropertyChar(full_[pos_])) ++pos_;
        if (pos_ == start) unexpected();
        ExprNode prop{
            ExprNode::Kind::Property, std::string(full_.substr(start, pos_ - start)), 0, {}, at};
        prop.args.push_back(std::move(node));
        node = std::move(prop);
      } else if (peek('[')) {
        std::size_t at = column();
        ++pos_;
        skipSpace();
        ExprNode index = parseExpr();
        expect(']');
        ExprNode idx{ExprNode::Kind::Index, {}, 0, {}, at};
        idx.args.push_back(std::move(node));
        idx.args.push_back(std::move(index));
        node = std::move(idx);
      } else {
        break;
      }
    }
    --depth_;
    return node;
  }

  ExprNode parsePrimary() {
    skipSpace();
    if (pos_ >= end_) unexpected();
    char c = full_[pos_];
    std::size_t at = column();
    if (c == '\'') return parseString();
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && pos_ + 1 < end_ &&
         std::isdigit(static_cast<unsigned char>(full_[pos_ + 1])))) {
      std::size_t start = pos_;
      ++pos_;
      while (pos_ < end_ && std::isdigit(static_cast<unsigned char>(full_[pos_]))) ++pos_;
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(full_.data() + start, full_.data() + pos_, v);
      if (ec != std::errc() || p != full_.data() + pos_) {
        syntaxError("the integer literal '" + std::string(full_.substr(start, pos_ - start)) +
                    "' at position '" + std::to_string(at) + "' is out of range.");
      }
      return ExprNode{ExprNode::Kind::Integer, {}, v, {}, at};
    }
    if (isIdentStart(c)) {
      std::size_t start = pos_;
      while (pos_ < end_ && isIdentChar(full_[pos_])) ++pos_;
      std::string name(full_.substr(start, pos_ - start));
      skipSpace();
      if (!peek('(')) {
        syntaxError("the identifier '" + name + "' at position '" + std::to_string(at) +
                    "' must be a function call such as '" + name + "()'.");
      }
      ++pos_;
      ExprNode call{ExprNode::Kind::Call, std::move(name), 0, {}, at};
      skipSpace();
      if (peek(')')) {
        ++pos_;
        return call;
      }
      for (;;) {
        call.args.push_back(parseExpr());
        skipSpace();
        if (peek(',')) {
          ++pos_;
          continue;
        }
        if (peek(')')) {
          ++pos_;
          return call;
        }
        unexpected();
      }
    }
    unexpected();
  }

  ExprNode parseString() {
    std::size_t at = column();
    ++pos_;  // opening quote
    std::string value;
    for (;;) {
      if (pos_ >= end_) {
        syntaxError("the string literal starting at position '" + std::to_string(at) +
                    "' is not terminated.");
      }
      char c = full_[pos_++];
      if (c != '\'') {
        value += c;
        continue;
      }
      if (peek('\'')) {  // '' is an escaped quote
        value += '\'';
        ++pos_;
        continue;
      }
      return ExprNode{ExprNode::Kind::String, std::move(value), 0, {}, at};
    }
  }

  static constexpr int kMaxDepth = 200;
  std::string_view full_;
  std::size_t end_;  // index of the closing ']'
  std::size_t pos_ = 1;
  int depth_ = 0;
};

void checkFunctions(const ExprNode& node) {
  for (const auto& a : node.args) checkFunctions(a);
  if (node.kind != ExprNode::Kind::Call) return;
  std::string lower = toLower(node.text);
  const auto& table = functionTable();
  auto it = table.find(lower);
  if (it == table.end()) {
    if (isUnsupportedFunction(lower)) return;
    fail("The template function '" + node.text +
         "' is not valid. Please see https://aka.ms/arm-functions for usage details.");
  }
  const FunctionSpec& spec = it->second;
  std::size_t n = node.args.size();
  if (n < spec.minArgs || n > spec.maxArgs) {
    std::string expected =
        spec.minArgs == spec.maxArgs
            ? std::to_string(spec.minArgs)
            : (spec.maxArgs == kUnbounded ? "at least " + std::to_string(spec.minArgs)
                                          : "between " + std::to_string(spec.minArgs) + " and " +
                                                std::to_string(spec.maxArgs));
    fail("The template language function '" + node.text + "' expects " + expected +
         " argument(s). The function was invoked with " + std::to_string(n) + " argument(s).");
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluator

const json* findProperty(const json& obj, const std::string& name) {
  auto exact = obj.find(name);
  if (exact != obj.end()) return &*exact;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (iequals(it.key(), name)) return &*it;
  }
  return nullptr;
}

json propertyOf(const json& target, const std::string& name) {
  if (!target.is_object()) {
    fail("The language expression property '" + name +
         "' can't be evaluated, the value is of type '" + typeName(target) + "', not 'Object'.");
  }
  if (const json* v = findProperty(target, name)) return *v;
  std::string available;
  for (auto it = target.begin(); it != target.end(); ++it) {
    available += (available.empty() ? "" : ", ") + it.key();
  }
  fail("The language expression property '" + name + "' doesn't exist, available properties are '" +
       available + "'.");
}

json evalNode(const ExprNode& node, ExpressionHost& host) {
  switch (node.kind) {
    case ExprNode::Kind::String:
      return node.text;
    case ExprNode::Kind::Integer:
      return node.integer;
    case ExprNode::Kind::Property:
      return propertyOf(evalNode(node.args[0], host), node.text);
    case ExprNode::Kind::Index: {
      json target = evalNode(node.args[0], host);
      json index = evalNode(node.args[1], host);
      if (target.is_array()) {
        if (!isInteger(index)) {
          fail("The language expression array index must be an integer; got a value of type '" +
               typeName(index) + "'.");
        }
        std::int64_t i = asInt64(index);
        if (i < 0 || static_cast<std::size_t>(i) >= target.size()) {
          fail("The language expression property array index '" + std::to_string(i) +
               "' is out of bounds.");
        }
        return target[static_cast<std::size_t>(i)];
      }
      if (target.is_object() && index.is_string())
        return propertyOf(target, index.get<std::string>());
      fail("The language expression index can't be applied to a value of type '" +
           typeName(target) + "' with an index of type '" + typeName(index) + "'.");
    }
    case ExprNode::Kind::Call:
      break;
  }
  std::string lower = toLower(node.text);
  const auto& table = functionTable();
  auto it = table.find(lower);
  if (it == table.end()) {
    if (isUnsupportedFunction(lower)) {
      fail("The template function '" + node.text + "' is not supported by the azlb emulator.");
    }
    fail("The template function '" + node.text +
         "' is not valid. Please see https://aka.ms/arm-functions for usage details.");
  }
  if (lower == "if") {
    if (node.args.size() != 3) fail("The template language function 'if' expects 3 argument(s).");
    json cond = evalNode(node.args[0], host);
    if (!cond.is_boolean()) {
      fail(
          "The template language function 'if' expects its parameter 1 to be of type 'Boolean'. "
          "The provided value is of type '" +
          typeName(cond) + "'.");
    }
    return evalNode(node.args[cond.get<bool>() ? 1 : 2], host);
  }
  std::vector<json> args;
  args.reserve(node.args.size());
  for (const auto& a : node.args) args.push_back(evalNode(a, host));
  Call call{node.text, args, host};
  return it->second.fn(call);
}

json evalJson(const json& value, ExpressionHost& host) {
  if (value.is_string()) return unwrap(evaluateString(value.get_ref<const std::string&>(), host));
  if (value.is_array()) {
    json out = json::array();
    for (const auto& e : value) out.push_back(evalJson(e, host));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (auto it = value.begin(); it != value.end(); ++it) out[it.key()] = evalJson(*it, host);
    return out;
  }
  return value;
}

void checkJsonRec(const json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (isExpression(s)) checkFunctions(Parser(s).parse());
  } else if (value.is_structured()) {
    for (const auto& e : value) checkJsonRec(e);
  }
}

template <typename F>
auto guard(F&& f) -> TemplateResult<decltype(f())> {
  try {
    return f();
  } catch (const EvalFailure& e) {
    return unexpected(e.error);
  } catch (const json::exception& e) {
    return unexpected(invalidTemplate(std::string("Template evaluation failed: ") + e.what()));
  }
}

}  // namespace

// -----------------------------------------------------------------------------------------------
// Public API

bool isExpression(std::string_view text) {
  return text.size() >= 2 && text.front() == '[' && text.back() == ']' && text[1] != '[';
}

TemplateResult<ExprNode> parseExpression(std::string_view text) {
  if (!isExpression(text)) {
    return unexpected(invalidTemplate("The string '" + std::string(text) +
                                      "' is not a template language expression."));
  }
  return guard([&] {
    ExprNode node = Parser(text).parse();
    checkFunctions(node);
    return node;
  });
}

TemplateResult<json> evaluate(const ExprNode& node, ExpressionHost& host) {
  return guard([&] { return evalNode(node, host); });
}

TemplateResult<json> evaluateString(const std::string& text, ExpressionHost& host) {
  if (text.size() >= 2 && text[0] == '[' && text[1] == '[' && text.back() == ']') {
    return json(text.substr(1));
  }
  if (!isExpression(text)) return json(text);
  auto node = parseExpression(text);
  if (!node) return unexpected(node.error());
  return evaluate(*node, host);
}

TemplateResult<json> evaluateJson(const json& value, ExpressionHost& host) {
  return guard([&] { return evalJson(value, host); });
}

TemplateResult<void> checkJson(const json& value) {
  try {
    checkJsonRec(value);
  } catch (const EvalFailure& e) {
    return unexpected(e.error);
  }
  return {};
}

void collectCalls(const ExprNode& node, std::string_view function,
                  std::vector<const ExprNode*>& out) {
  if (node.kind == ExprNode::Kind::Call && iequals(node.text, function)) {
    out.push_back(&node);
  }
  for (const auto& a : node.args) collectCalls(a, function, out);
}

std::string uniqueString(const std::vector<std::string>& parts) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::uint64_t h = hash64(joinParts(parts), 0);
  std::string out;
  out += kAlphabet[h >> 60];  // top 4 bits
  for (int shift = 55; shift >= 0; shift -= 5) out += kAlphabet[(h >> shift) & 31];
  return out;
}

std::string deterministicGuid(const std::vector<std::string>& parts) {
  std::string joined = joinParts(parts);
  std::uint64_t lanes[2] = {hash64(joined, 0x6775696400000001ULL),
                            hash64(joined, 0x6775696400000002ULL)};
  std::array<std::uint8_t, 16> b{};
  for (int i = 0; i < 16; ++i)
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(lanes[i / 8] >> (56 - 8 * (i % 8)));
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x50);  // version 5 (name based)
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0xF];
  }
  return out;
}

std::string typeName(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "String";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "Integer";
    case json::value_t::number_float:
      return "Float";
    case json::value_t::boolean:
      return "Boolean";
    case json::value_t::object:
      return "Object";
    case json::value_t::array:
      return "Array";
    default:
      return "Null";
  }
}

}  // namespace azlb::armtemplate
