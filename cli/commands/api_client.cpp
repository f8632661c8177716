#include "cli/commands/api_client.h"

#include <httplib.h>

#include <thread>

namespace azlb::cli {

namespace {

/// The path and query of an absolute URL azlb handed out ("https://localhost:8443/x?y" -> "/x?y").
std::string pathOf(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

ApiAnswer answerOf(const httplib::Result& r) {
  ApiAnswer a;
  if (!r) return a;
  a.status = r->status;
  a.body = json::parse(r->body, nullptr, false);
  if (a.body.is_discarded()) a.body = nullptr;
  a.asyncOperation = r->get_header_value("Azure-AsyncOperation");
  a.location = r->get_header_value("Location");
  return a;
}

}  // namespace

std::string ApiAnswer::errorMessage() const {
  if (status == 0) return "azlb did not answer";
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("code", "") + ": " + body["error"].value("message", "");
  return "HTTP " + std::to_string(status);
}

std::string subscriptionPath() {
  return "/subscriptions/00000000-0000-0000-0000-000000000001";
}

ApiClient::ApiClient(std::unique_ptr<httplib::SSLClient> http) : http_(std::move(http)) {}
ApiClient::~ApiClient() = default;
ApiClient::ApiClient(ApiClient&&) noexcept = default;

Result<ApiClient> ApiClient::connect(int port, const std::string& dataDir) {
  auto http = std::make_unique<httplib::SSLClient>("localhost", port);
  http->set_ca_cert_path((dataDir + "/tls/ca.pem").c_str());
  http->enable_server_certificate_verification(true);
  http->set_connection_timeout(3, 0);
  http->set_read_timeout(60, 0);
  http->set_default_headers({{"Authorization", "Bearer azlb-cli"}});
  auto ready = http->Get("/azlb/ready");
  if (!ready || ready->status != 200)
    return fail("azlb is not answering on https://localhost:" + std::to_string(port) +
                "/ with the CA of " + dataDir +
                ". Start it (azlb serve), or give its --port and --data-dir.");
  return ApiClient(std::move(http));
}

ApiAnswer ApiClient::get(const std::string& path) {
  return answerOf(http_->Get(path.c_str()));
}

ApiAnswer ApiClient::put(const std::string& path, const json& body) {
  return answerOf(http_->Put(path.c_str(), body.dump(), "application/json"));
}

ApiAnswer ApiClient::del(const std::string& path) {
  return answerOf(http_->Delete(path.c_str()));
}

std::string ApiClient::await(const ApiAnswer& started, std::chrono::seconds limit) {
  const std::string url =
      !started.asyncOperation.empty() ? started.asyncOperation : started.location;
  if (url.empty()) return "Succeeded";
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const ApiAnswer a = get(pathOf(url));
    const std::string status = a.body.is_object() ? a.body.value("status", "") : "";
    if (status == "Failed")
      return "Failed: " +
             (a.body.contains("error") ? a.body["error"].value("message", "") : std::string());
    if (!status.empty() && status != "InProgress") return status;
    if (a.status == 200 && status.empty() && started.asyncOperation.empty()) return "Succeeded";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "timed out";
}

}  // namespace azlb::cli
