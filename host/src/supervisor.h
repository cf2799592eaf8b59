// The launcher's life after the processes are started: it reaps them, turns signals into a
// graceful shutdown, enforces crash-fails-all and the shutdown timeout, and decides the
// exit code. Single-threaded: one poll on a signalfd, with the shutdown deadline as timeout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

#include "options.h"
#include "region.h"
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
      : region_(region), options_(options), signals_(signals) {}

  void Add(uint32_t id, const std::string& role, pid_t pid);

  // Stops everything at once, without a graceful phase (start-up failed half way).
  void Abort(int exit_code) { FailCluster(exit_code); }

  // Runs until every process has ended. Returns the launcher's exit code.
  int Run();

 private:
  void OnSignal(int signal);
  void OnExit(SupervisedProcess& process, int wait_status);
  void BeginShutdown(uint32_t reason);
  void FailCluster(int exit_code);
  void OnDeadline();
  void KillAll();
  void ReapAll();
  int64_t MillisecondsToDeadline() const;
  size_t AliveCount() const;
  std::string Describe(const SupervisedProcess& process) const;

  Region& region_;
  const LauncherOptions& options_;
  const SupervisorSignals& signals_;
  std::vector<SupervisedProcess> processes_;

  bool shutting_down_ = false;
  bool failed_ = false;      // crash-fails-all fired, or a second signal: kill, don't wait
  int exit_code_ = 0;
  bool primary_done_ = false;
  int interrupts_ = 0;
  uint64_t deadline_ns_ = 0;  // CLOCK_MONOTONIC; 0 = none
};

}  // namespace dw::host
