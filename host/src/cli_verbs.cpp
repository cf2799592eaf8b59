#include "cli_verbs.h"

#include <cstdio>
#include <string>

#include <limits.h>
#include <unistd.h>

#include "clr_boot.h"

namespace dw::host {

bool IsCliVerb(std::string_view first) {
  return first == "ps" || first == "top" || first == "inspect" || first == "stop" || first == "restart" ||
         first == "reload";
}

std::string InstalledPath(std::string_view relative) {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return {};
  std::string dir(self, static_cast<size_t>(n));
  dir.resize(dir.rfind('/') + 1);
  return dir.append(relative);
}

int RunCli(const std::vector<std::string>& args) {
  const std::string cli = InstalledPath("cli/DotnetWorkers.Cli.dll");
  if (cli.empty()) {
    std::fprintf(stderr, "dotnet-workers: error: cannot find where the launcher is installed\n");
    return 1;
  }
  if (access(cli.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "dotnet-workers: error: the CLI is missing (%s): reinstall dotnet-workers\n", cli.c_str());
    return 1;
  }
  return ClrBoot::ResolveAndRun(cli, args);
}

}  // namespace dw::host
