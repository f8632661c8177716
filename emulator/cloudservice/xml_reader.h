// The XML edge of the csdef/cscfg readers (pugixml): a parsed document that knows its file and
// every element's line and column, namespace-aware element names and the typed attribute
// readers both files use. A schema error is thrown as XmlError inside the readers and turned into
// a Result by readXml's callers; it never leaves this module. Pure.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "common/result.h"
#include "emulator/cloudservice/definition.h"

namespace azlb::cloudservice::detail {

/// A schema error, message already "file:line:col: what".
struct XmlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class XmlDocument {
 public:
  /// Parses `xml`; malformed XML is an Error naming the line and column and the text there.
  static Result<XmlDocument> load(std::string_view xml, const std::string& file);

  /// The root element; its name must be `rootName` and its namespace (if declared) `ns`.
  pugi::xml_node root(const char* rootName, const char* ns) const;
  SourcePos pos(pugi::xml_node element) const;
  /// The element's name without its namespace prefix.
  static std::string_view localName(pugi::xml_node element);
  /// Element children in document order.
  static std::vector<pugi::xml_node> children(pugi::xml_node element);

  /// Throws XmlError "<pos>: <Element> [name='..']: what".
  [[noreturn]] void fail(pugi::xml_node element, const std::string& what) const;
  /// "Name (file:line:col)" for unknownElements/notRun lists.
  std::string describe(pugi::xml_node element, const std::string& what = {}) const;

  std::string required(pugi::xml_node element, const char* attribute) const;
  std::string optional(pugi::xml_node element, const char* attribute,
                       const std::string& fallback = {}) const;
  std::optional<int> integer(pugi::xml_node element, const char* attribute, int min, int max) const;
  bool boolean(pugi::xml_node element, const char* attribute, bool fallback) const;

 private:
  XmlDocument() = default;
  std::string file_;
  std::vector<std::size_t> lineStarts_;
  std::shared_ptr<pugi::xml_document> doc_;
};

}  // namespace azlb::cloudservice::detail
