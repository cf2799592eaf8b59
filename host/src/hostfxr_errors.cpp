#include "hostfxr_errors.h"

#include <cstdio>
#include <sstream>
#include <vector>

namespace dw::host {
namespace {

// hostfxr's status codes (the hosting layer's error_codes.h).
constexpr uint32_t kInvalidConfigFile = 0x80008093;
constexpr uint32_t kFrameworkMissing = 0x80008096;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The text between the first two single quotes at or after `from` in `line`, or empty.
std::string Quoted(const std::string& line, size_t from) {
  size_t open = line.find('\'', from);
  size_t close = open == std::string::npos ? open : line.find('\'', open + 1);
  return close == std::string::npos ? std::string() : line.substr(open + 1, close - open - 1);
}

std::string Hex(int32_t code) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "0x%08x", static_cast<uint32_t>(code));
  return buffer;
}

std::string FrameworkMissing(const std::string& app, const std::vector<std::string>& lines) {
  std::string name, version, installed;
  bool listing = false;
  for (const std::string& line : lines) {
    if (line.rfind("Framework: ", 0) == 0) {
      name = Quoted(line, 0);
      size_t at = line.find("version");
      if (at != std::string::npos) version = Quoted(line, at);
    } else if (line.rfind("The following frameworks were found:", 0) == 0) {
      listing = true;
    } else if (listing && line.rfind("  ", 0) == 0) {
      const std::string found = line.substr(2, line.find(' ', 2) - 2);  // "  10.0.12 at [...]"
      installed += (installed.empty() ? "" : ", ") + found;
    } else {
      listing = false;
    }
  }
  if (name.empty()) return {};
  std::string what = "'" + app + "' needs the " + name + " " + version + " framework, which is not installed";
  what += installed.empty() ? " (no version of " + name + " is)" : " (installed: " + installed + ")";
  return what + ": install it (https://aka.ms/dotnet/download), or build the app for an installed one";
}

std::string InvalidConfig(const std::string& app, const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    // "Failed to parse file [PATH]. JSON parsing exception: ... [offset 30: line 2, column 1]"
    size_t open = line.find('[');
    size_t close = line.find("]. ");
    if (line.rfind("Failed to parse file", 0) == 0 && open != std::string::npos && close != std::string::npos) {
      return "cannot start '" + app + "': " + line.substr(open + 1, close - open - 1) +
             " is not valid: " + line.substr(close + 3) + "; fix it or rebuild the app";
    }
  }
  return {};
}

}  // namespace

std::string DescribeHostfxrFailure(const std::string& app, int32_t code, const std::string& messages) {
  const std::vector<std::string> lines = Lines(messages);
  std::string line;
  if (static_cast<uint32_t>(code) == kFrameworkMissing) line = FrameworkMissing(app, lines);
  if (static_cast<uint32_t>(code) == kInvalidConfigFile) line = InvalidConfig(app, lines);
  if (!line.empty()) return line;
  line = "cannot start the .NET runtime for '" + app + "' (hostfxr " + Hex(code) + ")";
  for (const std::string& l : lines) {
    if (!l.empty()) return line + ": " + l;
  }
  return line;
}

std::string IndentHostfxrMessages(const std::string& messages) {
  std::string out;
  for (const std::string& line : Lines(messages)) out += "  " + line + "\n";
  return out;
}

}  // namespace dw::host
