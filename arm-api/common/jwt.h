// The unsigned bearer tokens the emulator's login endpoint hands out: JWT-shaped (header, claims,
// a fixed "signature"), so clients that read claims (az, the SDKs) work. Nothing verifies them.
#pragma once

#include <string>

namespace azlb::armapi {

struct JwtSubject {
  std::string tenantId;
  std::string audience;
  std::string clientId;  // the app id, or the user name when `user`
  std::string issuer;
  bool user = false;  // a user (password / refresh grant) rather than an app (client credentials)
};

/// header.claims.signature, each base64url; valid for an hour from now.
std::string makeJwt(const JwtSubject& subject);

}  // namespace azlb::armapi
