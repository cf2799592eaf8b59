// What the launcher does when a process ends or a signal arrives, and the exit code it
// returns in the end. Pure decisions, no system calls: the supervisor reports events and
// carries out the actions; the native tests drive the policy directly.
//
// The rule, in one place:
//   - Before shutdown, a worker killed by a signal or exiting non-zero fails the cluster
//     (crash-fails-all): everything is killed, the exit code is 128+signal or its code.
//     With --on-worker-exit=continue it is reported and the cluster runs on.
//     The primary killed by a signal other than SIGINT/SIGTERM/SIGHUP does the same.
//   - The primary ending otherwise, or the first SIGINT/SIGTERM/SIGHUP, starts a graceful
//     shutdown. A second SIGINT kills everything: 130.
//   - During shutdown, ending by SIGINT/SIGTERM/SIGHUP (or the runtime's 130/143/129 for
//     them) is expected. Anything else is reported.
//   - The exit code is then the primary's; if that is 0 and a process failed during
//     shutdown, the first such failure's; 137 if the primary had to be killed at the
//     shutdown timeout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dw::host {

enum class Action { kNone, kBeginShutdown, kKillAll };

struct Decision {
  Action action = Action::kNone;
  std::string message;  // one line for stderr, or empty
  uint32_t reason = 0;  // layout::kReason* for kBeginShutdown / kKillAll
};

class ExitPolicy {
 public:
  // --on-worker-exit=continue: a worker failing before shutdown is reported, not fatal.
  explicit ExitPolicy(bool continue_on_worker_exit = false) : continue_on_worker_exit_(continue_on_worker_exit) {}

  // Process `id` (0 = primary), described by `label` ("worker 2 (pid 123, role 'web')"),
  // ended with `wait_status` as waitpid reported it.
  Decision OnProcessEnded(uint32_t id, const std::string& label, int wait_status);

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

  bool continue_on_worker_exit_;
  Phase phase_ = Phase::kRunning;
  std::optional<int> primary_code_;
  std::optional<int> failure_code_;           // crash-fails-all, second SIGINT, start failure
  std::optional<int> shutdown_failure_code_;  // first unexpected end during shutdown
  bool primary_killed_at_timeout_ = false;
  int interrupts_ = 0;
};

}  // namespace dw::host
