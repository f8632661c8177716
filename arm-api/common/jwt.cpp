#include "arm-api/common/jwt.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "common/base64.h"

namespace azlb::armapi {

std::string makeJwt(const JwtSubject& s) {
  using json = nlohmann::json;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"kid", "azlb"}};
  std::string oid = s.user ? "00000000-0000-0000-0000-0000000000d1" : s.clientId;
  json claims = {{"aud", s.audience},
                 {"iss", s.issuer},
                 {"iat", now},
                 {"nbf", now},
                 {"exp", now + 3600},
                 {"tid", s.tenantId},
                 {"oid", oid},
                 {"sub", oid},
                 {"appid", s.clientId},
                 {"ver", "1.0"},
                 {"idtyp", s.user ? "user" : "app"}};
  if (s.user) {
    claims["upn"] = s.clientId;
    claims["unique_name"] = s.clientId;
  }
  return base64UrlEncode(header.dump()) + "." + base64UrlEncode(claims.dump()) + "." +
         base64UrlEncode("azlb-unsigned");
}

}  // namespace azlb::armapi
