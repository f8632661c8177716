// Unit tests for arm-api/tls/tls_material: generation, reuse byte for byte, repair of broken
// or unsuitable files, key modes and the trust bundle. Each case works in its own mkdtemp dir.
#include "arm-api/tls/tls_material.h"
#include "tests/support/temp_dir.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

namespace {

namespace fs = std::filesystem;
using azlb::tls::ensureTlsMaterial;
using azlb::tls::TlsFiles;

template <auto FreeFn>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using StorePtr = std::unique_ptr<X509_STORE, OpenSslFree<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslFree<X509_STORE_CTX_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslFree<X509_EXTENSION_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, OpenSslFree<BASIC_CONSTRAINTS_free>>;

using azlb::testsupport::TempDir;

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeAll(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

std::map<std::string, std::string> snapshot(const TlsFiles& f) {
  return {{"ca", readAll(f.caCert)},
          {"caKey", readAll(f.caKey)},
          {"server", readAll(f.serverCert)},
          {"serverKey", readAll(f.serverKey)},
          {"bundle", readAll(f.bundle)}};
}

X509Ptr loadCert(const fs::path& p) {
  BioPtr bio(BIO_new_file(p.c_str(), "r"));
  REQUIRE(bio);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

PkeyPtr loadKey(const fs::path& p) {
  BioPtr bio(BIO_new_file(p.c_str(), "r"));
  REQUIRE(bio);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(key);
  return key;
}

/// X509_verify_cert of server.pem against ca.pem alone, for TLS server use, with the strict
/// RFC 5280 checks Python 3.13 turns on by default. Returns the X509_V_* result.
int verifyServer(const TlsFiles& f) {
  X509Ptr ca = loadCert(f.caCert);
  X509Ptr server = loadCert(f.serverCert);
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), server.get(), nullptr) == 1);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx.get()), "localhost", 0);
  if (X509_verify_cert(ctx.get()) == 1) return X509_V_OK;
  return X509_STORE_CTX_get_error(ctx.get());
}

mode_t modeOf(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

/// Signs a server-like certificate for localhost with the CA in `f`, valid for `days`, with or
/// without SANs: the unsuitable-but-well-formed inputs ensureTlsMaterial must replace.
void writeServerSignedByCa(const TlsFiles& f, int days, bool withSans) {
  X509Ptr ca = loadCert(f.caCert);
  PkeyPtr caKey = loadKey(f.caKey);
  PkeyPtr key = loadKey(f.serverKey);  // reuse the server key so only the certificate is bad
  X509Ptr cert(X509_new());
  REQUIRE(X509_set_version(cert.get(), X509_VERSION_3) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600));
  REQUIRE(X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr));
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                     0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.get())) == 1);
  REQUIRE(X509_set_pubkey(cert.get(), key.get()) == 1);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, ca.get(), cert.get(), nullptr, nullptr, 0);
  X509V3_set_ctx_nodb(&v3);
  auto add = [&](int nid, const char* value) {
    ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &v3, nid, value));
    REQUIRE(ext);
    REQUIRE(X509_add_ext(cert.get(), ext.get(), -1) == 1);
  };
  add(NID_basic_constraints, "critical,CA:FALSE");
  add(NID_key_usage, "critical,digitalSignature");
  add(NID_ext_key_usage, "serverAuth");
  add(NID_subject_key_identifier, "hash");
  add(NID_authority_key_identifier, "keyid:always");
  if (withSans) add(NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  REQUIRE(X509_sign(cert.get(), caKey.get(), EVP_sha256()) > 0);
  BioPtr out(BIO_new_file(f.serverCert.c_str(), "w"));
  REQUIRE(out);
  REQUIRE(PEM_write_bio_X509(out.get(), cert.get()) == 1);
}

TlsFiles ensureOk(const fs::path& dir) {
  auto files = ensureTlsMaterial(dir);
  INFO((files ? std::string() : files.error().message()));
  REQUIRE(files.has_value());
  return *files;
}

}  // namespace

TEST_CASE("a fresh directory gets a CA and a localhost server certificate that verify", "[tls]") {
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path() / "tls");

  CHECK(f.caCert == tmp.path() / "tls" / "ca.pem");
  CHECK(f.caKey == tmp.path() / "tls" / "ca-key.pem");
  CHECK(f.serverCert == tmp.path() / "tls" / "server.pem");
  CHECK(f.serverKey == tmp.path() / "tls" / "server-key.pem");
  CHECK(f.bundle == tmp.path() / "tls" / "bundle.pem");
  CHECK(modeOf(tmp.path() / "tls") == 0700);

  CHECK(verifyServer(f) == X509_V_OK);

  X509Ptr server = loadCert(f.serverCert);
  CHECK(X509_check_host(server.get(), "localhost", 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                        nullptr) == 1);
  CHECK(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(server.get(), "::1", 0) == 1);
  CHECK(X509_check_host(server.get(), "example.com", 0, 0, nullptr) != 1);
  CHECK(X509_check_private_key(server.get(), loadKey(f.serverKey).get()) == 1);
  CHECK(X509_get_signature_nid(server.get()) == NID_ecdsa_with_SHA256);
  CHECK((X509_get_extended_key_usage(server.get()) & XKU_SSL_SERVER) != 0);
  CHECK(X509_check_ca(server.get()) == 0);

  SECTION("server validity stays within 825 days") {
    int days = 0;
    int secs = 0;
    REQUIRE(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(server.get()),
                           X509_get0_notAfter(server.get())) == 1);
    CHECK((days < 825 || (days == 825 && secs == 0)));
    CHECK(days > 365);
  }

  SECTION("the CA is a critical CA:TRUE, lives ten years and is named azlb local CA") {
    X509Ptr ca = loadCert(f.caCert);
    CHECK(X509_check_ca(ca.get()) == 1);
    CHECK((X509_get_key_usage(ca.get()) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
          (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    CHECK(X509_get0_subject_key_id(ca.get()) != nullptr);
    int critical = -1;
    BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
        X509_get_ext_d2i(ca.get(), NID_basic_constraints, &critical, nullptr)));
    REQUIRE(bc);
    CHECK(bc->ca != 0);
    CHECK(critical == 1);
    char cn[128] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(ca.get()), NID_commonName, cn, sizeof cn);
    CHECK(std::string(cn) == "azlb local CA");
    int days = 0;
    int secs = 0;
    REQUIRE(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca.get()),
                           X509_get0_notAfter(ca.get())) == 1);
    CHECK(days >= 3650);
    CHECK(X509_check_private_key(ca.get(), loadKey(f.caKey).get()) == 1);
  }
}

TEST_CASE("key files are private (0600) and certificates readable", "[tls]") {
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path());
  CHECK(modeOf(f.caKey) == 0600);
  CHECK(modeOf(f.serverKey) == 0600);
  CHECK(modeOf(f.caCert) == 0644);
  CHECK(modeOf(f.serverCert) == 0644);

  SECTION("a loosened key mode is tightened without touching the key") {
    const std::string before = readAll(f.serverKey);
    REQUIRE(::chmod(f.serverKey.c_str(), 0644) == 0);
    ensureOk(tmp.path());
    CHECK(modeOf(f.serverKey) == 0600);
    CHECK(readAll(f.serverKey) == before);
  }
}

TEST_CASE("a second call keeps every file byte-identical", "[tls]") {
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path());
  const auto before = snapshot(f);
  ensureOk(tmp.path());
  CHECK(snapshot(f) == before);
  for (const auto& entry : fs::directory_iterator(tmp.path())) {
    INFO(entry.path());
    CHECK(entry.path().filename().string().find(".XXXXXX") == std::string::npos);
    CHECK(entry.path().filename().string().find(".pem.") == std::string::npos);
  }
}

TEST_CASE("bundle.pem is the system bundle followed by ca.pem", "[tls]") {
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path());
  const std::string bundle = readAll(f.bundle);
  const std::string ca = readAll(f.caCert);
  REQUIRE(bundle.size() >= ca.size());
  CHECK(bundle.compare(bundle.size() - ca.size(), ca.size(), ca) == 0);
  const fs::path system = "/etc/ssl/certs/ca-certificates.crt";
  if (fs::exists(system)) {
    const std::string sys = readAll(system);
    CHECK(bundle.compare(0, sys.size(), sys) == 0);
    CHECK(bundle.size() > ca.size());
  }
}

TEST_CASE("broken or unsuitable server material is regenerated under the same CA", "[tls]") {
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path());
  const auto before = snapshot(f);

  SECTION("server.pem is garbage") { writeAll(f.serverCert, "not a certificate\n"); }
  SECTION("server.pem has a flipped base64 byte") {
    std::string pem = before.at("server");
    const size_t pos = pem.find('\n', pem.find("BEGIN CERTIFICATE")) + 40;
    pem[pos] = pem[pos] == 'A' ? 'B' : 'A';
    writeAll(f.serverCert, pem);
  }
  SECTION("server.pem is missing") { fs::remove(f.serverCert); }
  SECTION("server-key.pem is missing") { fs::remove(f.serverKey); }
  SECTION("server-key.pem belongs to another certificate") {
    TempDir other;
    const TlsFiles g = ensureOk(other.path());
    fs::copy_file(g.serverKey, f.serverKey, fs::copy_options::overwrite_existing);
  }
  SECTION("server.pem was signed by another CA") {
    TempDir other;
    const TlsFiles g = ensureOk(other.path());
    fs::copy_file(g.serverKey, f.serverKey, fs::copy_options::overwrite_existing);
    fs::copy_file(g.serverCert, f.serverCert, fs::copy_options::overwrite_existing);
  }
  SECTION("server.pem expires in three days") { writeServerSignedByCa(f, 3, true); }
  SECTION("server.pem has no subjectAltName") { writeServerSignedByCa(f, 300, false); }

  ensureOk(tmp.path());
  const auto after = snapshot(f);
  CHECK(after.at("ca") == before.at("ca"));
  CHECK(after.at("caKey") == before.at("caKey"));
  CHECK(after.at("bundle") == before.at("bundle"));
  CHECK(after.at("server") != before.at("server"));
  CHECK(verifyServer(f) == X509_V_OK);
  CHECK(modeOf(f.serverKey) == 0600);
  ERR_clear_error();
}

TEST_CASE("a well-formed but long-lived server certificate signed by the CA is kept", "[tls]") {
  // Guards the tests above: writeServerSignedByCa only fails validation where it means to.
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path());
  writeServerSignedByCa(f, 300, true);
  const auto before = snapshot(f);
  ensureOk(tmp.path());
  CHECK(snapshot(f) == before);
}

TEST_CASE("a broken CA brings a new CA, a new server certificate and a new bundle", "[tls]") {
  TempDir tmp;
  const TlsFiles f = ensureOk(tmp.path());
  const auto before = snapshot(f);

  SECTION("ca-key.pem is missing") { fs::remove(f.caKey); }
  SECTION("ca.pem is garbage") { writeAll(f.caCert, "-----BEGIN CERTIFICATE-----\nAAAA\n"); }
  SECTION("ca-key.pem belongs to another CA") {
    TempDir other;
    const TlsFiles g = ensureOk(other.path());
    fs::copy_file(g.caKey, f.caKey, fs::copy_options::overwrite_existing);
  }

  ensureOk(tmp.path());
  const auto after = snapshot(f);
  CHECK(after.at("ca") != before.at("ca"));
  CHECK(after.at("server") != before.at("server"));
  CHECK(after.at("bundle") != before.at("bundle"));
  CHECK(verifyServer(f) == X509_V_OK);
  const std::string& bundle = after.at("bundle");
  CHECK(bundle.compare(bundle.size() - after.at("ca").size(), after.at("ca").size(),
                       after.at("ca")) == 0);
}

TEST_CASE("an unusable directory is reported, not thrown", "[tls]") {
  TempDir tmp;
  const fs::path blocker = tmp.path() / "file";
  writeAll(blocker, "x");
  auto files = ensureTlsMaterial(blocker / "tls");
  REQUIRE_FALSE(files.has_value());
  CHECK(files.error().message().find(blocker.string()) != std::string::npos);
}
