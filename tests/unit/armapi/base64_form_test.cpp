// The one base64 (standard with padding, url without) and the form-body parser the login
// endpoint reads, against RFC 4648 §10's vectors and hand-made bodies.
#include <catch2/catch.hpp>

#include "common/base64.h"
#include "arm-api/common/form.h"

using azlb::base64Decode;
using azlb::base64Encode;
using azlb::base64UrlEncode;
using azlb::armapi::parseForm;

TEST_CASE("base64 encodes RFC 4648's test vectors, padded", "[base64]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    INFO(plain);
    CHECK(base64Encode(plain) == coded);
    CHECK(base64Decode(coded) == std::optional<std::string>(plain));
  }
}

TEST_CASE("base64url uses '-' and '_' and leaves the padding out", "[base64]") {
  CHECK(base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(base64Encode("\xfb\xff") == "+/8=");
  CHECK(base64UrlEncode("f") == "Zg");
  CHECK(base64UrlEncode("fo") == "Zm8");
  CHECK_FALSE(base64Decode("Zm9v!"));
}

TEST_CASE("form bodies decode '+' and %XX; a malformed escape drops only its field", "[form]") {
  auto f = parseForm("grant_type=password&username=u%40x.com&scope=a+b&flag&bad=%zz&x=1");
  CHECK(f["grant_type"] == "password");
  CHECK(f["username"] == "u@x.com");
  CHECK(f["scope"] == "a b");
  CHECK(f.count("flag") == 1);
  CHECK(f["flag"].empty());
  CHECK(f.count("bad") == 0);
  CHECK(f["x"] == "1");
}
