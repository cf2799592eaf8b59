// The launcher's command line: `dotnet-workers [options] app.dll [app args]`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "join_address.h"
#include "listeners.h"
#include "restart_backoff.h"

namespace dw::host {

struct RoleCount {
  std::string name;
  uint32_t count = 0;
};

// --on-worker-exit: what a worker's death (a signal, or a non-zero exit) does before shutdown.
enum class WorkerExit { kFailAll, kContinue, kRevive };

struct LauncherOptions {
  std::vector<RoleCount> roles;         // workers by role, in start order ("worker" for --workers)
  uint64_t memory_bytes = 0;            // --memory, or the default sized from the machine
  uint64_t shutdown_timeout_ms = 5000;  // --shutdown-timeout
  bool spawn = false;
  bool verbose = false;
  bool prefix_output = false;  // --output=prefix: each line as "[w3 web] line" (default: inherited) // --spawn
  bool native_app = false;     // the app is a NativeAOT executable (set after the app check)
  WorkerExit on_worker_exit = WorkerExit::kFailAll;  // --on-worker-exit
  RestartLimits restart_limits;                      // --max-restarts, --restart-window (revive)
  uint64_t ready_timeout_ms = 5000;                  // --ready-timeout: a reload's wait for READY=1
  uint64_t timeout_ms = 0;                           // --timeout: end the cluster after this long (0: never)
  uint64_t max_memory_bytes = 0;                     // --max-memory: restart a worker whose RSS passes it (0: none)
  std::vector<ListenSpec> listens;                   // --listen, in the order given (and --http's, for the dashboard)
  std::string data_dir;                              // --data-dir: where shared documents are kept ("" = memory only)
  bool data_sync_every_patch = false;                // --data-sync=patch (default: interval, within 100ms)
  bool data_sync_given = false;                      // --data-sync was given (it needs --data-dir)
  std::optional<ListenSpec> http;     // --http: the dashboard's address (127.0.0.1 unless a host is given)
  std::string http_token;             // --http-token: required for a non-loopback --http
  bool http_write = false;            // --http-write: PATCH /api/documents/{name} allowed
  std::string dashboard_path;         // --http: the dashboard's dll, next to the launcher (set at start)
  std::optional<JoinAddress> join;    // --join: one cluster with the other machines that join this NAME
  std::string join_password_file;     // --join-password-file: absolute; read by each process, never on a command line
  std::string join_host_id;           // with --join: this launcher's MakeHostInstanceId() (set at start)
  std::string name;                   // --name: what the CLI calls the cluster (default: the app's)
  std::string app_path;               // the first non-option argument
  std::vector<std::string> app_args;  // everything after it, untouched

  uint32_t WorkerCount() const;     // every process but the primary, the dashboard's included
  uint32_t AppWorkerCount() const;  // the app's workers (DOTNET_WORKERS_COUNT): the dashboard is not one
};

enum class ParseOutcome { kRun, kHelp, kVersion, kError };

// Parses argv[1..]. On kError, *error holds a one-line message (without a prefix).
// `default_workers` and `default_memory` are what the machine suggests; tests pass fixed ones.
ParseOutcome ParseOptions(const std::vector<std::string_view>& args, uint32_t default_workers, uint64_t default_memory,
                          LauncherOptions* options, std::string* error);

// "64g", "512m", "1048576", "2GiB" -> bytes (binary units). nullopt if malformed or overflowing.
std::optional<uint64_t> ParseSize(std::string_view text);

// "5s", "500ms", "2m", "1h", "10" (seconds) -> milliseconds. nullopt if malformed.
std::optional<uint64_t> ParseDuration(std::string_view text);

// Milliseconds as the options write them: "5s", "1500ms".
std::string FormatDuration(uint64_t ms);

// The cores this process may use: the online processors, or fewer if its CPU affinity or its
// cgroup's CPU quota (`cpu.max`, "QUOTA PERIOD" or "max PERIOD", rounded up) allows fewer, as
// .NET counts them in a container. `affinity` 0 means unknown; `cpu_max` empty means none.
uint32_t UsableCores(uint32_t online, uint32_t affinity, std::string_view cpu_max);

// The cores this process may use, read from the machine (the default for --workers, and
// what the runtime defaults share between the processes).
uint32_t DefaultWorkerCount();

// Physical memory, or the cgroup limit if lower (the default for --memory).
uint64_t DefaultRegionSize();

std::string HelpText();

inline constexpr uint32_t kMaxProcesses = 1024;  // layout::kProcessCapacity
inline constexpr std::string_view kPrimaryRole = "primary";
inline constexpr std::string_view kDefaultWorkerRole = "worker";
// --http: one more process, after the workers, runs the dashboard (never the app).
inline constexpr std::string_view kDashboardRole = "dashboard";

}  // namespace dw::host
