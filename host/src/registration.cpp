#include "registration.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotnet_workers/region_layout.h"

namespace dw::host {

std::string RegistrationDirectory() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/') return std::string(runtime) + "/dotnet-workers";
  return "/tmp/dotnet-workers-" + std::to_string(getuid());
}

namespace {

std::string FileOf(pid_t pid) { return RegistrationDirectory() + "/" + std::to_string(pid) + ".cluster"; }

bool UsableDirectory(const std::string& dir, std::string* error) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  // lstat: in /tmp, a symbolic link planted by another user must not redirect the files.
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077) != 0) {
    *error = dir + " is not a folder of this user's that only it can read";
    return false;
  }
  return true;
}

}  // namespace

bool WriteRegistration(const RegistrationInfo& info, std::string* error) {
  const std::string dir = RegistrationDirectory();
  if (!UsableDirectory(dir, error)) return false;
  const std::string path = FileOf(info.pid);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "name=" << info.name << "\n"
        << "pid=" << info.pid << "\n"
        << "region_fd=" << info.region_fd << "\n"
        << "app=" << info.app << "\n"
        << "workers=" << info.workers << "\n"
        << "started_unix_ms=" << info.started_unix_ms << "\n"
        << "layout=" << layout::kLayoutVersion << "\n"
        << "start_ticks=" << info.start_ticks << "\n";
    if (!out) {
      *error = "cannot write " + temporary;
      return false;
    }
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {  // readers never see half a file
    *error = "cannot write " + path + ": " + std::strerror(errno);
    unlink(temporary.c_str());
    return false;
  }
  return true;
}

void RemoveRegistration(pid_t pid) { unlink(FileOf(pid).c_str()); }

uint64_t OwnStartTicks() {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may hold spaces: fields count from after it
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

std::string DefaultClusterName(const std::string& app) {
  std::string name = app.substr(app.rfind('/') == std::string::npos ? 0 : app.rfind('/') + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".dll") == 0) name.resize(name.size() - 4);
  return name;
}

}  // namespace dw::host
