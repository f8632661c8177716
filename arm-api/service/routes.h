// The route table of the service: method + path pattern -> handler, matched in order, and the
// one place where a handler is given the service lock. It does not know what a handler does;
// the handlers live in handlers/ (one file per resource family) and deployments.cpp.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arm-api/service/impl.h"

namespace azlb::armservice {

/// One request being routed: its path split into segments, what the matched pattern captured,
/// and the service lock when the route runs locked.
class RouteCall {
 public:
  explicit RouteCall(const ApiRequest& request);

  const ApiRequest& req;
  std::vector<std::string> seg;    // path segments as sent
  std::vector<std::string> lower;  // the same, lower-case

  const std::string& method() const { return req.method; }
  /// The segment "{name}" captured, as sent ("" when the pattern has no such capture).
  const std::string& param(std::string_view name) const;
  /// The segments a trailing "**" matched, as sent.
  std::vector<std::string> rest() const {
    return {seg.begin() + static_cast<std::ptrdiff_t>(restFrom_), seg.end()};
  }

  /// Releases the service lock before the handler returns (before announce(), or before calling
  /// the listener, which must not run under the lock). No-op when not held.
  void unlock() {
    if (lock_.owns_lock()) lock_.unlock();
  }

 private:
  friend struct RouteRunner;  // routes.cpp: the only one that takes the lock
  friend bool matchRoute(std::string_view pattern, RouteCall& call);
  std::vector<std::pair<std::string_view, size_t>> params_;  // capture name -> index in seg
  size_t restFrom_ = 0;
  std::unique_lock<std::mutex> lock_;
};

using Handler = ApiResponse (*)(Service::Impl& impl, RouteCall& call);

enum class Locking {
  None,   // the handler touches no shared state, or takes the lock itself around short steps
  State,  // the handler runs holding Impl::mu (RouteCall::unlock() releases it early)
};

struct Route {
  std::string_view method;   // "GET", ...; "" = any method (the handler answers 405 itself)
  std::string_view pattern;  // "subscriptions/{sub}/resourceGroups/{group}"; literal words match
                             // case-insensitively, "{x}" captures one segment, a final "**" the
                             // rest (zero or more segments)
  Locking locking;
  Handler handler;
};

/// True when the path matches the pattern; fills the call's captures.
bool matchRoute(std::string_view pattern, RouteCall& call);

/// Routes a request: the unauthenticated bootstrap routes; then, for every path under
/// /subscriptions or /tenants, the ARM gate (bearer token, api-version, body size, subscription
/// id) and the ARM routes; a path nothing matches is ARM's 404 NotFound.
ApiResponse dispatchRoute(Service::Impl& impl, const ApiRequest& req);

}  // namespace azlb::armservice
