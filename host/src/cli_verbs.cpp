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

int RunCli(const std::vector<std::string>& args) {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    std::fprintf(stderr, "dotnet-workers: error: cannot find where the launcher is installed\n");
    return 1;
  }
  std::string dir(self, static_cast<size_t>(n));
  dir.resize(dir.rfind('/'));
  const std::string cli = dir + "/cli/DotnetWorkers.Cli.dll";
  if (access(cli.c_str(), R_OK) != 0) {
    std::fprintf(stderr, "dotnet-workers: error: the CLI is missing (%s): reinstall dotnet-workers\n", cli.c_str());
    return 1;
  }
  return ClrBoot::ResolveAndRun(cli, args);
}

}  // namespace dw::host
