#include "arm-api/common/form.h"

#include <exception>

namespace azlb::armapi {

namespace {

std::string decodeField(const std::string& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      r += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()) {
      r += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      r += s[i];
    }
  }
  return r;
}

}  // namespace

std::map<std::string, std::string> parseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(pos, amp - pos);
    auto eq = pair.find('=');
    if (!pair.empty()) {
      try {
        out[decodeField(pair.substr(0, eq))] =
            eq == std::string::npos ? "" : decodeField(pair.substr(eq + 1));
      } catch (const std::exception&) {
        // A malformed escape leaves that field out.
      }
    }
    pos = amp + 1;
  }
  return out;
}

}  // namespace azlb::armapi
