// azlb::Error and azlb::Result<T>: the error channel of every system edge (sqlite, netlink,
// TUN, files, TLS). Same API shape as std::expected so that C++23 makes it a rename.
#pragma once

#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace azlb {

/// What failed: an errno-style code plus the operation and object it concerned,
/// e.g. "RTM_NEWLINK veth azlb1-fe0: File exists".
struct Error {
  std::error_code code;
  std::string context;

  std::string message() const {
    if (!code) return context;
    return context.empty() ? code.message() : context + ": " + code.message();
  }
};

inline Error makeError(std::string context, int errnum = 0) {
  return Error{errnum ? std::error_code(errnum, std::generic_category()) : std::error_code{},
               std::move(context)};
}

template <typename E = Error>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected<E> unexpected(E e) {
  return Unexpected<E>{std::move(e)};
}
inline Unexpected<Error> fail(std::string context, int errnum = 0) {
  return Unexpected<Error>{makeError(std::move(context), errnum)};
}

/// Either a T or an E (default azlb::Error). Construct the error side with unexpected(e)/fail().
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Unexpected<E> u) : v_(std::in_place_index<1>, std::move(u.error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Unexpected<E> u) : err_(std::move(u.error)), ok_(false) {}
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { return err_; }

 private:
  E err_{};
  bool ok_ = true;
};

}  // namespace azlb
