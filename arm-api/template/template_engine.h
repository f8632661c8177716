// ARM deployment template engine: validates a template against its parameters, expands copy
// loops, orders resources by dependsOn and evaluates each resource and the outputs. Pure: it
// never reads the store; reference() goes through Context::reference. It does not deploy.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arm-api/template/expression.h"
#include "common/result.h"

namespace azlb::armtemplate {

/// Where the deployment runs (resource-group scope) and how reference() reads resources.
struct Context {
  std::string subscriptionId;
  std::string tenantId;
  std::string resourceGroupName;
  std::string resourceGroupLocation;
  std::string deploymentName;
  /// reference(): given the full resource id (already resolved from a name), return the
  /// resource's GET body (full=true) or just its "properties" (full=false), or an error (its
  /// code is passed through unchanged, e.g. ResourceNotFound). May be empty: reference() then
  /// fails with InvalidTemplate.
  std::function<Result<json, TemplateError>(const std::string& resourceId, bool full)> reference;
  /// subscription().displayName; the subscription id is used when empty.
  std::string subscriptionDisplayName;
};

/// One resource of the plan, expressions evaluated.
struct PlannedResource {
  std::string id;    ///< /subscriptions/{s}/resourceGroups/{rg}/providers/{type...}/{name...}
  std::string type;  ///< full type, e.g. Microsoft.Network/virtualNetworks/subnets
  std::string name;  ///< full name, e.g. vnet1/sub1
  /// The evaluated resource object: type, name, apiVersion, location, tags, sku, properties,
  /// zones, ... without the template-only keys dependsOn, copy, condition, resources, comments.
  json resource;
};

/// A validated deployment: create() does everything ARM does at validation time (parameters,
/// syntax, names, copy counts, conditions, dependsOn order); evaluateResource() and
/// evaluateOutputs() do what ARM does while deploying. Not thread-safe; move-only.
class Deployment {
 public:
  /// Validates `templ` (the deployment's properties.template) with `parameters` (the
  /// deployment's properties.parameters, {"p":{"value":x}} form; null means none).
  /// Errors (code InvalidTemplate, message "Deployment template validation failed: '...'"):
  /// no resources array, a resource without type/name/apiVersion, a parameter with no or an
  /// unknown type, a missing required parameter, an unknown parameter given, a value of the
  /// wrong type or outside allowedValues/minValue/maxValue/minLength/maxLength, expression
  /// syntax errors and unknown functions anywhere, name/type segment mismatch, a duplicate
  /// resource id, a dependsOn naming nothing, a dependency cycle.
  /// Resources with `condition` false are dropped from the plan; nested `resources` are
  /// flattened after their parent with an implicit dependency on it; reference('name') and
  /// reference(resourceId(...)) to template resources add implicit dependencies, as in ARM.
  static Result<Deployment, TemplateError> create(const json& templ, const json& parameters,
                                                  Context ctx);

  Deployment(Deployment&&) noexcept;
  Deployment& operator=(Deployment&&) noexcept;
  ~Deployment();

  /// Number of resources to deploy (copy loops expanded, condition-false ones removed).
  std::size_t resourceCount() const;

  /// Ids of the resources in deployment order (known at validation time).
  std::vector<std::string> resourceIds() const;

  /// Evaluates resource i (0-based, in deployment order). Call in order 0..n-1 after deploying
  /// each one, so that later resources can reference() earlier ones through the callback.
  /// Errors: InvalidTemplate ("Unable to process template language expressions for resource
  /// '<id>'. '<detail>'"), or the reference callback's error with the same prefix; i out of
  /// range is InvalidTemplate too.
  Result<PlannedResource, TemplateError> evaluateResource(std::size_t i);

  /// Evaluates "outputs" (after all resources are deployed):
  /// {"name":{"type":"Object","value":...}} with the type capitalised as ARM returns it
  /// (String, SecureString, Int, Bool, Object, SecureObject, Array). Secure outputs carry no
  /// value; condition-false outputs are left out. Errors as for evaluateResource, and a value
  /// whose type differs from the declared one.
  Result<json, TemplateError> evaluateOutputs();

 private:
  struct Impl;
  explicit Deployment(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace azlb::armtemplate
