// Starting one process of the cluster: fork, then in the child everything that must be
// its own (parent-death signal, environment, stdin, signal mask) before the runtime boots.
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <string>

#include "clr_boot.h"
#include "launcher_api.h"
#include "listeners.h"
#include "options.h"
#include "output_prefixer.h"
#include "readiness.h"
#include "signals.h"

namespace dw::host {

struct ProcessSpec {
  uint32_t id = 0;   // 0 = primary
  std::string role;  // "primary", "worker" or a --role name
};

struct StartContext {
  Region* region = nullptr;
  ClrBoot* clr = nullptr;  // initialized before fork (fork mode)
  const LauncherOptions* options = nullptr;
  const SupervisorSignals* signals = nullptr;
  OutputPrefixer* output = nullptr;             // --output=prefix: pipes per process; null: inherited
  Listeners* listeners = nullptr;               // --listen: sockets per process; null: none
  const ReadinessChannel* readiness = nullptr;  // NOTIFY_SOCKET for every process; null: none
  pid_t launcher_pid = 0;
};

// Forks process `spec`. Returns its pid in the launcher; never returns in the child.
// On failure returns -1 with *error set.
pid_t StartProcess(const StartContext& context, const ProcessSpec& spec, std::string* error);

// Threads in the launcher process right now (/proc/self/status). Fork mode needs 1.
uint32_t CountThreads();

// The entry point of a --spawn child after exec: maps the region from DOTNET_WORKERS_REGION
// at its address, boots the runtime and runs the app. Returns the exit code.
int RunSpawnedChild(const std::string& app_path, const std::vector<std::string>& app_args);

// The hidden first argument that marks a --spawn child.
inline constexpr const char* kSpawnedChildFlag = "--internal-spawned-child";

}  // namespace dw::host
