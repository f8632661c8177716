// Internal to the network handlers: what a Microsoft.Network request addresses (group, type,
// resource, child collection), resolved with ARM's errors in ARM's order, and the write path
// every PUT of a whole resource (or of one child, which rewrites its parent) goes through.
// Paths: subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Network/{type}/{name}/
//        {collection}/{child}/{action} — segments 3, 6, 7, 8, 9 and 10.
#pragma once

#include <optional>
#include <string>

#include "arm-api/service/network.h"
#include "arm-api/service/routes.h"

namespace azlb::armservice::handlers {

struct NetworkScope {
  std::string group;  // as sent
  std::string groupKey;
  const Resource* groupRes = nullptr;
  const network::TypeInfo* type = nullptr;
  std::string typeName;  // "Microsoft.Network/loadBalancers"
  ResourceId id;         // set from Depth::Named on
  std::string key;
  const Resource* existing = nullptr;
  std::string apiVersion;  // of the request (some defaults depend on it)
};

enum class Depth {
  Group,     // the resource group exists
  Type,      // ... and {type} is a Microsoft.Network type azlb serves
  Named,     // ... and {name} gives the id (the resource may not exist: PUT, DELETE)
  Existing,  // ... and the resource exists
};

/// Resolves the path's scope down to `depth`, or the first error ARM gives on the way
/// (ResourceGroupNotFound, InvalidResourceType, ResourceNotFound). Caller holds the lock.
ArmResult<NetworkScope> resolveScope(const Service::Impl& impl, const RouteCall& call, Depth depth);
/// The child collection {collection} of the scope's type, or ARM's error for it.
ArmResult<const network::ChildCollection*> resolveCollection(const NetworkScope& scope,
                                                             const RouteCall& call);

/// If-Match / If-None-Match against the current etag: PreconditionFailed when not met.
std::optional<ArmError> checkPreconditions(const ApiRequest& req, const Resource* current);
/// The request body as a JSON object ({} when empty): InvalidJson / InvalidJsonTokenType otherwise.
ArmResult<json> parseObjectBody(const ApiRequest& req);

struct WriteResult {
  json rendered;  // the GET body of the written resource
  std::string operationId;
};
/// Validates `request` as the whole resource (envelope, tags, the type's normalize), stores it
/// Updating with a new etag and an operation in progress. Caller holds the lock and announces
/// the operation after releasing it.
ArmResult<WriteResult> writeWhole(Service::Impl& impl, const NetworkScope& scope,
                                  const json& request);

/// Commits `tx` (which erased `existing`, and whatever goes with it) with a new operation and
/// answers 202 with the LRO headers; announces the change after releasing the lock.
ApiResponse commitDeletion(Service::Impl& impl, RouteCall& call, Txn& tx, const Resource& existing);

/// Azure-AsyncOperation (and for a DELETE, Location) headers of a long-running answer.
void addLroHeaders(Service::Impl& impl, const ApiRequest& req, ApiResponse& r,
                   const std::string& location, const std::string& opId, bool isDelete);

}  // namespace azlb::armservice::handlers
