// What the manager needs from the ARM API, as the manager sees it (the consumer owns the
// interface, STYLE.md §3): read the resources the data plane is built from, and complete the
// asynchronous operations that changed them. manager.h adapts armservice::Service to it; unit
// tests pass an in-memory fake.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace azlb::manager {

/// One committed ARM change: the operation to complete and the resources it touched.
struct Change {
  std::string operationId;
  std::vector<std::string> resourceIds;  // canonical ids
};

/// Why an operation failed. The ARM code is always DataPlaneProvisioningFailed.
struct OperationFailure {
  int status = 500;  // 400: the request's resource cannot be built; 500: azlb could not build it
  std::string message;
};

class ResourceSource {
 public:
  virtual ~ResourceSource() = default;
  /// Rendered GET bodies of every resource of an ARM type ("Microsoft.Network/loadBalancers").
  virtual std::vector<nlohmann::json> listByType(const std::string& type) = 0;
  /// Marks the operation Succeeded (nullopt) or Failed with the reason.
  virtual void completeOperation(const std::string& operationId,
                                 const std::optional<OperationFailure>& failure) = 0;
};

}  // namespace azlb::manager
