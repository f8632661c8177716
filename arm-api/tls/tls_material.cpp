// arm-api/tls/tls_material.h on the OpenSSL 3 C API. Every OpenSSL object lives in a unique_ptr
// with its free function, and every OpenSSL failure becomes an azlb::Error; nothing throws.
#include "arm-api/tls/tls_material.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace azlb::tls {
namespace {

namespace fs = std::filesystem;

constexpr int kCaValidityDays = 3650;
// Clients that follow Apple's rule (and CA/B-style checks) refuse server certificates valid for
// more than 825 days; 824 days plus the back-dating below stays under it.
constexpr int kServerValidityDays = 824;
// notBefore is back-dated so that a client whose clock is slightly behind still accepts it.
constexpr long kBackdateSeconds = 3600;
constexpr time_t kRenewBeforeSeconds = time_t{7} * 24 * 3600;
constexpr int kSerialBits = 159;  // positive and at most 20 octets (RFC 5280 4.1.2.2)
constexpr const char* kSystemBundle = "/etc/ssl/certs/ca-certificates.crt";
constexpr const char* kOrganization = "azlb";
constexpr const char* kCaCommonName = "azlb local CA";
constexpr const char* kServerCommonName = "localhost";
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;

// The CA may only vouch for loopback names, so a leaked ca-key.pem cannot be used to impersonate
// real hosts to a client that trusts bundle.pem.
constexpr const char* kCaNameConstraints =
    "critical,permitted;DNS:localhost,permitted;IP:127.0.0.0/255.0.0.0,"
    "permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";

template <auto FreeFn>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslFree<EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslFree<X509_EXTENSION_free>>;
using StorePtr = std::unique_ptr<X509_STORE, OpenSslFree<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslFree<X509_STORE_CTX_free>>;

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  /// Closes now and reports close()'s errno (0 on success), which matters after writes.
  int close() {
    const int rc = ::close(std::exchange(fd_, -1));
    return rc == 0 ? 0 : errno;
  }

 private:
  void reset() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }
  int fd_;
};

/// A certificate with its private key and the exact PEM bytes of the certificate.
struct Material {
  X509Ptr cert;
  PkeyPtr key;
  std::string certPem;
};

/// Fails with `context` plus the most specific queued OpenSSL reason, and empties the queue so
/// a later failure does not report a stale reason.
Unexpected<Error> opensslFail(std::string context) {
  if (const unsigned long code = ERR_peek_last_error(); code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    context += ": ";
    context += reason;
  }
  ERR_clear_error();
  return azlb::fail(std::move(context));
}

// Never prompt on the terminal for a passphrase: an encrypted key is simply not ours.
int noPassphrase(char*, int, int, void*) { return 0; }

/// Whole file, or nullopt when it cannot be read (missing counts as unreadable).
std::optional<std::string> readFile(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string content;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  return content;
}

void syncDirectory(const fs::path& dir) {
  // Best effort: the rename is already atomic; this only makes it durable across power loss.
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

/// Replaces `path` atomically: readers see the old file or the complete new one, never a part.
/// The temp file is created with `mode` before any byte is written (keys are never readable).
Result<void> writeFileAtomic(const fs::path& path, std::string_view content, mode_t mode) {
  const std::string context = "writing " + path.string();
  std::string tmp = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return azlb::fail(context, errno);

  auto abandon = [&](int err) {
    fd = UniqueFd();
    ::unlink(tmp.c_str());
    return azlb::fail(context, err);
  };
  if (::fchmod(fd.get(), mode) != 0) return abandon(errno);
  for (size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return abandon(errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return abandon(errno);
  if (const int err = fd.close(); err != 0) return abandon(err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return abandon(errno);
  syncDirectory(path.parent_path());
  return {};
}

/// Creates `dir` (mode 0700, parents with the default mode) when missing.
Result<void> makeDirectory(const fs::path& dir) {
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) return azlb::fail("creating directory " + dir.string(), ec.value());
  if (created && ::chmod(dir.c_str(), 0700) != 0) {
    return azlb::fail("chmod 0700 " + dir.string(), errno);
  }
  return {};
}

/// Holds an exclusive flock on <dir>/.lock for as long as the returned fd lives.
Result<UniqueFd> lockDirectory(const fs::path& dir) {
  const fs::path lockPath = dir / ".lock";
  UniqueFd fd(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) return azlb::fail("opening " + lockPath.string(), errno);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return azlb::fail("locking " + lockPath.string(), errno);
  }
  return fd;
}

Result<void> ensureKeyMode(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return azlb::fail("stat " + path.string(), errno);
  if ((st.st_mode & 07777) == kKeyMode) return {};
  if (::chmod(path.c_str(), kKeyMode) != 0) return azlb::fail("chmod 0600 " + path.string(), errno);
  return {};
}

BioPtr memoryBio(const std::string& data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

/// The certificate and key stored at the two paths, or nullopt when either is missing or does
/// not parse, or when the key is not the certificate's.
std::optional<Material> loadMaterial(const fs::path& certPath, const fs::path& keyPath) {
  auto certPem = readFile(certPath);
  auto keyPem = readFile(keyPath);
  if (!certPem || !keyPem) return std::nullopt;
  BioPtr certBio = memoryBio(*certPem);
  BioPtr keyBio = memoryBio(*keyPem);
  if (!certBio || !keyBio) return std::nullopt;
  Material m{
      .cert = X509Ptr(PEM_read_bio_X509(certBio.get(), nullptr, noPassphrase, nullptr)),
      .key = PkeyPtr(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, noPassphrase, nullptr)),
      .certPem = std::move(*certPem),
  };
  const bool ok = m.cert && m.key && X509_check_private_key(m.cert.get(), m.key.get()) == 1;
  ERR_clear_error();  // parse failures here mean "regenerate", not an error to report later
  if (!ok) return std::nullopt;
  return m;
}

/// True when the certificate is valid now and stays valid for at least kRenewBeforeSeconds.
bool validLongEnough(const X509* cert) {
  time_t now = std::time(nullptr);
  time_t renewAt = now + kRenewBeforeSeconds;
  // X509_cmp_time: -1 earlier, 1 later, 0 on a malformed time (treated as invalid).
  return X509_cmp_time(X509_get0_notBefore(cert), &now) < 0 &&
         X509_cmp_time(X509_get0_notAfter(cert), &renewAt) > 0;
}

bool usableCa(const Material& ca) {
  X509* cert = ca.cert.get();
  const bool ok = X509_check_ca(cert) == 1 && (X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) &&
                  X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0 &&
                  X509_verify(cert, ca.key.get()) == 1 && validLongEnough(cert);
  ERR_clear_error();
  return ok;
}

/// True when `server` chains to `ca` for TLS server use under strict RFC 5280 checks (what
/// Python 3.13's default context enforces) and carries every SAN clients connect with.
bool usableServer(const Material& server, const Material& ca) {
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  bool ok = store && ctx && X509_STORE_add_cert(store.get(), ca.cert.get()) == 1 &&
            X509_STORE_CTX_init(ctx.get(), store.get(), server.cert.get(), nullptr) == 1;
  if (ok) {
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx.get()), X509_V_FLAG_X509_STRICT);
    ok = X509_verify_cert(ctx.get()) == 1;
  }
  ok = ok &&
       X509_check_host(server.cert.get(), "localhost", 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                       nullptr) == 1 &&
       X509_check_ip_asc(server.cert.get(), "127.0.0.1", 0) == 1 &&
       X509_check_ip_asc(server.cert.get(), "::1", 0) == 1 && validLongEnough(server.cert.get());
  ERR_clear_error();
  return ok;
}

Result<PkeyPtr> generateKey() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") <= 0) {
    return opensslFail("setting up EC P-256 key generation");
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &key) <= 0) return opensslFail("generating EC P-256 key");
  return PkeyPtr(key);
}

struct Extension {
  int nid;
  const char* value;  // OpenSSL config syntax, e.g. "critical,CA:TRUE"
};

/// A v3 certificate for `key` named O=azlb, CN=`commonName`, signed with SHA-256 by `issuer`
/// (self-signed when issuer is null), valid from an hour ago for `days` days.
Result<X509Ptr> makeCertificate(EVP_PKEY* key, const char* commonName, int days,
                                const Material* issuer,
                                std::initializer_list<Extension> extensions) {
  const std::string context = std::string("creating certificate CN=") + commonName;
  X509Ptr cert(X509_new());
  BignumPtr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return opensslFail(context);
  }
  // Random serials, so a regenerated certificate does not reuse an issuer+serial pair that a
  // client may have cached.
  if (BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return opensslFail(context + ": serial number");
  }
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr)) {
    return opensslFail(context + ": validity");
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto addName = [subject](const char* field, const char* value) {
    return X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value), -1, -1,
                                      0) == 1;
  };
  if (!addName("O", kOrganization) || !addName("CN", commonName)) {
    return opensslFail(context + ": subject");
  }
  X509* issuerCert = issuer ? issuer->cert.get() : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuerCert)) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return opensslFail(context + ": issuer");
  }

  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuerCert, cert.get(), nullptr, nullptr, 0);
  X509V3_set_ctx_nodb(&v3);
  for (const Extension& ext : extensions) {
    ExtensionPtr made(X509V3_EXT_conf_nid(nullptr, &v3, ext.nid, ext.value));
    if (!made || X509_add_ext(cert.get(), made.get(), -1) != 1) {
      return opensslFail(context + ": extension " + OBJ_nid2sn(ext.nid) + "=" + ext.value);
    }
  }
  EVP_PKEY* signer = issuer ? issuer->key.get() : key;
  if (X509_sign(cert.get(), signer, EVP_sha256()) <= 0) return opensslFail(context + ": signing");
  return cert;
}

Result<std::string> certificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return opensslFail("encoding certificate");
  return bioContents(bio.get());
}

Result<std::string> privateKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return opensslFail("encoding private key");
  }
  return bioContents(bio.get());
}

/// Generates key + certificate and writes the key first, so a crash in between leaves a pair
/// that does not match and is regenerated on the next start.
Result<Material> createAndWrite(const fs::path& certPath, const fs::path& keyPath,
                                const char* commonName, int days, const Material* issuer,
                                std::initializer_list<Extension> extensions) {
  auto key = generateKey();
  if (!key) return unexpected(key.error());
  auto cert = makeCertificate(key->get(), commonName, days, issuer, extensions);
  if (!cert) return unexpected(cert.error());
  auto keyPem = privateKeyPem(key->get());
  if (!keyPem) return unexpected(keyPem.error());
  auto certPem = certificatePem(cert->get());
  if (!certPem) return unexpected(certPem.error());
  if (auto w = writeFileAtomic(keyPath, *keyPem, kKeyMode); !w) return unexpected(w.error());
  if (auto w = writeFileAtomic(certPath, *certPem, kCertMode); !w) return unexpected(w.error());
  return Material{.cert = std::move(*cert), .key = std::move(*key), .certPem = std::move(*certPem)};
}

Result<Material> createCa(const TlsFiles& files) {
  return createAndWrite(files.caCert, files.caKey, kCaCommonName, kCaValidityDays, nullptr,
                        {
                            {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            {NID_key_usage, "critical,keyCertSign,cRLSign"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_name_constraints, kCaNameConstraints},
                        });
}

Result<Material> createServer(const TlsFiles& files, const Material& ca) {
  // EC key: digitalSignature only (keyEncipherment is for RSA key transport).
  return createAndWrite(files.serverCert, files.serverKey, kServerCommonName, kServerValidityDays,
                        &ca,
                        {
                            {NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, "serverAuth"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"},
                            {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                        });
}

/// bundle.pem = system bundle (when present) + ca.pem; rewritten only when its bytes differ,
/// which also picks up an updated system bundle.
Result<void> ensureBundle(const TlsFiles& files, const std::string& caPem) {
  std::string bundle = readFile(kSystemBundle).value_or(std::string());
  if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
  bundle += caPem;
  if (readFile(files.bundle) == bundle) return {};
  return writeFileAtomic(files.bundle, bundle, kCertMode);
}

}  // namespace

azlb::Result<TlsFiles> ensureTlsMaterial(const std::filesystem::path& dir) {
  TlsFiles files{
      .caCert = dir / "ca.pem",
      .caKey = dir / "ca-key.pem",
      .serverCert = dir / "server.pem",
      .serverKey = dir / "server-key.pem",
      .bundle = dir / "bundle.pem",
  };
  if (auto made = makeDirectory(dir); !made) return unexpected(made.error());
  auto lock = lockDirectory(dir);
  if (!lock) return unexpected(lock.error());

  std::optional<Material> ca = loadMaterial(files.caCert, files.caKey);
  const bool keepCa = ca && usableCa(*ca);
  if (!keepCa) {
    auto created = createCa(files);
    if (!created) return unexpected(created.error());
    ca = std::move(*created);
  }

  // A new CA invalidates every server certificate signed by the old one.
  std::optional<Material> server;
  if (keepCa) server = loadMaterial(files.serverCert, files.serverKey);
  if (!server || !usableServer(*server, *ca)) {
    auto created = createServer(files, *ca);
    if (!created) return unexpected(created.error());
  }

  if (auto b = ensureBundle(files, ca->certPem); !b) return unexpected(b.error());
  for (const fs::path* key : {&files.caKey, &files.serverKey}) {
    if (auto m = ensureKeyMode(*key); !m) return unexpected(m.error());
  }
  return files;
}

}  // namespace azlb::tls
