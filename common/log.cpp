#include "common/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

namespace azlb::log {

namespace {

constexpr std::string_view kNames[] = {"debug", "info", "warn", "error", "off"};

std::atomic<Level> gLevel{Level::Info};

struct Output {
  std::mutex mutex;
  std::function<void(std::string_view)> sink;
};

Output& output() {
  static Output o;  // never destroyed before the last log line of a static destructor matters
  return o;
}

std::string vformat(const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return {};
  std::vector<char> buf(static_cast<size_t>(n) + 1);
  std::vsnprintf(buf.data(), buf.size(), format, args);
  return std::string(buf.data(), static_cast<size_t>(n));
}

void emit(Level level, const char* component, const char* format, va_list args) {
  if (!enabled(level)) return;
  const std::string line =
      formatLine(std::chrono::system_clock::now(), level, component, vformat(format, args));
  Output& o = output();
  std::lock_guard lock(o.mutex);
  if (o.sink) {
    o.sink(line);
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace

std::optional<Level> parseLevel(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<Level>(i);
  return std::nullopt;
}

std::string_view levelName(Level level) {
  return kNames[static_cast<size_t>(level)];
}

void setLevel(Level level) {
  gLevel.store(level, std::memory_order_relaxed);
}
Level level() {
  return gLevel.load(std::memory_order_relaxed);
}
bool enabled(Level l) {
  return l != Level::Off && l >= level();
}

void setSink(std::function<void(std::string_view line)> sink) {
  Output& o = output();
  std::lock_guard lock(o.mutex);
  o.sink = std::move(sink);
}

std::string formatLine(std::chrono::system_clock::time_point when, Level level,
                       std::string_view component, std::string_view message) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[80];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  std::string line = stamp;
  line += ' ';
  line += levelName(level);
  line.append(6 - levelName(level).size(), ' ');  // "info  ", "error "
  line += component;
  line += ": ";
  line += message;
  return line;
}

void write(Level level, const char* component, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(level, component, format, args);
  va_end(args);
}

void debug(const char* component, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(Level::Debug, component, format, args);
  va_end(args);
}

void info(const char* component, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(Level::Info, component, format, args);
  va_end(args);
}

void warn(const char* component, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(Level::Warn, component, format, args);
  va_end(args);
}

void error(const char* component, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(Level::Error, component, format, args);
  va_end(args);
}

}  // namespace azlb::log
