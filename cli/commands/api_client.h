// The CLI's client of a running azlb: HTTPS to localhost:PORT, trusting the CA of the data dir,
// with a bearer token (azlb accepts any), JSON in and out, and ARM's long-running operations
// followed to their end. Used by `azlb import` and `azlb cloud-service`.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace httplib {
class SSLClient;
}

namespace azlb::cli {

using json = nlohmann::json;

struct ApiAnswer {
  int status = 0;              // 0: no answer (connection failed)
  json body;                   // null when empty or not JSON
  std::string asyncOperation;  // Azure-AsyncOperation header
  std::string location;        // Location header
  /// ARM's error message of a failed answer ("" when it has none).
  std::string errorMessage() const;
};

class ApiClient {
 public:
  /// Checks that azlb answers GET /azlb/ready with the data dir's CA; the error says how to start
  /// it.
  static Result<ApiClient> connect(int port, const std::string& dataDir);
  ~ApiClient();
  ApiClient(ApiClient&&) noexcept;

  ApiAnswer get(const std::string& path);
  ApiAnswer put(const std::string& path, const json& body);
  ApiAnswer del(const std::string& path);
  /// Follows a PUT/DELETE answer's operation until it ends (or `limit` passes): "Succeeded",
  /// "Failed: <message>", "Canceled", or "timed out". An answer with no operation is "Succeeded".
  std::string await(const ApiAnswer& started, std::chrono::seconds limit);

 private:
  explicit ApiClient(std::unique_ptr<httplib::SSLClient> http);
  std::unique_ptr<httplib::SSLClient> http_;
};

/// "/subscriptions/<the default subscription>"
std::string subscriptionPath();

}  // namespace azlb::cli
