// dotnet-workers: runs a .NET app as a supervised cluster of processes sharing one region.
//
//   parse options -> check the app -> resolve and initialize hostfxr -> create the region
//   -> block signals -> fork the primary and the workers -> supervise until all have ended
//
// Nothing here runs managed code: every runtime is booted in a child, after fork.
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "app_check.h"
#include "cli_verbs.h"
#include "clr_boot.h"
#include "data_directory.h"
#include "dotnet_workers/region_layout.h"
#include "hostfxr_errors.h"
#include "launcher_api.h"
#include "options.h"
#include "process_start.h"
#include "registration.h"
#include "signals.h"
#include "supervisor.h"
#include "version.h"

namespace {

constexpr int kUsageError = 2;
constexpr int kStartError = 1;

int Error(int code, const std::string& message) {
  std::fprintf(stderr, "dotnet-workers: error: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dw::host;

  if (argc >= 3 && std::string_view(argv[1]) == kSpawnedChildFlag) {
    return RunSpawnedChild(argv[2], std::vector<std::string>(argv + 3, argv + argc));
  }

  if (argc >= 2 && IsCliVerb(argv[1])) return RunCli(std::vector<std::string>(argv + 1, argv + argc));

  std::vector<std::string_view> args(argv + 1, argv + argc);
  LauncherOptions options;
  std::string error;
  switch (ParseOptions(args, DefaultWorkerCount(), DefaultRegionSize(), &options, &error)) {
    case ParseOutcome::kHelp: std::fputs(HelpText().c_str(), stdout); return 0;
    case ParseOutcome::kVersion:
      std::printf("dotnet-workers %s (region layout %u)\n", kVersion, dw::layout::kLayoutVersion);
      return 0;
    case ParseOutcome::kError: return Error(kUsageError, error);
    case ParseOutcome::kRun: break;
  }

  // Held until the launcher exits: no other cluster appends to these documents meanwhile.
  const int data_directory_lock = options.data_dir.empty() ? -1 : OpenDataDirectory(&options.data_dir, &error);
  if (!options.data_dir.empty() && data_directory_lock < 0) return Error(kStartError, error);
  if (options.join) {
    // Only that something listens there: the processes speak Redis, and say what else is wrong.
    if (!CheckJoinReachable(*options.join, 3000, &error)) return Error(kStartError, error);
    options.join_host_id = MakeHostInstanceId();
  }
  if (options.http) {
    options.dashboard_path = InstalledPath("dashboard/DotnetWorkers.Dashboard.dll");
    if (options.dashboard_path.empty() || access(options.dashboard_path.c_str(), R_OK) != 0) {
      return Error(kStartError,
                   "--http: the dashboard is missing (" + options.dashboard_path + "): reinstall dotnet-workers");
    }
  }

  // Before anything opens a descriptor: the children put their sockets at 3.. (--listen).
  if (!options.listens.empty()) Listeners::ReserveLowDescriptors(options.listens.size());

  AppKind kind = AppKind::kManaged;
  if (!CheckDotnetApp(options.app_path, &kind, &error)) return Error(kStartError, error);
  options.native_app = kind == AppKind::kNative;

  Listeners listeners;
  if (!listeners.Open(options.listens, &error)) return Error(kStartError, error);

  // Resolved once, here, and inherited by every forked child. In --spawn mode each child
  // does this again after exec; doing it here too reports a broken install once. A
  // NativeAOT app carries its own runtime: every process execs it, with the region's fd.
  ClrBoot clr;
  if (options.native_app) {
    options.spawn = true;
  } else if (!clr.Resolve(&error) || !clr.Initialize(options.app_path, options.app_args, &error)) {
    Error(kStartError, error);
    if (options.verbose && !clr.Detail().empty()) std::fputs(IndentHostfxrMessages(clr.Detail()).c_str(), stderr);
    return kStartError;
  } else if (!options.spawn) {
    clr.PreloadRuntime();
    // Forking runs the runtime in the children on the launcher's memory: safe only if the
    // launcher has one thread. Loading the runtime can start one (LTTng tracing, when
    // liblttng-ust is installed): then start every process by exec instead.
    if (uint32_t threads = CountThreads(); threads != 1) {
      std::fprintf(stderr,
                   "dotnet-workers: note: loading the runtime left %u threads in the launcher; "
                   "starting processes by exec (--spawn) instead of fork\n",
                   threads);
      options.spawn = true;
    }
  }

  std::unique_ptr<dw::Region> region;
  const uint32_t flags = options.spawn ? dw::layout::kFlagSpawned : 0;
  if (dw::Region::Create(options.memory_bytes, options.AppWorkerCount(), flags, &region) != DW_OK) {
    return Error(kStartError, std::string("cannot create the shared region: ") + dw::LastError());
  }

  // Without it the cluster runs, but a reload cannot hear READY=1 (it waits --ready-timeout).
  ReadinessChannel readiness;
  const bool readiness_open = readiness.Open(&error);
  if (!readiness_open) std::fprintf(stderr, "dotnet-workers: note: %s; reloads wait --ready-timeout\n", error.c_str());

  SupervisorSignals signals;
  if (!OpenSupervisorSignals(&signals, &error)) return Error(kStartError, error);

  StartContext context;
  context.region = region.get();
  context.clr = &clr;
  context.options = &options;
  context.signals = &signals;
  context.launcher_pid = getpid();
  OutputPrefixer output;
  if (options.prefix_output) context.output = &output;
  if (!listeners.empty()) context.listeners = &listeners;
  if (readiness_open) context.readiness = &readiness;

  Supervisor supervisor(context);
  std::vector<ProcessSpec> specs{{0, std::string(kPrimaryRole)}};
  uint32_t next_id = 1;
  for (const RoleCount& role : options.roles) {
    for (uint32_t i = 0; i < role.count; ++i) specs.push_back({next_id++, role.name});
  }
  // The ids past the app's workers (the dashboard's) are claimed before any process runs: the
  // primary may start workers at once, and dw_workers_start claims from worker_count + 1.
  for (const ProcessSpec& spec : specs) {
    uint32_t claimed = 0;
    if (spec.id > options.AppWorkerCount() &&
        (dw::ClaimWorkerIds(region->process(0), spec.id, spec.role, 1, &claimed) != DW_OK || claimed != spec.id)) {
      return Error(kStartError, "cannot reserve process id " + std::to_string(spec.id) + " for role " + spec.role);
    }
  }
  for (const ProcessSpec& spec : specs) {
    pid_t pid = StartProcess(context, spec, &error);
    if (pid < 0) {
      supervisor.Abort(kStartError);
      supervisor.Run();
      return Error(kStartError, error);
    }
    supervisor.Add(spec.id, spec.role, pid);
  }

  // The CLI finds the cluster by this file; the cluster runs without it if it cannot be written.
  char app[PATH_MAX];
  RegistrationInfo registration{options.name.empty() ? DefaultClusterName(options.app_path) : options.name,
                                realpath(options.app_path.c_str(), app) != nullptr ? app : options.app_path,
                                getpid(),
                                region->fd(),
                                options.WorkerCount(),
                                dw::RealtimeNs() / 1'000'000,
                                OwnStartTicks()};
  if (!WriteRegistration(registration, &error)) {
    std::fprintf(stderr, "dotnet-workers: note: %s; `dotnet-workers ps` will not list this cluster\n", error.c_str());
  }
  const int code = supervisor.Run();
  RemoveRegistration(getpid());
  return code;
}
