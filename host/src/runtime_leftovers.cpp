#include "runtime_leftovers.h"

#include <cstdlib>
#include <string_view>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace dw::host {

std::string RuntimeTempDirectory() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp";
}

int RemoveRuntimeLeftovers(const std::string& directory, pid_t pid) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return 0;
  const std::string id = std::to_string(pid);
  const std::string socket_prefix = "dotnet-diagnostic-" + id + "-";
  const std::string pipe_prefix = "clr-debug-pipe-" + id + "-";
  int removed = 0;
  while (dirent* entry = readdir(dir)) {
    const std::string_view name = entry->d_name;
    const bool socket = name.starts_with(socket_prefix) && name.ends_with("-socket");
    const bool pipe = name.starts_with(pipe_prefix) && (name.ends_with("-in") || name.ends_with("-out"));
    if ((socket || pipe) && unlinkat(dirfd(dir), entry->d_name, 0) == 0) ++removed;
  }
  closedir(dir);
  return removed;
}

}  // namespace dw::host
