// What the launcher does when a process ends or a signal arrives, and the exit code it
// returns in the end. Pure decisions, no system calls: the supervisor reports events and
// carries out the actions; the native tests drive the policy directly.
//
// The rule, in one place:
//   - Before shutdown, a worker killed by a signal or exiting non-zero fails the cluster
//     (crash-fails-all): everything is killed, the exit code is 128+signal or its code.
//     With --on-worker-exit=continue it is reported and the cluster runs on; with revive it
//     is started again after a growing delay, unless it died more than --max-restarts
//     times within --restart-window, which fails the cluster.
//     The primary killed by a signal other than SIGINT/SIGTERM/SIGHUP fails the cluster
//     whatever the option: it is the cluster's lifetime, never revived.
//   - The primary ending otherwise, or the first SIGINT/SIGTERM/SIGHUP, starts a graceful
//     shutdown. A second SIGINT kills everything: 130.
//   - During shutdown, ending by SIGINT/SIGTERM/SIGHUP (or the runtime's 130/143/129 for
//     them) is expected. Anything else is reported.
//   - --timeout passing starts a graceful shutdown too, and the exit code is 124.
//   - The exit code is then the primary's; if that is 0 and a process failed during
//     shutdown, the first such failure's; 137 if the primary had to be killed at the
//     shutdown timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "options.h"
#include "restart_backoff.h"

namespace dw::host {

enum class Action { kNone, kBeginShutdown, kKillAll, kRevive };

struct Decision {
  Action action = Action::kNone;
  std::string message;           // one line for stderr, or empty
  uint32_t reason = 0;           // layout::kReason* for kBeginShutdown / kKillAll
  uint64_t revive_after_ms = 0;  // kRevive: start the process again after this long
};

class ExitPolicy {
 public:
  explicit ExitPolicy(WorkerExit on_worker_exit = WorkerExit::kFailAll, const RestartLimits& limits = {})
      : on_worker_exit_(on_worker_exit), limits_(limits) {}

  // Process `id` (0 = primary), described by `label` ("worker 2 (pid 123, role 'web')"),
  // ended with `wait_status` as waitpid reported it, at `ended_ns` after it was started at
  // `started_ns` (CLOCK_MONOTONIC; what revive's delays and limit count).
  Decision OnProcessEnded(uint32_t id, const std::string& label, int wait_status, uint64_t started_ns = 0,
                          uint64_t ended_ns = 0);

  // Worker `id`, which the launcher stopped in order to start it again (--max-memory, a
  // restart request), ended: kRevive at once while the cluster runs (it is not a crash,
  // whatever its status: it may have been killed at the shutdown timeout), else nothing.
  Decision OnStoppedForRestart(uint32_t id, const std::string& label, int wait_status);

  // --timeout passed; `running` names the processes still running ("the primary (pid 12, running)").
  Decision OnRunTimeout(const std::vector<std::string>& running, const std::string& timeout);

  // Process `id` is the launcher's own helper (the --http dashboard): revived when it dies
  // while the cluster runs, whatever --on-worker-exit says; past --max-restarts it is left
  // ended, and the cluster runs on without it.
  void ReviveAlways(uint32_t id) { revive_always_.push_back(id); }

  // Revives of worker `id` so far.
  uint32_t RestartsOf(uint32_t id) const;

  // The launcher received `signal`.
  Decision OnSignal(int signal);

  // The shutdown timeout passed with `survivors` still running; `timeout` reads "5s".
  Decision OnShutdownTimeout(const std::vector<std::string>& survivors, bool primary_survives,
                             const std::string& timeout);

  // Start-up failed half way (fork error): kill what was started.
  Decision OnStartFailure(int exit_code);

  bool shutting_down() const { return phase_ != Phase::kRunning; }
  bool killing() const { return phase_ == Phase::kKilling; }
  int ExitCode() const;

 private:
  enum class Phase { kRunning, kShuttingDown, kKilling };

  Decision Fail(int exit_code, std::string message);

  WorkerExit on_worker_exit_;
  RestartLimits limits_;
  std::unordered_map<uint32_t, RestartBackoff> backoffs_;  // revive: per worker id
  std::vector<uint32_t> revive_always_;
  Phase phase_ = Phase::kRunning;
  std::optional<int> primary_code_;
  std::optional<int> failure_code_;           // crash-fails-all, second SIGINT, start failure
  std::optional<int> shutdown_failure_code_;  // first unexpected end during shutdown
  bool primary_killed_at_timeout_ = false;
  bool timed_out_ = false;  // --timeout passed
  int interrupts_ = 0;
};

// How a process ended, for messages: "was killed by SIGKILL", "exited with code 3".
std::string DescribeEnd(int status);

}  // namespace dw::host
