// The launcher's life after the processes are started: it reaps them, turns signals and
// deaths into actions through ExitPolicy, enforces the shutdown timeout, and returns the
// policy's exit code. Single-threaded: one poll on a signalfd, the deadline as timeout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

#include "exit_policy.h"
#include "launcher_api.h"
#include "options.h"
#include "signals.h"

namespace dw::host {

struct SupervisedProcess {
  uint32_t id = 0;
  std::string role;
  pid_t pid = -1;
  bool alive = false;
};

class Supervisor {
 public:
  Supervisor(Region& region, const LauncherOptions& options, const SupervisorSignals& signals)
      : region_(region), options_(options), signals_(signals), policy_(options.continue_on_worker_exit) {}

  void Add(uint32_t id, const std::string& role, pid_t pid);

  // Start-up failed half way: kill what was started (then Run() reaps it).
  void Abort(int exit_code) { Carry(policy_.OnStartFailure(exit_code)); }

  // Runs until every process has ended. Returns the launcher's exit code.
  int Run();

 private:
  void Carry(const Decision& decision);
  void CleanupInBackground(uint32_t id);
  void DrainSignals();
  void ReapAll();
  void OnDeadline();
  void SignalAlive(int signal);
  int64_t MillisecondsToDeadline() const;
  size_t AliveCount() const;
  std::string Label(const SupervisedProcess& process) const;

  Region& region_;
  const LauncherOptions& options_;
  const SupervisorSignals& signals_;
  std::vector<SupervisedProcess> processes_;
  std::vector<pid_t> cleaners_;  // forked helpers giving back what dead processes held
  ExitPolicy policy_;
  uint64_t deadline_ns_ = 0;  // CLOCK_MONOTONIC; 0 = none
};

}  // namespace dw::host
