#include "arm-api/common/jsonc.h"

#include <vector>

namespace azlb::armapi {

namespace {

bool identStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool identChar(char c) {
  return identStart(c) || (c >= '0' && c <= '9');
}

}  // namespace

std::string strictJson(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 16);
  std::vector<char> containers;                     // '{' or '['
  std::size_t lastSignificant = std::string::npos;  // index in out of the last non-space char
  auto emit = [&](char c) {
    out += c;
    lastSignificant = out.size() - 1;
  };
  std::size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (c == '"') {  // a string, escapes and all
      const std::size_t start = i++;
      while (i < in.size() && in[i] != '"') i += in[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, in.size());
      out.append(in.substr(start, i - start));
      lastSignificant = out.size() - 1;
      continue;
    }
    if (c == '/' && i + 1 < in.size() && in[i + 1] == '/') {
      while (i < in.size() && in[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      const std::size_t end = in.find("*/", i + 2);
      i = end == std::string_view::npos ? in.size() : end + 2;
      out += ' ';  // a comment separates tokens
      continue;
    }
    if (c == '{' || c == '[') {
      containers.push_back(c);
      emit(c);
      ++i;
      continue;
    }
    if (c == '}' || c == ']') {
      if (lastSignificant != std::string::npos && out[lastSignificant] == ',')
        out.erase(lastSignificant, 1);
      if (!containers.empty()) containers.pop_back();
      emit(c);
      ++i;
      continue;
    }
    const bool expectingKey = !containers.empty() && containers.back() == '{' &&
                              lastSignificant != std::string::npos &&
                              (out[lastSignificant] == '{' || out[lastSignificant] == ',');
    if (expectingKey && identStart(c)) {
      const std::size_t start = i;
      while (i < in.size() && identChar(in[i])) ++i;
      out += '"';
      out.append(in.substr(start, i - start));
      emit('"');
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      out += c;
    } else {
      emit(c);
    }
    ++i;
  }
  return out;
}

nlohmann::json parseRelaxedJson(std::string_view text) {
  return nlohmann::json::parse(strictJson(text), nullptr, false);
}

}  // namespace azlb::armapi
