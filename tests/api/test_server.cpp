#include "tests/api/test_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "arm-api/store/store.h"
#include "arm-api/tls/tls_material.h"

namespace azlb::apitest {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// SSL writes to a peer that already closed (e.g. after a 413) must fail, not kill the process.
void ignoreSigpipeOnce() {
  static const bool done = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

bool Reply::hasHeader(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return true;
  return false;
}

std::string Reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return {};
}

bool Reply::isArmError() const {
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) return false;
  const auto& e = doc["error"];
  return e.contains("code") && e["code"].is_string() && !e["code"].get<std::string>().empty() &&
         e.contains("message") && e["message"].is_string() && e.contains("details") &&
         e["details"].is_array();
}

std::string Reply::code() const {
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) return {};
  return doc["error"].value("code", "");
}

std::string Reply::message() const {
  if (!doc.is_object() || !doc.contains("error") || !doc["error"].is_object()) return {};
  return doc["error"].value("message", "");
}

std::string Reply::describe() const {
  if (status == 0) return "no answer: " + transportError;
  return std::to_string(status) + " " + body.substr(0, 2000);
}

// ---------------------------------------------------------------------------------------------

Client::Client(int port, const fs::path& caFile) : port_(port) {
  ignoreSigpipeOnce();
  http_ = std::make_unique<httplib::SSLClient>("localhost", port);
  // Name checks and SNI use "localhost"; the connection goes to the only address we bind.
  http_->set_hostname_addr_map({{"localhost", "127.0.0.1"}});
  http_->set_ca_cert_path(caFile.string());
  http_->enable_server_certificate_verification(true);
  http_->set_url_encode(false);
  http_->set_keep_alive(true);
  http_->set_connection_timeout(5, 0);
  http_->set_read_timeout(30, 0);
  http_->set_write_timeout(30, 0);
}

Reply Client::send(const std::string& method, const std::string& path, const std::string& body,
                   const httplib::Headers& extra, std::optional<std::string> version,
                   const std::string& contentType) {
  const std::string v = version.value_or(apiVersion);
  std::string target = path;
  if (!v.empty() && target.find("api-version=") == std::string::npos)
    target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("api-version=") + v;
  httplib::Request req;
  req.method = method;
  req.path = target;
  req.headers = extra;
  if (authorize && !req.has_header("Authorization")) req.headers.emplace("Authorization", "Bearer t");
  req.headers.emplace("Accept", "application/json");
  if (!body.empty()) {
    req.body = body;
    if (!req.has_header("Content-Type")) req.headers.emplace("Content-Type", contentType);
  }
  Reply out;
  auto res = http_->send(req);
  if (!res) {
    out.transportError = httplib::to_string(res.error()) + " (openssl verify result " +
                         std::to_string(http_->get_openssl_verify_result()) + ")";
    return out;
  }
  out.status = res->status;
  out.headers = res->headers;
  out.body = res->body;
  if (!out.body.empty()) {
    out.doc = json::parse(out.body, nullptr, false);
    if (out.doc.is_discarded()) out.doc = nullptr;
  }
  return out;
}

Reply Client::get(const std::string& path, const httplib::Headers& extra) { return send("GET", path, {}, extra); }
Reply Client::head(const std::string& path) { return send("HEAD", path); }
Reply Client::put(const std::string& path, const json& body, const httplib::Headers& extra) {
  return send("PUT", path, body.dump(), extra);
}
Reply Client::patch(const std::string& path, const json& body, const httplib::Headers& extra) {
  return send("PATCH", path, body.dump(), extra);
}
Reply Client::del(const std::string& path, const httplib::Headers& extra) { return send("DELETE", path, {}, extra); }
Reply Client::post(const std::string& path, const json& body) { return send("POST", path, body.dump()); }

Reply Client::getUrl(const std::string& absoluteUrl) {
  const std::string prefix = baseUrl() + "/";
  INFO("URL handed out by the server: " << absoluteUrl);
  REQUIRE(absoluteUrl.rfind(prefix, 0) == 0);
  return send("GET", absoluteUrl.substr(prefix.size() - 1), {}, {}, std::string());
}

json Client::waitOperation(const std::string& asyncUrl, std::chrono::seconds deadline) {
  json last;
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    Reply r = getUrl(asyncUrl);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    REQUIRE(r.doc.is_object());
    last = r.doc;
    std::string status = last.value("status", "");
    if (status == "Succeeded" || status == "Failed" || status == "Canceled") return last;
    CHECK(r.header("Retry-After") == "1");
    if (std::chrono::steady_clock::now() > until) FAIL("operation still " << status << " after deadline: " << asyncUrl);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Reply Client::waitLocation(const std::string& locationUrl, std::chrono::seconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    Reply r = getUrl(locationUrl);
    if (r.status != 202) return r;
    CHECK(r.header("Retry-After") == "1");
    if (std::chrono::steady_clock::now() > until) FAIL("Location still 202 after deadline: " << locationUrl);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Reply Client::putAndWait(const std::string& path, const json& body) {
  Reply r = put(path, body);
  INFO("PUT " << path << " -> " << r.describe());
  REQUIRE((r.status == 200 || r.status == 201));
  std::string op = r.header("Azure-AsyncOperation");
  if (!op.empty()) {
    json st = waitOperation(op);
    INFO(st.dump());
    REQUIRE(st.value("status", "") == "Succeeded");
  }
  Reply g = get(path);
  INFO("GET " << path << " -> " << g.describe());
  REQUIRE(g.status == 200);
  return g;
}

Reply Client::deleteAndWait(const std::string& path) {
  Reply r = del(path);
  INFO("DELETE " << path << " -> " << r.describe());
  REQUIRE((r.status == 200 || r.status == 202 || r.status == 204));
  if (r.status == 202) {
    if (std::string op = r.header("Azure-AsyncOperation"); !op.empty()) {
      json st = waitOperation(op);
      REQUIRE(st.value("status", "") == "Succeeded");
    }
    REQUIRE(!r.header("Location").empty());
    return waitLocation(r.header("Location"));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------

TestServer::TestServer(StoreKind kind) : kind_(kind) {
  auto tls = tls::ensureTlsMaterial(dir_.path() / "tls");
  if (!tls) FAIL("TLS material: " << tls.error().message());
  caFile_ = tls->caCert;
  certFile_ = tls->serverCert;
  keyFile_ = tls->serverKey;
  start();
}

TestServer::~TestServer() { stop(); }

void TestServer::start() {
  REQUIRE(!server_);
  auto store = armstore::Store::open(kind_ == StoreKind::File ? (dir_.path() / "azlb.db").string() : ":memory:");
  if (!store) FAIL("store: " << store.error().message());
  auto svc = armservice::Service::create(armservice::ServiceConfig{}, std::move(store.value()));
  if (!svc) FAIL("service: " << svc.error().message());
  service_ = std::move(svc.value());
  service_->setListener(nullptr);
  armhttp::ServerOptions opts;
  opts.bindAddress = "127.0.0.1";
  opts.port = 0;
  opts.certFile = certFile_.string();
  opts.keyFile = keyFile_.string();
  opts.threads = 4;
  server_ = std::make_unique<armhttp::ArmServer>(*service_, opts);
  auto bound = server_->bind();
  if (!bound) FAIL("bind: " << bound.error().message());
  port_ = *bound;
  thread_ = std::thread([s = server_.get()] { s->run(); });
  // The accept loop runs once a request is answered; stop() before that would be lost.
  Client c = client();
  bool ready = eventually([&] { return c.send("GET", "/azlb/ready", {}, {}, std::string()).status == 200; },
                          std::chrono::seconds(10));
  if (!ready) {
    // Nothing can make run() return now; leave the thread and objects behind rather than hang.
    server_->stop();
    thread_.detach();
    (void)server_.release();
    (void)service_.release();
    FAIL("the ARM server on port " << port_ << " never answered /azlb/ready");
  }
}

void TestServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  service_.reset();
}

// ---------------------------------------------------------------------------------------------

ChildServer::ChildServer(fs::path dataDir) : dataDir_(std::move(dataDir)) {}

ChildServer::~ChildServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
}

void ChildServer::start() {
  REQUIRE(pid_ <= 0);
  const fs::path ready = dataDir_ / "ready";
  std::error_code ec;
  fs::remove(ready, ec);
  const std::string bin = AZLB_BINARY, dir = dataDir_.string(), readyStr = ready.string(),
                    logPath = (dataDir_ / "serve.log").string();
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    // The API tier tests the API alone: no data plane (it would use instance 0, a user's).
    ::execl(bin.c_str(), bin.c_str(), "serve", "--port", "0", "--data-dir", dir.c_str(), "--ready-file",
            readyStr.c_str(), "--dataplane", "off", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  bool up = eventually(
      [&] {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
          pid_ = -1;
          return true;  // exited: reported below
        }
        std::ifstream in(ready);
        int port = 0;
        if (in >> port && port > 0) {
          port_ = port;
          return true;
        }
        return false;
      },
      std::chrono::seconds(20));
  INFO("azlb serve log:\n" << log());
  REQUIRE(pid_ > 0);
  REQUIRE(up);
}

void ChildServer::killHard() {
  REQUIRE(pid_ > 0);
  REQUIRE(::kill(pid_, SIGKILL) == 0);
  int st = 0;
  REQUIRE(::waitpid(pid_, &st, 0) == pid_);
  CHECK(WIFSIGNALED(st));
  pid_ = -1;
}

std::string ChildServer::log() const {
  std::ifstream in(dataDir_ / "serve.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------------------------

std::string base64UrlDecode(const std::string& in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) break;  // '=' padding or garbage ends the data
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string queryEncode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace azlb::apitest
