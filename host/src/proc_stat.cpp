#include "proc_stat.h"

#include <fstream>
#include <string>

namespace dw::host {

std::optional<uint64_t> ResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8)) * 1024;  // "RssAnon:  1234 kB"
  }
  return std::nullopt;
}

}  // namespace dw::host
