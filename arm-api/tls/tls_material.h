// TLS material of `azlb serve`: owns the on-disk local CA, the localhost server certificate and
// the trust bundle (creation, validation, reuse). Does not own the TLS listener (arm-api/http).
#pragma once

#include <filesystem>

#include "common/result.h"

namespace azlb::tls {

/// The five PEM files, each <dir>/<file name> for the directory given to ensureTlsMaterial().
struct TlsFiles {
  std::filesystem::path caCert;      // ca.pem: self-signed "azlb local CA", 10 years
  std::filesystem::path caKey;       // ca-key.pem: PKCS#8, mode 0600
  std::filesystem::path serverCert;  // server.pem: CN=localhost, SAN localhost/127.0.0.1/::1
  std::filesystem::path serverKey;   // server-key.pem: PKCS#8, mode 0600
  std::filesystem::path bundle;      // bundle.pem: system CA bundle (if any) + ca.pem
};

/// Ensures <dir> holds ca.pem, ca-key.pem, server.pem, server-key.pem and bundle.pem.
/// Creates <dir> (mode 0700) when missing. A file is regenerated when it is missing, does not
/// parse, does not match its key, expires within 7 days, or (server) is not signed by the CA or
/// lacks the SANs localhost, 127.0.0.1 and ::1; a new CA always brings a new server
/// certificate. Valid files are left byte-identical; key files are kept at mode 0600.
/// Every write is atomic (temp file + rename in <dir>). The error names the failed operation
/// and path ("writing <dir>/ca.pem: No space left on device") or the OpenSSL step. Callers in
/// several processes are serialised by an flock on <dir>/.lock. Blocking file I/O: call it at
/// startup, not on a request thread.
azlb::Result<TlsFiles> ensureTlsMaterial(const std::filesystem::path& dir);

}  // namespace azlb::tls
