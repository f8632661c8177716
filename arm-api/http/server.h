// The HTTPS front of the ARM service: the only user of cpp-httplib's server. Turns requests into
// armservice::ApiRequest, renders ApiResponse, and maps oversized bodies and anything unexpected
// to ARM-shaped errors.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "arm-api/service/service.h"
#include "common/result.h"

namespace httplib {
class SSLServer;
}

namespace azlb::armhttp {

struct ServerOptions {
  std::string bindAddress = "127.0.0.1";
  int port = 8443;  // 0 = any free port
  std::string certFile;
  std::string keyFile;
  int threads = 8;
  bool logRequests = false;  // one line per request on stderr
};

class ArmServer {
 public:
  ArmServer(armservice::Service& service, ServerOptions options);
  ~ArmServer();
  /// Loads the certificate and binds; returns the bound port. Errors name the address and cause.
  Result<int> bind();
  /// Serves until stop(); call after bind(), from the thread that should block.
  void run();
  /// Thread-safe; makes run() return.
  void stop();

 private:
  armservice::Service& service_;
  ServerOptions options_;
  std::unique_ptr<httplib::SSLServer> server_;
};

}  // namespace azlb::armhttp
