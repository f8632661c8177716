#include "emulator/cloudservice/xml_reader.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"

namespace azlb::cloudservice::detail {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::vector<std::size_t> lineStartsOf(std::string_view text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  return starts;
}

SourcePos posAt(const std::string& file, const std::vector<std::size_t>& starts, std::size_t off) {
  const auto it = std::upper_bound(starts.begin(), starts.end(), off);
  const auto line = static_cast<std::size_t>(it - starts.begin());
  return {file, static_cast<int>(line), static_cast<int>(off - starts[line - 1] + 1)};
}

/// Up to 40 characters of `text` from `off`, on one line: what the reader saw there.
std::string near(std::string_view text, std::size_t off) {
  // pugixml reports the offset just past a bad tag's name: show from the tag's '<'.
  std::size_t from = off < text.size() ? off : text.size();
  const std::size_t lt = text.rfind('<', from);
  if (lt != std::string_view::npos && from - lt < 80) from = lt;
  std::string out(text.substr(from, 40));
  if (const auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  return out;
}

}  // namespace

Result<XmlDocument> XmlDocument::load(std::string_view xml, const std::string& file) {
  XmlDocument d;
  d.file_ = file;
  if (xml.substr(0, kBom.size()) == kBom) {
    xml.remove_prefix(kBom.size());  // positions count from after it, as editors do
  }
  d.lineStarts_ = lineStartsOf(xml);
  d.doc_ = std::make_shared<pugi::xml_document>();
  const auto r =
      d.doc_->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(r.offset, 0));
    const SourcePos at = posAt(file, d.lineStarts_, std::min(off, xml.size()));
    return azlb::fail(toString(at) + ": malformed XML: " + r.description() + " (near '" +
                      near(xml, off) + "')");
  }
  return d;
}

std::string_view XmlDocument::localName(pugi::xml_node element) {
  std::string_view name = element.name();
  if (const auto colon = name.find(':'); colon != std::string_view::npos)
    name.remove_prefix(colon + 1);
  return name;
}

pugi::xml_node XmlDocument::root(const char* rootName, const char* ns) const {
  const pugi::xml_node r = doc_->document_element();
  if (!r) throw XmlError(file_ + ":1:1: no root element (expected " + rootName + ")");
  if (localName(r) != rootName)
    fail(r, std::string("the root element must be ") + rootName + ", not " + r.name());
  const std::string_view full = r.name();
  const auto colon = full.find(':');
  const std::string xmlnsAttr =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(full.substr(0, colon));
  const pugi::xml_attribute declared = r.attribute(xmlnsAttr.c_str());
  if (declared && std::string_view(declared.value()) != ns)
    fail(r, "namespace '" + std::string(declared.value()) + "' is not " + ns);
  return r;
}

std::vector<pugi::xml_node> XmlDocument::children(pugi::xml_node element) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = element.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) out.push_back(c);
  return out;
}

SourcePos XmlDocument::pos(pugi::xml_node element) const {
  // offset_debug() is where the element's name starts, just after its '<'.
  const std::ptrdiff_t off = element.offset_debug();
  if (off <= 0) return {file_, 0, 0};
  return posAt(file_, lineStarts_, static_cast<std::size_t>(off) - 1);
}

void XmlDocument::fail(pugi::xml_node element, const std::string& what) const {
  std::string subject(localName(element));
  if (const auto name = element.attribute("name"))
    subject += " '" + std::string(name.value()) + "'";
  throw XmlError(toString(pos(element)) + ": " + subject + ": " + what);
}

std::string XmlDocument::describe(pugi::xml_node element, const std::string& what) const {
  return (what.empty() ? std::string(localName(element)) : what) + " (" + toString(pos(element)) +
         ")";
}

std::string XmlDocument::required(pugi::xml_node element, const char* attribute) const {
  const pugi::xml_attribute a = element.attribute(attribute);
  if (!a || std::string_view(a.value()).empty())
    fail(element, std::string("attribute '") + attribute + "' is required");
  return a.value();
}

std::string XmlDocument::optional(pugi::xml_node element, const char* attribute,
                                  const std::string& fallback) const {
  const pugi::xml_attribute a = element.attribute(attribute);
  return a ? std::string(a.value()) : fallback;
}

std::optional<int> XmlDocument::integer(pugi::xml_node element, const char* attribute, int min,
                                        int max) const {
  const pugi::xml_attribute a = element.attribute(attribute);
  if (!a) return std::nullopt;
  const std::string_view v = a.value();
  int n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < min || n > max)
    fail(element, std::string("attribute '") + attribute + "' must be an integer from " +
                      std::to_string(min) + " to " + std::to_string(max) + ", not '" +
                      std::string(v) + "'");
  return n;
}

bool XmlDocument::boolean(pugi::xml_node element, const char* attribute, bool fallback) const {
  const pugi::xml_attribute a = element.attribute(attribute);
  if (!a) return fallback;
  if (iequals(a.value(), "true")) return true;
  if (iequals(a.value(), "false")) return false;
  fail(element,
       std::string("attribute '") + attribute + "' must be true or false, not '" + a.value() + "'");
}

}  // namespace azlb::cloudservice::detail
