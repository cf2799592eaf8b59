#include "process_start.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "dotnet_workers/dw.h"
#include "last_error.h"
#include "process_table.h"

namespace dw::host {
namespace {

[[noreturn]] void ChildFail(const std::string& what) {
  std::fprintf(stderr, "dotnet-workers: error: %s\n", what.c_str());
  _exit(127);
}

// Runs in the child between fork and the runtime. Only the launcher's own state is
// touched here: the launcher is single-threaded, so every lock is free after fork.
[[noreturn]] void RunChild(const StartContext& context, const ProcessSpec& spec) {
  // Die with the launcher, even if it is SIGKILLed. If it died before prctl took effect
  // the parent is already someone else: stop here instead of running unsupervised.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != context.launcher_pid) _exit(1);

  close(context.signals->fd);
  sigprocmask(SIG_SETMASK, &context.signals->original_mask, nullptr);

  const uint32_t pid = static_cast<uint32_t>(getpid());
  ProcessForked(context.region->process(spec.id), pid);

  const std::string id = std::to_string(spec.id);
  const std::string count = std::to_string(context.options->WorkerCount());
  const std::string region = FormatRegionDescriptor(context.region->Describe(pid));
  if (setenv("DOTNET_WORKERS_ID", id.c_str(), 1) != 0 ||
      setenv("DOTNET_WORKERS_COUNT", count.c_str(), 1) != 0 ||
      setenv("DOTNET_WORKERS_ROLE", spec.role.c_str(), 1) != 0 ||
      setenv(DW_REGION_ENV, region.c_str(), 1) != 0) {
    ChildFail(std::string("cannot set the environment: ") + std::strerror(errno));
  }

  // Like `dotnet`: stdin belongs to the primary; workers read end-of-file.
  if (spec.id != 0) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0) ChildFail("cannot redirect stdin to /dev/null");
    close(null);
  }

  if (context.options->spawn) {
    // The exec'd launcher maps the region from this fd; it sets FD_CLOEXEC again itself.
    fcntl(context.region->fd(), F_SETFD, 0);
    std::vector<const char*> argv{"dotnet-workers", kSpawnedChildFlag, context.options->app_path.c_str()};
    for (const std::string& a : context.options->app_args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    execv(context.launcher_path.c_str(), const_cast<char* const*>(argv.data()));
    ChildFail("cannot exec " + context.launcher_path + ": " + std::strerror(errno));
  }

  std::exit(context.clr->RunApp());
}

}  // namespace

pid_t StartProcess(const StartContext& context, const ProcessSpec& spec, std::string* error) {
  ProcessStarting(context.region->process(spec.id), spec.role);
  std::fflush(nullptr);  // or buffered launcher output would be printed by every child too
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("cannot start process ") + std::to_string(spec.id) + ": " + std::strerror(errno);
    return -1;
  }
  if (pid == 0) RunChild(context, spec);
  ProcessForked(context.region->process(spec.id), static_cast<uint32_t>(pid));
  return pid;
}

int RunSpawnedChild(const std::string& app_path, const std::vector<std::string>& app_args) {
  const char* text = std::getenv(DW_REGION_ENV);
  RegionDescriptor descriptor;
  if (text == nullptr || !ParseRegionDescriptor(text, &descriptor) ||
      descriptor.pid != static_cast<uint32_t>(getpid())) {
    std::fprintf(stderr, "dotnet-workers: error: %s is for the launcher's own use\n", kSpawnedChildFlag);
    return 2;
  }
  std::unique_ptr<Region> region;
  if (Region::MapDescriptor(descriptor, &region) != DW_OK) {
    std::fprintf(stderr, "dotnet-workers: error: %s\n", LastError());
    return 1;
  }
  region->Release();  // stays mapped for the runtime and the managed library

  ClrBoot clr;
  std::string error;
  if (!clr.Resolve(&error) || !clr.Initialize(app_path, app_args, &error)) {
    std::fprintf(stderr, "dotnet-workers: error: %s\n", error.c_str());
    return 1;
  }
  return clr.RunApp();
}

}  // namespace dw::host
