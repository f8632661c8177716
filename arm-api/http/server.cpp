#include "arm-api/http/server.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>

#include "arm-api/common/arm_error.h"

namespace azlb::armhttp {

using armservice::ApiRequest;
using armservice::ApiResponse;

ArmServer::ArmServer(armservice::Service& service, ServerOptions options)
    : service_(service), options_(std::move(options)) {}

ArmServer::~ArmServer() = default;

namespace {

void writeResponse(const ApiResponse& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  if (r.text) {
    res.set_content(*r.text, r.contentType.empty() ? "text/plain; charset=utf-8" : r.contentType);
  } else if (r.body) {
    res.set_content(r.body->dump(), "application/json; charset=utf-8");
  }
}

}  // namespace

Result<int> ArmServer::bind() {
  server_ = std::make_unique<httplib::SSLServer>(options_.certFile.c_str(), options_.keyFile.c_str());
  if (!server_->is_valid())
    return fail("loading TLS certificate " + options_.certFile + " and key " + options_.keyFile +
                " failed (delete the data dir's tls/ folder to have them made again)");
  const size_t maxBody = service_.config().maxBodyBytes;
  int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server_->set_tcp_nodelay(true);  // headers and body go out in separate writes: no Nagle stall
  server_->set_keep_alive_max_count(10000);
  server_->set_keep_alive_timeout(5);  // also bounds how long stop() waits for an idle client
  server_->set_payload_max_length(maxBody);
  server_->set_read_timeout(30, 0);
  server_->set_write_timeout(30, 0);

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    ApiRequest ar;
    ar.method = req.method;
    ar.path = req.path;
    for (const auto& [k, v] : req.params) ar.query[k] = v;
    for (const auto& [k, v] : req.headers) {
      std::string lk = k;
      for (auto& c : lk) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      ar.headers[lk] = v;
    }
    ar.body = req.body;
    ar.remoteAddress = req.remote_addr;
    std::string host = req.get_header_value("Host");
    ar.baseUrl = "https://" + (host.empty() ? "127.0.0.1:" + std::to_string(options_.port) : host);
    auto t0 = std::chrono::steady_clock::now();
    ApiResponse r = service_.handle(ar);
    writeResponse(r, res);
    if (options_.logRequests) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "%s %s -> %d (%.1f ms)\n", req.method.c_str(), req.path.c_str(), r.status, ms);
    }
  };
  for (auto reg : {&httplib::Server::Get, &httplib::Server::Post, &httplib::Server::Put,
                   &httplib::Server::Patch, &httplib::Server::Delete, &httplib::Server::Options})
    (server_.get()->*reg)(".*", handler);

  // httplib answers some failures itself (413 for an oversized body, 400 for a malformed request);
  // give those ARM's error shape. Responses the service produced already have a body.
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [maxBody](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    armapi::ArmError e = res.status == 413 ? armapi::errors::payloadTooLarge(maxBody)
                                           : armapi::ArmError{res.status, "BadRequest",
                                                              "The request could not be read (HTTP " +
                                                                  std::to_string(res.status) + ").",
                                                              {}, {}};
    if (res.status == 404 || res.status == 405 || res.status < 400) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(e.toJson().dump(), "application/json; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  }));
  server_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(armapi::errors::internal("Unexpected error: " + what).toJson().dump(),
                    "application/json; charset=utf-8");
  });

  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.bindAddress);
    if (port < 0) return fail("binding " + options_.bindAddress + " to a free port failed");
  } else if (!server_->bind_to_port(options_.bindAddress, port)) {
    return fail("binding " + options_.bindAddress + ":" + std::to_string(port) +
                " failed (is another azlb or program using that port? choose one with --port)");
  }
  options_.port = port;
  return port;
}

void ArmServer::run() {
  if (server_) server_->listen_after_bind();
}

void ArmServer::stop() {
  if (server_) server_->stop();
}

}  // namespace azlb::armhttp
