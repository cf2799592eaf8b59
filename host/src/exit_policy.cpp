#include "exit_policy.h"

#include <algorithm>
#include <csignal>

#include <sys/wait.h>

#include "dotnet_workers/region_layout.h"
#include "signals.h"

namespace dw::host {
namespace L = layout;

namespace {

bool IsStopSignal(int signal) { return signal == SIGINT || signal == SIGTERM || signal == SIGHUP; }

// The code a shell would show: 128+signal for a signal death.
int CodeOf(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }

// Ending the way a process asked to stop ends: by the stop signal itself, or by the .NET
// runtime's default handling of it (exit code 128+signal), or cleanly.
bool EndedAsAsked(int status) {
  if (WIFSIGNALED(status)) return IsStopSignal(WTERMSIG(status));
  const int code = WEXITSTATUS(status);
  return code == 0 || code == 128 + SIGINT || code == 128 + SIGTERM || code == 128 + SIGHUP;
}

}  // namespace

std::string DescribeEnd(int status) {
  return WIFSIGNALED(status) ? "was killed by " + SignalName(WTERMSIG(status))
                             : "exited with code " + std::to_string(WEXITSTATUS(status));
}

Decision ExitPolicy::Fail(int exit_code, std::string message) {
  failure_code_ = failure_code_.value_or(exit_code);
  phase_ = Phase::kKilling;
  return {Action::kKillAll, std::move(message), L::kReasonWorkerFailed};
}

Decision ExitPolicy::OnProcessEnded(uint32_t id, const std::string& label, int status, uint64_t started_ns,
                                    uint64_t ended_ns) {
  if (phase_ == Phase::kKilling) return {};  // we are killing everything: deaths are expected
  const bool signaled = WIFSIGNALED(status);

  if (id == 0) {
    primary_code_ = CodeOf(status);
    if (phase_ == Phase::kRunning) {
      if (signaled && !IsStopSignal(WTERMSIG(status))) {
        return Fail(CodeOf(status), "dotnet-workers: " + label + " " + DescribeEnd(status) + "; stopping the cluster");
      }
      phase_ = Phase::kShuttingDown;
      return {Action::kBeginShutdown, "", L::kReasonPrimaryExited};
    }
    // During shutdown the primary's code is the exit code, whatever it is; only a crash is news.
    if (!signaled || IsStopSignal(WTERMSIG(status))) return {};
    return {Action::kNone, "dotnet-workers: " + label + " " + DescribeEnd(status) + " during shutdown", 0};
  } else if (phase_ == Phase::kRunning) {
    if (!signaled && WEXITSTATUS(status) == 0) return {};  // a worker that finished cleanly just leaves
    if (std::find(revive_always_.begin(), revive_always_.end(), id) != revive_always_.end()) {
      RestartBackoff& backoff = backoffs_.try_emplace(id, limits_).first->second;
      std::optional<uint64_t> delay = backoff.OnDeath(started_ns, ended_ns);
      if (!delay) {
        return {Action::kNone,
                "dotnet-workers: " + label + " " + DescribeEnd(status) + ": died more than --max-restarts=" +
                    std::to_string(limits_.max_restarts) + " times; continuing without it",
                0};
      }
      return {Action::kRevive,
              "dotnet-workers: " + label + " " + DescribeEnd(status) + "; reviving it in " + FormatDuration(*delay), 0,
              *delay};
    }
    if (on_worker_exit_ == WorkerExit::kContinue) {
      return {Action::kNone,
              "dotnet-workers: " + label + " " + DescribeEnd(status) +
                  "; continuing without it (--on-worker-exit=continue)",
              0};
    }
    if (on_worker_exit_ == WorkerExit::kRevive) {
      RestartBackoff& backoff = backoffs_.try_emplace(id, limits_).first->second;
      std::optional<uint64_t> delay = backoff.OnDeath(started_ns, ended_ns);
      if (!delay) {
        return Fail(CodeOf(status), "dotnet-workers: " + label + " " + DescribeEnd(status) + ": worker " +
                                        std::to_string(id) + " died " + std::to_string(limits_.max_restarts + 1) +
                                        " times within " + FormatDuration(limits_.window_ms) +
                                        " (more than --max-restarts=" + std::to_string(limits_.max_restarts) +
                                        "); stopping the cluster");
      }
      return {Action::kRevive,
              "dotnet-workers: " + label + " " + DescribeEnd(status) + "; reviving it in " + FormatDuration(*delay) +
                  " (restart " + std::to_string(backoff.restarts()) + ")",
              0, *delay};
    }
    return Fail(CodeOf(status), "dotnet-workers: " + label + " " + DescribeEnd(status) + "; stopping the cluster");
  }

  // Shutting down.
  if (EndedAsAsked(status)) return {};
  shutdown_failure_code_ = shutdown_failure_code_.value_or(CodeOf(status));
  return {Action::kNone, "dotnet-workers: " + label + " " + DescribeEnd(status) + " during shutdown", 0};
}

Decision ExitPolicy::OnSignal(int signal) {
  if (!IsStopSignal(signal) || phase_ == Phase::kKilling) return {};
  if (signal == SIGINT && ++interrupts_ >= 2) {
    return Fail(128 + SIGINT, "dotnet-workers: second SIGINT: killing every process");
  }
  if (phase_ == Phase::kShuttingDown) return {};
  phase_ = Phase::kShuttingDown;
  return {Action::kBeginShutdown, "", L::kReasonSignal};
}

Decision ExitPolicy::OnShutdownTimeout(const std::vector<std::string>& survivors, bool primary_survives,
                                       const std::string& timeout) {
  if (phase_ != Phase::kShuttingDown) return {};
  std::string message;
  for (const std::string& label : survivors) {
    if (!message.empty()) message += "\n";
    message += "dotnet-workers: " + label + " did not stop within " + timeout + " of shutdown; killed";
  }
  primary_killed_at_timeout_ = primary_survives;
  phase_ = Phase::kKilling;
  return {Action::kKillAll, std::move(message), L::kReasonSignal};
}

Decision ExitPolicy::OnStartFailure(int exit_code) { return Fail(exit_code, ""); }

Decision ExitPolicy::OnStoppedForRestart(uint32_t id, const std::string& label, int status) {
  if (phase_ != Phase::kRunning || id == 0) return {};
  const std::string how = EndedAsAsked(status) ? "has stopped" : DescribeEnd(status);
  return {Action::kRevive, "dotnet-workers: " + label + " " + how + "; starting it again", 0, 0};
}

Decision ExitPolicy::OnRunTimeout(const std::vector<std::string>& running, const std::string& timeout) {
  if (phase_ != Phase::kRunning) return {};
  timed_out_ = true;
  phase_ = Phase::kShuttingDown;
  std::string names;
  for (const std::string& label : running) names += (names.empty() ? "" : ", ") + label;
  return {Action::kBeginShutdown,
          "dotnet-workers: --timeout=" + timeout + " passed; stopping the cluster" +
              (names.empty() ? std::string() : "; still running: " + names),
          L::kReasonRequested};
}

uint32_t ExitPolicy::RestartsOf(uint32_t id) const {
  auto found = backoffs_.find(id);
  return found == backoffs_.end() ? 0 : found->second.restarts();
}

int ExitPolicy::ExitCode() const {
  if (timed_out_) return 124;
  if (failure_code_) return *failure_code_;
  if (primary_killed_at_timeout_ || !primary_code_) return 128 + SIGKILL;
  if (*primary_code_ == 0 && shutdown_failure_code_) return *shutdown_failure_code_;
  return *primary_code_;
}

}  // namespace dw::host
