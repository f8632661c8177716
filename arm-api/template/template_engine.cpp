// ARM deployment template engine. Inside this file failures unwind with the private
// EngineFailure exception; Deployment's public methods and every ExpressionHost override catch
// it and return a Result, so nothing is thrown across the module boundary.
#include "arm-api/template/template_engine.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <utility>

namespace azlb::armtemplate {

namespace {

struct EngineFailure {
  TemplateError error;
};

[[noreturn]] void fail(std::string message) {
  throw EngineFailure{invalidTemplate(std::move(message))};
}

[[noreturn]] void failWith(TemplateError error) { throw EngineFailure{std::move(error)}; }

template <typename T>
T unwrap(TemplateResult<T> r) {
  if (!r) failWith(r.error());
  return std::move(r).value();
}

void unwrap(TemplateResult<void> r) {
  if (!r) failWith(r.error());
}

/// Runs `f`, prefixing the message of any failure with `prefix` (and closing `suffix`).
template <typename F>
auto withContext(const std::string& prefix, const std::string& suffix, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (EngineFailure& e) {
    e.error.message = prefix + e.error.message + suffix;
    throw;
  }
}

std::string validationFailed(const std::string& detail) {
  return "Deployment template validation failed: '" + detail + "'";
}

constexpr std::int64_t kMaxCopyCount = 800;
constexpr std::string_view kTemplateOnlyKeys[] = {"dependsOn", "copy", "condition", "resources",
                                                  "comments"};

bool isTemplateOnlyKey(std::string_view key) {
  return std::any_of(std::begin(kTemplateOnlyKeys), std::end(kTemplateOnlyKeys),
                     [&](std::string_view k) { return iequals(k, key); });
}

std::vector<std::string> splitSlash(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = s.find('/', start);
    out.emplace_back(s.substr(start, slash == std::string_view::npos ? s.npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

const json* findKey(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (iequals(it.key(), key)) return &*it;
  }
  return nullptr;
}

std::string displayValue(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

/// Declared parameter/output types, lower-case, with the names ARM shows for them.
struct TypeInfo {
  std::string_view lower;
  std::string_view outputName;  // outputs: "Object", "Int", ...
  std::string_view valueName;   // messages: the typeName() a matching value has
};
constexpr TypeInfo kTypes[] = {
    {"string", "String", "String"}, {"securestring", "SecureString", "String"},
    {"int", "Int", "Integer"},      {"bool", "Bool", "Boolean"},
    {"object", "Object", "Object"}, {"secureobject", "SecureObject", "Object"},
    {"array", "Array", "Array"},
};

const TypeInfo* findType(const json& declaredType) {
  if (!declaredType.is_string()) return nullptr;
  const auto& s = declaredType.get_ref<const std::string&>();
  for (const auto& t : kTypes) {
    if (iequals(t.lower, s)) return &t;
  }
  return nullptr;
}

bool isSecure(const TypeInfo& t) { return t.lower.substr(0, 6) == "secure"; }

bool valueMatches(const TypeInfo& t, const json& v) { return typeName(v) == t.valueName; }

struct LoopFrame {
  std::string name;
  std::int64_t index;
  bool primary;  // the resource or output loop: what copyIndex() without a name refers to
};

struct ParamDecl {
  std::string name;
  json decl;
  const TypeInfo* type = nullptr;
  std::optional<json> given;
  std::optional<json> resolved;
  bool resolving = false;
};

struct ResourceDecl {
  json body;  // as written, minus the nested "resources"
  std::optional<std::size_t> parent;
  std::string label;                                 // the name as written, for messages
  std::optional<std::vector<ExprNode>> expressions;  // parsed lazily for implicit dependencies
};

struct Instance {
  std::size_t decl = 0;
  std::string copyName;  // empty: not in a copy loop
  std::int64_t copyIndex = 0;
  std::string type;
  std::string name;
  std::string id;
  bool enabled = true;
  std::vector<std::string> dependsOn;
  std::set<std::size_t> deps;
};

}  // namespace

struct Deployment::Impl final : ExpressionHost {
  Impl(json templ, json params, Context ctx)
      : templ_(std::move(templ)), givenParams_(std::move(params)), ctx_(std::move(ctx)) {}

  // ---- ExpressionHost -------------------------------------------------------------------------

  TemplateResult<json> parameter(const std::string& name) override {
    return hostGuard([&] { return resolveParameter(name); });
  }
  TemplateResult<json> variable(const std::string& name) override {
    return hostGuard([&] { return resolveVariable(name); });
  }
  TemplateResult<json> reference(const std::string& nameOrId, bool full) override {
    return hostGuard([&]() -> json {
      if (!allowReference_) {
        fail(
            "The template function 'reference' is not expected at this location. It can only be "
            "used in resource properties and outputs. Please see https://aka.ms/arm-functions "
            "for usage details.");
      }
      std::string id = resolveReferenceTarget(nameOrId);
      if (!ctx_.reference) fail("The template function 'reference' is not available here.");
      return unwrap(ctx_.reference(id, full));
    });
  }
  TemplateResult<std::int64_t> copyIndex(const std::string& loopName) override {
    return hostGuard([&]() -> std::int64_t {
      for (auto it = loops_.rbegin(); it != loops_.rend(); ++it) {
        if (loopName.empty() ? it->primary : iequals(it->name, loopName)) return it->index;
      }
      if (!loopName.empty()) {
        fail("The template function 'copyIndex' refers to the copy loop '" + loopName +
             "', which is not in scope at this location.");
      }
      fail(
          "The template function 'copyIndex' is not expected at this location. The function can "
          "only be used in a resource with copy specified. Please see "
          "https://aka.ms/arm-resource-iteration for usage details.");
    });
  }
  std::string subscriptionId() const override { return ctx_.subscriptionId; }
  std::string resourceGroupName() const override { return ctx_.resourceGroupName; }
  json resourceGroup() const override {
    return {{"id",
             "/subscriptions/" + ctx_.subscriptionId + "/resourceGroups/" + ctx_.resourceGroupName},
            {"name", ctx_.resourceGroupName},
            {"type", "Microsoft.Resources/resourceGroups"},
            {"location", ctx_.resourceGroupLocation},
            {"properties", {{"provisioningState", "Succeeded"}}}};
  }
  json subscription() const override {
    return {{"id", "/subscriptions/" + ctx_.subscriptionId},
            {"subscriptionId", ctx_.subscriptionId},
            {"tenantId", ctx_.tenantId},
            {"displayName", ctx_.subscriptionDisplayName.empty() ? ctx_.subscriptionId
                                                                 : ctx_.subscriptionDisplayName}};
  }
  json deployment() const override {
    return {{"name", ctx_.deploymentName},
            {"properties",
             {{"template", templ_},
              {"parameters", givenParams_},
              {"mode", "Incremental"},
              {"provisioningState", "Accepted"}}}};
  }

  // ---- Evaluation state -----------------------------------------------------------------------

  /// Saves the evaluation state and restores it when the scope ends, also on failure.
  class StateScope {
   public:
    explicit StateScope(Impl& impl)
        : impl_(impl),
          loops_(impl.loops_),
          allowReference_(impl.allowReference_),
          inParameterDefault_(impl.inParameterDefault_) {}
    ~StateScope() {
      impl_.loops_ = std::move(loops_);
      impl_.allowReference_ = allowReference_;
      impl_.inParameterDefault_ = inParameterDefault_;
    }
    StateScope(const StateScope&) = delete;
    StateScope& operator=(const StateScope&) = delete;

   private:
    Impl& impl_;
    std::vector<LoopFrame> loops_;
    bool allowReference_;
    bool inParameterDefault_;
  };

  template <typename F>
  auto hostGuard(F&& f) -> TemplateResult<decltype(f())> {
    try {
      return f();
    } catch (const EngineFailure& e) {
      return unexpected(e.error);
    }
  }

  /// Evaluates every string in `v`; objects holding a "copy" array of {name, count, input}
  /// get one array property per entry (ARM property and variable iteration).
  json evalValue(const json& v) {
    if (v.is_string()) return unwrap(evaluateString(v.get_ref<const std::string&>(), *this));
    if (v.is_array()) {
      json out = json::array();
      for (const auto& e : v) out.push_back(evalValue(e));
      return out;
    }
    if (!v.is_object()) return v;
    json out = json::object();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (iequals(it.key(), "copy") && isPropertyLoopArray(*it)) {
        for (const auto& loop : *it) expandPropertyLoop(loop, out);
      } else {
        out[it.key()] = evalValue(*it);
      }
    }
    return out;
  }

  static bool isPropertyLoopArray(const json& v) {
    return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const json& e) {
             return e.is_object() && findKey(e, "name") && findKey(e, "input");
           });
  }

  std::int64_t evalCount(const json* count) {
    if (!count) fail("The copy loop is missing the required property 'count'.");
    json n = evalValue(*count);
    if (!n.is_number_integer()) {
      fail("The copy count must be an integer; got a value of type '" + typeName(n) + "'.");
    }
    std::int64_t c = n.is_number_unsigned() && n.get<std::uint64_t>() > 1000000
                         ? std::numeric_limits<std::int64_t>::max()
                         : n.get<std::int64_t>();
    if (c < 0 || c > kMaxCopyCount) {
      fail("The copy count '" + n.dump() + "' is not valid: it must be between 0 and " +
           std::to_string(kMaxCopyCount) + ".");
    }
    return c;
  }

  std::string evalString(const json& v, std::string_view what) {
    json r = evalValue(v);
    if (!r.is_string()) {
      fail("The " + std::string(what) + " must be a string; got a value of type '" + typeName(r) +
           "'.");
    }
    return r.get<std::string>();
  }

  void expandPropertyLoop(const json& loop, json& out) {
    std::string name = evalString(*findKey(loop, "name"), "copy loop name");
    std::int64_t count = evalCount(findKey(loop, "count"));
    json items = json::array();
    for (std::int64_t k = 0; k < count; ++k) {
      loops_.push_back({name, k, false});
      items.push_back(evalValue(*findKey(loop, "input")));
      loops_.pop_back();
    }
    out[name] = std::move(items);
  }

  // ---- Parameters -----------------------------------------------------------------------------

  ParamDecl* findParam(const std::string& name) {
    for (auto& p : params_) {
      if (iequals(p.name, name)) return &p;
    }
    return nullptr;
  }

  json resolveParameter(const std::string& name) {
    ParamDecl* p = findParam(name);
    if (!p) {
      fail("The template parameter '" + name +
           "' is not found. Please see https://aka.ms/arm-syntax-parameters for usage details.");
    }
    if (p->resolved) return *p->resolved;
    if (p->resolving) {
      fail("The template parameter '" + p->name +
           "' has a circular reference in its default value.");
    }
    p->resolving = true;
    try {
      json value;
      if (p->given) {
        value = *p->given;
      } else if (const json* def = findKey(p->decl, "defaultValue")) {
        StateScope scope(*this);
        loops_.clear();
        allowReference_ = false;
        inParameterDefault_ = true;
        value = withContext("The template parameter '" + p->name + "' is not valid: ", "",
                            [&] { return evalValue(*def); });
      } else {
        fail("The value for the template parameter '" + p->name +
             "' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage "
             "details.");
      }
      checkParameterValue(*p, value);
      p->resolving = false;
      p->resolved = value;
      return value;
    } catch (...) {
      p->resolving = false;
      throw;
    }
  }

  void checkParameterValue(const ParamDecl& p, const json& value) {
    if (!valueMatches(*p.type, value)) {
      fail("Template parameter '" + p.name +
           "' was provided an invalid value. Expected a value of type '" +
           std::string(p.type->valueName) + "', but received a value of type '" + typeName(value) +
           "'.");
    }
    if (const json* allowed = findKey(p.decl, "allowedValues")) {
      if (!allowed->is_array())
        fail("The 'allowedValues' of template parameter '" + p.name + "' must be an array.");
      auto isAllowed = [&](const json& v) {
        return std::find(allowed->begin(), allowed->end(), v) != allowed->end();
      };
      bool ok =
          value.is_array() ? std::all_of(value.begin(), value.end(), isAllowed) : isAllowed(value);
      if (!ok) {
        std::string list;
        for (const auto& a : *allowed) list += (list.empty() ? "" : ", ") + displayValue(a);
        fail("The provided value '" + displayValue(value) + "' for the template parameter '" +
             p.name + "' is not valid. Expected a value from the allowed values: '" + list + "'.");
      }
    }
    auto limit = [&](std::string_view key) -> std::optional<std::int64_t> {
      const json* v = findKey(p.decl, key);
      if (!v) return std::nullopt;
      if (!v->is_number_integer())
        fail("The '" + std::string(key) + "' of template parameter '" + p.name +
             "' must be an integer.");
      return v->get<std::int64_t>();
    };
    if (value.is_number_integer()) {
      std::int64_t n = value.get<std::int64_t>();
      if (auto lo = limit("minValue"); lo && n < *lo) {
        fail("The provided value '" + value.dump() + "' for the template parameter '" + p.name +
             "' is not valid. The value must be at least " + std::to_string(*lo) + ".");
      }
      if (auto hi = limit("maxValue"); hi && n > *hi) {
        fail("The provided value '" + value.dump() + "' for the template parameter '" + p.name +
             "' is not valid. The value must be at most " + std::to_string(*hi) + ".");
      }
    }
    if (value.is_string() || value.is_array()) {
      auto len = static_cast<std::int64_t>(
          value.is_string() ? value.get_ref<const std::string&>().size() : value.size());
      if (auto lo = limit("minLength"); lo && len < *lo) {
        fail("The provided value for the template parameter '" + p.name +
             "' is not valid. Its length must be at least " + std::to_string(*lo) + ".");
      }
      if (auto hi = limit("maxLength"); hi && len > *hi) {
        fail("The provided value for the template parameter '" + p.name +
             "' is not valid. Its length must be at most " + std::to_string(*hi) + ".");
      }
    }
  }

  // ---- Variables ------------------------------------------------------------------------------

  json resolveVariable(const std::string& name) {
    if (inParameterDefault_) {
      fail(
          "The template function 'variables' is not expected at this location: parameter default "
          "values cannot use variables.");
    }
    std::string key = toLower(name);
    if (auto hit = varCache_.find(key); hit != varCache_.end()) return hit->second;

    const json* raw = nullptr;
    const json* loop = nullptr;
    for (auto it = variables_.begin(); it != variables_.end(); ++it) {
      if (iequals(it.key(), "copy") && isPropertyLoopArray(*it)) {
        for (const auto& l : *it) {
          const json* n = findKey(l, "name");
          if (n->is_string() && iequals(n->get_ref<const std::string&>(), name)) loop = &l;
        }
      } else if (iequals(it.key(), name)) {
        raw = &*it;
      }
    }
    if (!raw && !loop) {
      fail("The template variable '" + name +
           "' is not found. Please see https://aka.ms/arm-syntax-variables for usage details.");
    }
    if (!varInProgress_.insert(key).second) {
      fail("The template variable '" + name + "' has a circular reference.");
    }
    json value;
    try {
      StateScope scope(*this);
      loops_.clear();
      allowReference_ = false;
      value = withContext("The template variable '" + name + "' is not valid: ", "", [&] {
        if (raw) return evalValue(*raw);
        json holder = json::object();
        expandPropertyLoop(*loop, holder);
        return holder.begin().value();
      });
    } catch (...) {
      varInProgress_.erase(key);
      throw;
    }
    varInProgress_.erase(key);
    varCache_[key] = value;
    return value;
  }

  // ---- Resource matching ----------------------------------------------------------------------

  /// Instances that `ref` names: a full id, a copy loop name (if allowed), a resource name, or
  /// "type/name" (also the interleaved "ns/type1/name1/type2/name2" form).
  std::vector<std::size_t> matchInstances(const std::string& ref, bool allowLoopName) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      const Instance& in = instances_[i];
      bool hit = false;
      if (!ref.empty() && ref.front() == '/') {
        hit = iequals(in.id, ref);
      } else {
        hit = iequals(in.name, ref) ||
              (allowLoopName && !in.copyName.empty() && iequals(in.copyName, ref));
        if (!hit && ref.find('/') != std::string::npos) {
          hit = iequals(in.type + "/" + in.name, ref);
          if (!hit) {
            auto p = in.id.find("/providers/");
            hit = p != std::string::npos && iequals(in.id.substr(p + 11), ref);
          }
        }
      }
      if (hit) out.push_back(i);
    }
    return out;
  }

  std::string resolveReferenceTarget(const std::string& ref) const {
    if (!ref.empty() && ref.front() == '/') return ref;
    std::vector<std::size_t> hits = matchInstances(ref, false);
    std::set<std::string> ids;
    for (std::size_t i : hits) ids.insert(instances_[i].id);
    if (ids.size() == 1) return *ids.begin();
    if (ids.size() > 1) {
      std::string list;
      for (const auto& id : ids) list += (list.empty() ? "'" : ", '") + id + "'";
      fail("The template reference '" + ref + "' is ambiguous: it matches the resources " + list +
           ". Use resourceId() to name one.");
    }
    fail("The template reference '" + ref +
         "' is not valid: could not find template resource or resource copy with this name. "
         "Please see https://aka.ms/arm-template-expressions/#reference for usage details.");
  }

  // ---- Validation (create) --------------------------------------------------------------------

  void validate() {
    if (!templ_.is_object()) fail(validationFailed("The template must be a JSON object."));
    const json* resources = findKey(templ_, "resources");
    if (resources && resources->is_object()) {
      fail(
          validationFailed("Templates with symbolic resource names (languageVersion 2.0) are not "
                           "supported by the azlb emulator."));
    }
    if (!resources || !resources->is_array()) {
      fail(validationFailed("The template must contain a 'resources' array."));
    }
    if (const json* fns = findKey(templ_, "functions"); fns && !fns->empty()) {
      fail(
          validationFailed("User-defined template functions are not supported by the azlb "
                           "emulator."));
    }
    withContext("Deployment template validation failed: '", "'", [&] {
      checkSyntax(*resources);
      declareParameters();
      for (auto& p : params_) resolveParameter(p.name);
      if (const json* vars = findKey(templ_, "variables")) {
        if (!vars->is_object()) fail("The template 'variables' must be an object.");
        variables_ = *vars;
      }
      flatten(*resources, std::nullopt);
      expandInstances();
      checkDuplicates();
      resolveDependencies();
      checkOutputs();
    });
    order_ = topologicalOrder();
  }

  void checkSyntax(const json& resources) {
    auto check = [](const std::string& prefix, const json& v) {
      withContext(prefix, "", [&] { unwrap(checkJson(v)); });
    };
    if (const json* ps = findKey(templ_, "parameters"); ps && ps->is_object()) {
      for (auto it = ps->begin(); it != ps->end(); ++it) {
        if (const json* d = findKey(*it, "defaultValue")) {
          check("The template parameter '" + it.key() + "' is not valid: ", *d);
        }
      }
    }
    if (const json* vs = findKey(templ_, "variables"); vs && vs->is_object()) {
      for (auto it = vs->begin(); it != vs->end(); ++it) {
        check("The template variable '" + it.key() + "' is not valid: ", *it);
      }
    }
    for (const auto& r : resources) {
      const json* n = findKey(r, "name");
      check("The template resource '" + (n ? displayValue(*n) : std::string("?")) +
                "' is not valid: ",
            r);
    }
    if (const json* os = findKey(templ_, "outputs"); os && os->is_object()) {
      for (auto it = os->begin(); it != os->end(); ++it) {
        check("The template output '" + it.key() + "' is not valid: ", *it);
      }
    }
  }

  void declareParameters() {
    const json* declared = findKey(templ_, "parameters");
    if (declared && !declared->is_null() && !declared->is_object()) {
      fail("The template 'parameters' must be an object.");
    }
    if (declared && declared->is_object()) {
      for (auto it = declared->begin(); it != declared->end(); ++it) {
        if (!it->is_object()) fail("The template parameter '" + it.key() + "' must be an object.");
        const json* type = findKey(*it, "type");
        const TypeInfo* info = type ? findType(*type) : nullptr;
        if (!info) {
          fail("The template parameter '" + it.key() + "' has " +
               (type ? "an invalid type '" + displayValue(*type) + "'" : std::string("no type")) +
               ". Allowed types are 'string, securestring, int, bool, object, secureobject, "
               "array'.");
        }
        params_.push_back(ParamDecl{it.key(), *it, info, std::nullopt, std::nullopt, false});
      }
    }
    if (givenParams_.is_null()) return;
    if (!givenParams_.is_object()) fail("The deployment parameters must be a JSON object.");
    std::vector<std::string> unknown;
    for (auto it = givenParams_.begin(); it != givenParams_.end(); ++it) {
      ParamDecl* p = findParam(it.key());
      if (!p) {
        unknown.push_back(it.key());
        continue;
      }
      if (findKey(*it, "reference")) {
        fail("The template parameter '" + it.key() +
             "' uses a Key Vault reference, which the azlb emulator does not support.");
      }
      const json* value = findKey(*it, "value");
      if (!value) {
        fail("The deployment parameter '" + it.key() +
             "' must be an object with a 'value' property.");
      }
      p->given = *value;
    }
    if (!unknown.empty()) {
      std::string names;
      for (const auto& u : unknown) names += (names.empty() ? "" : ", ") + u;
      std::string supported;
      for (const auto& p : params_) supported += (supported.empty() ? "" : ", ") + p.name;
      fail("The template parameters '" + names +
           "' in the parameters file are not valid; they are not present in the original template "
           "and can therefore not be provided at deployment time. The only supported parameters "
           "for this template are '" +
           supported + "'.");
    }
  }

  void flatten(const json& resources, std::optional<std::size_t> parent) {
    for (const auto& r : resources) {
      if (!r.is_object()) fail("Each template resource must be a JSON object.");
      const json* n = findKey(r, "name");
      ResourceDecl d{json::object(), parent, n ? displayValue(*n) : std::string("?"), std::nullopt};
      for (auto it = r.begin(); it != r.end(); ++it) {
        if (!iequals(it.key(), "resources")) d.body[it.key()] = *it;
      }
      decls_.push_back(std::move(d));
      std::size_t self = decls_.size() - 1;
      if (const json* nested = findKey(r, "resources")) {
        if (!nested->is_array()) {
          fail("The template resource '" + decls_[self].label +
               "' has a 'resources' property that is not an array.");
        }
        flatten(*nested, self);
      }
    }
  }

  void expandInstances() {
    std::vector<std::optional<std::size_t>> firstInstance(decls_.size());
    for (std::size_t di = 0; di < decls_.size(); ++di) {
      const ResourceDecl& d = decls_[di];
      withContext("The template resource '" + d.label + "' is not valid: ", "", [&] {
        for (std::string_view key : {"type", "name", "apiVersion"}) {
          const json* v = findKey(d.body, key);
          if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) {
            fail("The resource is missing the required property '" + std::string(key) + "'.");
          }
        }
        if (findKey(d.body, "scope")) {
          fail("The 'scope' property is not supported by the azlb emulator.");
        }
        std::string copyName;
        std::int64_t count = 1;
        StateScope scope(*this);
        loops_.clear();
        allowReference_ = false;
        if (const json* copy = findKey(d.body, "copy")) {
          if (!copy->is_object()) fail("The resource 'copy' property must be an object.");
          if (d.parent) fail("A nested child resource cannot have a copy loop.");
          const json* cn = findKey(*copy, "name");
          if (!cn) fail("The copy loop is missing the required property 'name'.");
          copyName = evalString(*cn, "copy loop name");
          if (copyName.empty()) fail("The copy loop name must not be empty.");
          loopNames_.insert(toLower(copyName));
          count = evalCount(findKey(*copy, "count"));
        }
        std::optional<std::size_t> parent;  // index into instances_ (push_back moves them)
        if (d.parent) {
          if (!firstInstance[*d.parent]) {
            fail("A nested child resource cannot be declared inside a resource with a copy loop.");
          }
          parent = *firstInstance[*d.parent];
        }
        for (std::int64_t k = 0; k < count; ++k) {
          loops_.clear();
          if (!copyName.empty()) loops_.push_back({copyName, k, true});
          Instance in;
          in.decl = di;
          in.copyName = copyName;
          in.copyIndex = k;
          in.type = evalString(*findKey(d.body, "type"), "resource type");
          in.name = evalString(*findKey(d.body, "name"), "resource name");
          if (parent) {
            const Instance& p = instances_[*parent];
            if (in.type.find('/') == std::string::npos) in.type = p.type + "/" + in.type;
            if (splitSlash(in.name).size() + 1 < splitSlash(in.type).size()) {
              in.name = p.name + "/" + in.name;
            }
            in.dependsOn.push_back(p.id);
          }
          in.id = resourceIdFor(in.type, in.name);
          in.enabled = !parent || instances_[*parent].enabled;
          if (const json* cond = findKey(d.body, "condition")) {
            json c = evalValue(*cond);
            if (!c.is_boolean()) {
              fail("The resource condition must be a boolean; got a value of type '" + typeName(c) +
                   "'.");
            }
            in.enabled = in.enabled && c.get<bool>();
          }
          if (const json* deps = findKey(d.body, "dependsOn")) {
            if (!deps->is_array()) fail("The 'dependsOn' property must be an array.");
            for (const auto& dep : *deps)
              in.dependsOn.push_back(evalString(dep, "dependsOn entry"));
          }
          instances_.push_back(std::move(in));
          if (copyName.empty()) firstInstance[di] = instances_.size() - 1;
        }
      });
    }
  }

  std::string resourceIdFor(const std::string& type, const std::string& name) const {
    std::vector<std::string> types = splitSlash(type);
    std::vector<std::string> names = splitSlash(name);
    bool badSegment =
        std::any_of(types.begin(), types.end(), [](const auto& s) { return s.empty(); }) ||
        std::any_of(names.begin(), names.end(), [](const auto& s) { return s.empty(); });
    if (types.size() < 2 || names.size() + 1 != types.size() || badSegment) {
      fail("The template resource '" + name + "' for type '" + type +
           "' has incorrect segment lengths. A nested resource type must have identical number of "
           "segments as its resource name. A root resource type must have segment length one "
           "greater than its resource name. Please see https://aka.ms/arm-syntax-resources for "
           "usage details.");
    }
    std::string id = "/subscriptions/" + ctx_.subscriptionId + "/resourceGroups/" +
                     ctx_.resourceGroupName + "/providers/" + types[0];
    for (std::size_t i = 1; i < types.size(); ++i) id += "/" + types[i] + "/" + names[i - 1];
    return id;
  }

  void checkDuplicates() const {
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      if (!instances_[i].enabled) continue;
      if (!seen.emplace(toLower(instances_[i].id), i).second) {
        fail("The resource '" + instances_[i].id +
             "' is defined multiple times in a template. Please see "
             "https://aka.ms/arm-syntax-resources for usage details.");
      }
    }
  }

  void resolveDependencies() {
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      Instance& in = instances_[i];
      for (const auto& dep : in.dependsOn) {
        std::vector<std::size_t> hits = matchInstances(dep, true);
        if (hits.empty() && !loopNames_.count(toLower(dep))) {  // a zero-count loop is fine
          fail("The template resource '" + in.name + "' of type '" + in.type + "' depends on '" +
               dep +
               "', which is not defined in the template. Please see "
               "https://aka.ms/arm-syntax-resources#dependson for usage details.");
        }
        in.deps.insert(hits.begin(), hits.end());
      }
      addReferenceDependencies(i);
    }
  }

  /// reference('name') or reference(resourceId(...)) to a resource of this template makes the
  /// resource depend on it, as ARM does. Arguments that cannot be evaluated before deployment
  /// (they use reference() or property-loop indexes) add nothing.
  void addReferenceDependencies(std::size_t i) {
    Instance& in = instances_[i];
    ResourceDecl& d = decls_[in.decl];
    if (!d.expressions) {  // parsed once per declaration, not per copy instance
      d.expressions.emplace();
      collectExpressions(d.body, true, *d.expressions);
    }
    for (const auto& expr : *d.expressions) {
      std::vector<const ExprNode*> calls;
      collectCalls(expr, "reference", calls);
      for (const ExprNode* call : calls) {
        if (call->args.empty()) continue;
        StateScope scope(*this);
        loops_.clear();
        if (!in.copyName.empty()) loops_.push_back({in.copyName, in.copyIndex, true});
        allowReference_ = false;
        auto target = evaluate(call->args[0], *this);
        if (!target || !target->is_string()) continue;
        for (std::size_t hit : matchInstances(target->get<std::string>(), false)) {
          if (hit != i) in.deps.insert(hit);
        }
      }
    }
  }

  static void collectExpressions(const json& v, bool topLevel, std::vector<ExprNode>& out) {
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (isExpression(s)) {
        if (auto node = parseExpression(s)) out.push_back(std::move(*node));
      }
      return;
    }
    if (v.is_array()) {
      for (const auto& e : v) collectExpressions(e, false, out);
    } else if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (topLevel && isTemplateOnlyKey(it.key())) continue;
        collectExpressions(*it, false, out);
      }
    }
  }

  void checkOutputs() const {
    const json* outputs = findKey(templ_, "outputs");
    if (!outputs || outputs->is_null()) return;
    if (!outputs->is_object()) fail("The template 'outputs' must be an object.");
    for (auto it = outputs->begin(); it != outputs->end(); ++it) {
      std::string prefix = "The template output '" + it.key() + "' is not valid: ";
      if (!it->is_object()) fail(prefix + "the output must be an object.");
      const json* type = findKey(*it, "type");
      if (!type || !findType(*type)) {
        fail(prefix +
             "the output 'type' must be one of 'string, securestring, int, bool, object, "
             "secureobject, array'.");
      }
      const json* copy = findKey(*it, "copy");
      if (!findKey(*it, "value") && !copy) fail(prefix + "the output has no 'value'.");
      if (copy && (!copy->is_object() || !findKey(*copy, "count") || !findKey(*copy, "input"))) {
        fail(prefix + "the output 'copy' must be an object with 'count' and 'input'.");
      }
    }
  }

  /// Kahn's algorithm, always taking the lowest declaration index that is ready, so independent
  /// resources keep template order. Returns the enabled instances only.
  std::vector<std::size_t> topologicalOrder() const {
    std::size_t n = instances_.size();
    std::vector<std::size_t> pending(n, 0);
    std::vector<std::vector<std::size_t>> dependents(n);
    for (std::size_t i = 0; i < n; ++i) {
      pending[i] = instances_[i].deps.size();
      for (std::size_t d : instances_[i].deps) dependents[d].push_back(i);
    }
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < n; ++i) {
      if (pending[i] == 0) ready.push(i);
    }
    std::vector<std::size_t> order;
    std::size_t done = 0;
    while (!ready.empty()) {
      std::size_t i = ready.top();
      ready.pop();
      ++done;
      if (instances_[i].enabled) order.push_back(i);
      for (std::size_t dep : dependents[i]) {
        if (--pending[dep] == 0) ready.push(dep);
      }
    }
    if (done != n) reportCycle(pending);
    return order;
  }

  [[noreturn]] void reportCycle(const std::vector<std::size_t>& pending) const {
    // Every unfinished instance waits on another unfinished one: walking those edges from any
    // of them must revisit a node, and the walk from that node on is a cycle.
    std::size_t start = 0;
    while (pending[start] == 0) ++start;
    std::vector<std::size_t> path;
    std::vector<int> seenAt(instances_.size(), -1);
    std::size_t cur = start;
    while (seenAt[cur] < 0) {
      seenAt[cur] = static_cast<int>(path.size());
      path.push_back(cur);
      for (std::size_t d : instances_[cur].deps) {
        if (pending[d] != 0) {
          cur = d;
          break;
        }
      }
    }
    std::string chain;
    for (std::size_t k = static_cast<std::size_t>(seenAt[cur]); k < path.size(); ++k) {
      chain += "'" + instances_[path[k]].id + "' -> ";
    }
    chain += "'" + instances_[cur].id + "'";
    fail(validationFailed("Circular dependency detected on resource: " + chain +
                          ". Please see https://aka.ms/arm-syntax-resources#dependson for usage "
                          "details."));
  }

  // ---- Deployment-time evaluation -------------------------------------------------------------

  PlannedResource evaluateResourceAt(std::size_t i) {
    if (i >= order_.size()) {
      fail("Resource index " + std::to_string(i) + " is out of range; the deployment has " +
           std::to_string(order_.size()) + " resource(s).");
    }
    const Instance& in = instances_[order_[i]];
    const ResourceDecl& d = decls_[in.decl];
    return withContext(
        "Unable to process template language expressions for resource '" + in.id + "'. '", "'",
        [&] {
          StateScope scope(*this);
          loops_.clear();
          if (!in.copyName.empty()) loops_.push_back({in.copyName, in.copyIndex, true});
          allowReference_ = true;
          json out = json::object();
          for (auto it = d.body.begin(); it != d.body.end(); ++it) {
            if (isTemplateOnlyKey(it.key())) continue;
            if (iequals(it.key(), "type")) {
              out[it.key()] = in.type;
            } else if (iequals(it.key(), "name")) {
              out[it.key()] = in.name;
            } else {
              out[it.key()] = evalValue(*it);
            }
          }
          return PlannedResource{in.id, in.type, in.name, std::move(out)};
        });
  }

  json evaluateOutputsNow() {
    json result = json::object();
    const json* outputs = findKey(templ_, "outputs");
    if (!outputs || outputs->is_null()) return result;
    for (auto it = outputs->begin(); it != outputs->end(); ++it) {
      const std::string& name = it.key();
      withContext("Unable to evaluate template outputs: '" + name + "'. The template output '" +
                      name + "' is not valid: ",
                  "", [&] {
                    StateScope scope(*this);
                    loops_.clear();
                    allowReference_ = true;
                    const TypeInfo& type = *findType(*findKey(*it, "type"));
                    if (const json* cond = findKey(*it, "condition")) {
                      json c = evalValue(*cond);
                      if (!c.is_boolean()) fail("the output condition must be a boolean.");
                      if (!c.get<bool>()) return;
                    }
                    json value;
                    if (const json* copy = findKey(*it, "copy")) {
                      std::int64_t count = evalCount(findKey(*copy, "count"));
                      value = json::array();
                      for (std::int64_t k = 0; k < count; ++k) {
                        loops_.push_back({"", k, true});
                        value.push_back(evalValue(*findKey(*copy, "input")));
                        loops_.pop_back();
                      }
                    } else {
                      value = evalValue(*findKey(*it, "value"));
                    }
                    if (!valueMatches(type, value)) {
                      fail("the output value is of type '" + typeName(value) +
                           "', but the declared type is '" + std::string(type.outputName) + "'.");
                    }
                    json entry = {{"type", std::string(type.outputName)}};
                    if (!isSecure(type)) entry["value"] = std::move(value);
                    result[name] = std::move(entry);
                  });
    }
    return result;
  }

  // ---- Data -----------------------------------------------------------------------------------

  json templ_;
  json givenParams_;
  Context ctx_;
  std::vector<ParamDecl> params_;
  json variables_ = json::object();
  std::map<std::string, json> varCache_;
  std::set<std::string> varInProgress_;
  std::vector<ResourceDecl> decls_;
  std::vector<Instance> instances_;
  std::set<std::string> loopNames_;  // lower-case resource copy loop names
  std::vector<std::size_t> order_;

  std::vector<LoopFrame> loops_;
  bool allowReference_ = false;
  bool inParameterDefault_ = false;
};

// ---------------------------------------------------------------------------------------------

namespace {

template <typename F>
auto boundary(F&& f) -> Result<decltype(f()), TemplateError> {
  try {
    return f();
  } catch (const EngineFailure& e) {
    return unexpected(e.error);
  } catch (const json::exception& e) {
    return unexpected(
        invalidTemplate(std::string("The template could not be processed: ") + e.what()));
  }
}

}  // namespace

Deployment::Deployment(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Deployment::Deployment(Deployment&&) noexcept = default;
Deployment& Deployment::operator=(Deployment&&) noexcept = default;
Deployment::~Deployment() = default;

Result<Deployment, TemplateError> Deployment::create(const json& templ, const json& parameters,
                                                     Context ctx) {
  auto impl = std::make_unique<Impl>(templ, parameters, std::move(ctx));
  auto ok = boundary([&] {
    impl->validate();
    return true;
  });
  if (!ok) return unexpected(ok.error());
  return Deployment(std::move(impl));
}

std::size_t Deployment::resourceCount() const { return impl_->order_.size(); }

std::vector<std::string> Deployment::resourceIds() const {
  std::vector<std::string> ids;
  for (std::size_t i : impl_->order_) ids.push_back(impl_->instances_[i].id);
  return ids;
}

Result<PlannedResource, TemplateError> Deployment::evaluateResource(std::size_t i) {
  return boundary([&] { return impl_->evaluateResourceAt(i); });
}

Result<json, TemplateError> Deployment::evaluateOutputs() {
  return boundary([&] { return impl_->evaluateOutputsNow(); });
}

}  // namespace azlb::armtemplate
