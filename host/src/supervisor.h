// The launcher's life after the processes are started: it reaps them, turns signals and
// deaths into actions through ExitPolicy, starts revived workers again, enforces the
// shutdown timeout and --timeout, and returns the policy's exit code. Single-threaded: one
// poll on a signalfd, the nearest deadline as its timeout.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "exit_policy.h"
#include "launcher_api.h"
#include "options.h"
#include "process_start.h"
#include "signals.h"

namespace dw::host {

struct SupervisedProcess {
  uint32_t id = 0;
  std::string role;
  pid_t pid = -1;
  bool alive = false;
  uint64_t revive_at_ns = 0;     // revive: when to start it again (0: not to be started)
  pid_t cleaner = -1;            // the helper giving back what its dead predecessor held
  uint32_t stopping_for = 0;     // layout::kExitCause* of a graceful stop the launcher began (0: none)
  bool stop_for_good = false;    // that stop was a stop request: it is not started again
  uint64_t kill_at_ns = 0;       // that stop's deadline: SIGKILL then
  bool ready = false;            // it said READY=1 (systemd's notify convention, or Cluster.SignalReady)
  bool free_when_clean = false;  // replaced by a reload (or a replacement that failed): its id is given back
  bool retired = false;          // its id was given back: the entry may belong to another process now
};

// A reload in progress: `old_id` serves until `new_id`, which took its sockets, is ready.
struct Reload {
  uint32_t old_id = 0;
  uint32_t new_id = 0;
  uint64_t ready_by_ns = 0;  // --ready-timeout: then it counts as ready anyway
  bool old_stopping = false;
};

class Supervisor {
 public:
  // `context` starts revived processes the way the first ones were started.
  explicit Supervisor(const StartContext& context)
      : region_(*context.region),
        options_(*context.options),
        signals_(*context.signals),
        context_(context),
        policy_(options_.on_worker_exit, options_.restart_limits) {}

  void Add(uint32_t id, const std::string& role, pid_t pid);

  // Start-up failed half way: kill what was started (then Run() reaps it).
  void Abort(int exit_code) { Carry(policy_.OnStartFailure(exit_code)); }

  // Runs until every process has ended. Returns the launcher's exit code.
  int Run();

 private:
  void Carry(const Decision& decision);
  pid_t CleanupInBackground(uint32_t id);
  void DrainSignals();
  void ReapAll();
  void OnDeadline();
  void OnRunTimeout();
  void StartRevivals();
  void OnRequest(int32_t value, pid_t from);
  void StartRequested(uint32_t id, pid_t from);
  void StopGracefully(SupervisedProcess& process, uint32_t cause, bool for_good);
  void QueueReload(uint32_t id, pid_t from);
  void StartNextReload();
  void OnReadiness();
  void AdvanceReload();
  void AbortReload(const std::string& why);
  SupervisedProcess* Find(uint32_t id);
  void Retire(SupervisedProcess& process);
  void CheckMemory();
  void KillOverdueStops();
  void SignalAlive(int signal, bool bound_only);
  int64_t MillisecondsToNextEvent() const;
  size_t AliveCount() const;
  bool RevivalsPending() const;
  std::string Label(const SupervisedProcess& process) const;

  Region& region_;
  const LauncherOptions& options_;
  const SupervisorSignals& signals_;
  const StartContext& context_;
  // A deque: workers started on request are added while ReapAll holds pointers to others.
  std::deque<SupervisedProcess> processes_;
  std::vector<pid_t> cleaners_;  // forked helpers giving back what dead processes held
  ExitPolicy policy_;
  std::deque<uint32_t> reload_queue_;  // workers still to be replaced, in order
  std::optional<Reload> reload_;
  uint64_t deadline_ns_ = 0;           // the shutdown timeout's end, CLOCK_MONOTONIC; 0 = none
  uint64_t run_deadline_ns_ = 0;       // --timeout's end; 0 = none
  uint64_t next_memory_check_ns_ = 0;  // --max-memory
};

}  // namespace dw::host
