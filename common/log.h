// azlb::log: the one logging facade for cli/ and emulator/. A line is
// "2026-12-03T07:40:38.123Z info  serve: message" on stderr (or a sink a test installs), written
// whole under a lock; lines below the process-wide level (--log-level) are dropped. printf-style
// formatting, checked by the compiler. Not for the packet path (STYLE.md §7: no logs per packet).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace azlb::log {

enum class Level { Debug, Info, Warn, Error, Off };

/// "debug", "info", "warn", "error" or "off"; nullopt for anything else.
std::optional<Level> parseLevel(std::string_view name);
std::string_view levelName(Level level);

/// The process-wide threshold (default Info). Any thread.
void setLevel(Level level);
Level level();
bool enabled(Level level);

/// Where whole lines (without the newline) go; an empty function restores stderr. For tests and
/// for processes that log to a file. Any thread; the sink is called under the facade's lock.
void setSink(std::function<void(std::string_view line)> sink);

/// One line: ISO-8601 UTC time with milliseconds, level, component, message. Pure.
std::string formatLine(std::chrono::system_clock::time_point when, Level level,
                       std::string_view component, std::string_view message);

/// Formats like printf and writes one line if `level` is enabled. Any thread.
void write(Level level, const char* component, const char* format, ...)
    __attribute__((format(printf, 3, 4)));
void debug(const char* component, const char* format, ...) __attribute__((format(printf, 2, 3)));
void info(const char* component, const char* format, ...) __attribute__((format(printf, 2, 3)));
void warn(const char* component, const char* format, ...) __attribute__((format(printf, 2, 3)));
void error(const char* component, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace azlb::log
