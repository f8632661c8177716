// The api tier's fixture: an in-process ArmServer (HTTPS on 127.0.0.1, port 0) over a Service
// with a ":memory:" or file store, a real HTTPS client that verifies the server certificate
// against the temp CA, and the azlb binary as a child process for restart and kill -9 tests.
// Everything a fixture makes (temp dir, server thread, child process) goes in its destructor.
#pragma once

#include <sys/types.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/http/server.h"
#include "arm-api/service/service.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

namespace azlb::apitest {

using json = nlohmann::json;
namespace fs = std::filesystem;

using testsupport::eventually;
using testsupport::TempDir;

/// One HTTP exchange's answer. status 0 = no answer (transport error, see transportError).
struct Reply {
  int status = 0;
  httplib::Headers headers;
  std::string body;
  json doc;  // parsed body; null when the body is empty or not JSON
  std::string transportError;

  bool hasHeader(const std::string& name) const;
  std::string header(const std::string& name) const;  // "" when absent (case-insensitive)
  /// error.code of an ARM error body, or "" when the body is not one.
  std::string code() const;
  std::string message() const;
  /// True when the body is {"error":{"code":string,"message":string,"details":array,...}}.
  bool isArmError() const;
  /// For failure messages: "<status> <body>".
  std::string describe() const;
};

/// ARM client over httplib::SSLClient: CA verification on (the fixture's ca.pem), host name
/// "localhost" (connected through 127.0.0.1), "Authorization: Bearer t", and api-version added
/// to every path that has none.
class Client {
 public:
  Client(int port, const fs::path& caFile);

  /// Sends method on path (which may carry a query). body is sent as is; Content-Type is JSON
  /// unless contentType says otherwise. apiVersion "" = send none; path with "api-version="
  /// already in it is sent unchanged.
  Reply send(const std::string& method, const std::string& path, const std::string& body = {},
             const httplib::Headers& extra = {}, std::optional<std::string> version = std::nullopt,
             const std::string& contentType = "application/json");
  Reply get(const std::string& path, const httplib::Headers& extra = {});
  Reply head(const std::string& path);
  Reply put(const std::string& path, const json& body, const httplib::Headers& extra = {});
  Reply patch(const std::string& path, const json& body, const httplib::Headers& extra = {});
  Reply del(const std::string& path, const httplib::Headers& extra = {});
  Reply post(const std::string& path, const json& body);
  /// GET of an absolute URL the server handed out (Azure-AsyncOperation, Location). Fails the
  /// test unless it points at https://localhost:<port>/.
  Reply getUrl(const std::string& absoluteUrl);

  /// Polls an Azure-AsyncOperation URL until its status is terminal; returns the last body.
  json waitOperation(const std::string& asyncUrl, std::chrono::seconds deadline = std::chrono::seconds(20));
  /// Polls a Location URL until it stops answering 202; returns that reply.
  Reply waitLocation(const std::string& locationUrl, std::chrono::seconds deadline = std::chrono::seconds(20));

  /// PUT, then (when the reply is 200/201 with Azure-AsyncOperation) waits for the operation to
  /// succeed and returns the resource's GET. Fails the test on any other outcome.
  Reply putAndWait(const std::string& path, const json& body);
  /// DELETE, then waits for the operation (202) and returns the final answer of the DELETE.
  Reply deleteAndWait(const std::string& path);

  std::string apiVersion = "2022-05-01";
  bool authorize = true;  // send "Authorization: Bearer t"
  std::string baseUrl() const { return "https://localhost:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  int port_;
  std::unique_ptr<httplib::SSLClient> http_;
};

/// The ARM service and its HTTPS server on a thread, with TLS material in a temp dir.
class TestServer {
 public:
  enum class StoreKind { Memory, File };
  explicit TestServer(StoreKind kind = StoreKind::Memory);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// Stops the server and drops the Service (closing the store).
  void stop();
  /// Starts a new Service and server on the same store file (File kind) and TLS material.
  void start();

  int port() const { return port_; }
  Client client() const { return Client(port_, caFile_); }
  armservice::Service& service() { return *service_; }
  const fs::path& dir() const { return dir_.path(); }
  fs::path caFile() const { return caFile_; }

 private:
  StoreKind kind_;
  TempDir dir_;
  fs::path caFile_, certFile_, keyFile_;
  std::unique_ptr<armservice::Service> service_;
  std::unique_ptr<armhttp::ArmServer> server_;
  std::thread thread_;
  int port_ = 0;
};

/// `azlb serve --port 0 --data-dir D --ready-file F` as a child process (AZLB_BINARY).
class ChildServer {
 public:
  explicit ChildServer(fs::path dataDir);
  ~ChildServer();  // SIGKILLs and reaps the child if it still runs
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  void start();       // fork/exec and wait (deadline) for the ready file
  void killHard();    // SIGKILL + waitpid
  int port() const { return port_; }
  Client client() const { return Client(port_, dataDir_ / "tls" / "ca.pem"); }
  pid_t pid() const { return pid_; }
  std::string log() const;  // the child's stdout+stderr so far

 private:
  fs::path dataDir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

/// base64url (no padding) decoding, for JWT segments.
std::string base64UrlDecode(const std::string& in);

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string queryEncode(const std::string& value);

}  // namespace azlb::apitest
