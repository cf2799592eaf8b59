#include "supervisor.h"

#include <cerrno>
#include <cstdio>

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "process_table.h"
#include "shutdown.h"

namespace dw::host {
namespace L = layout;

namespace {

// After SIGKILL, how long to wait for the kernel to report the deaths before giving up.
constexpr uint64_t kKillGraceNs = 5'000'000'000ull;

std::string Seconds(uint64_t ms) {
  char buffer[32];
  if (ms % 1000 == 0) std::snprintf(buffer, sizeof buffer, "%llus", static_cast<unsigned long long>(ms / 1000));
  else std::snprintf(buffer, sizeof buffer, "%llums", static_cast<unsigned long long>(ms));
  return buffer;
}

}  // namespace

void Supervisor::Add(uint32_t id, const std::string& role, pid_t pid) {
  processes_.push_back({id, role, pid, true});
}

std::string Supervisor::Describe(const SupervisedProcess& p) const {
  if (p.id == 0) return "the primary (pid " + std::to_string(p.pid) + ")";
  return "worker " + std::to_string(p.id) + " (pid " + std::to_string(p.pid) + ", role '" + p.role + "')";
}

size_t Supervisor::AliveCount() const {
  size_t n = 0;
  for (const SupervisedProcess& p : processes_) n += p.alive ? 1 : 0;
  return n;
}

int64_t Supervisor::MillisecondsToDeadline() const {
  if (deadline_ns_ == 0) return -1;
  uint64_t now = MonotonicNs();
  return now >= deadline_ns_ ? 0 : static_cast<int64_t>((deadline_ns_ - now + 999'999) / 1'000'000);
}

void Supervisor::KillAll() {
  for (SupervisedProcess& p : processes_) {
    if (p.alive) kill(p.pid, SIGKILL);
  }
  deadline_ns_ = MonotonicNs() + kKillGraceNs;
}

void Supervisor::FailCluster(int exit_code) {
  if (!failed_) exit_code_ = exit_code;
  failed_ = true;
  shutting_down_ = true;
  RequestShutdown(region_, L::kReasonWorkerFailed);
  KillAll();
}

void Supervisor::BeginShutdown(uint32_t reason) {
  if (shutting_down_) return;
  shutting_down_ = true;
  // Processes using the library see the region's flag (their ShutdownToken); SIGTERM is
  // for the ones that don't (and the library turns it into the same token).
  RequestShutdown(region_, reason);
  for (SupervisedProcess& p : processes_) {
    if (!p.alive) continue;
    ProcessStopping(region_.process(p.id));
    kill(p.pid, SIGTERM);
  }
  deadline_ns_ = MonotonicNs() + options_.shutdown_timeout_ms * 1'000'000ull;
}

void Supervisor::OnDeadline() {
  if (failed_) {
    // SIGKILL did not finish them within the grace period (stuck in the kernel); the
    // parent-death signal still reaps them when the launcher exits.
    for (SupervisedProcess& p : processes_) {
      if (p.alive) std::fprintf(stderr, "dotnet-workers: %s did not die after SIGKILL\n", Describe(p).c_str());
      p.alive = false;
    }
    return;
  }
  for (SupervisedProcess& p : processes_) {
    if (!p.alive) continue;
    std::fprintf(stderr, "dotnet-workers: %s did not stop within %s of shutdown; killed\n",
                 Describe(p).c_str(), Seconds(options_.shutdown_timeout_ms).c_str());
  }
  failed_ = true;  // from here on, only reap
  if (!primary_done_) exit_code_ = 128 + SIGKILL;
  KillAll();
}

void Supervisor::OnExit(SupervisedProcess& p, int status) {
  p.alive = false;
  ProcessEnded(region_.process(p.id), status);
  const bool signaled = WIFSIGNALED(status);
  const int code = signaled ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  const std::string cause = signaled ? "was killed by " + SignalName(WTERMSIG(status))
                                     : "exited with code " + std::to_string(code);

  if (p.id == 0) {
    primary_done_ = true;
    if (failed_) return;
    exit_code_ = code;
    if (signaled && !shutting_down_) {
      std::fprintf(stderr, "dotnet-workers: %s %s; stopping the cluster\n", Describe(p).c_str(), cause.c_str());
      FailCluster(code);
    } else {
      BeginShutdown(L::kReasonPrimaryExited);
    }
    return;
  }

  if (failed_) return;
  if (!shutting_down_) {
    if (signaled || code != 0) {  // crash-fails-all
      std::fprintf(stderr, "dotnet-workers: %s %s; stopping the cluster\n", Describe(p).c_str(), cause.c_str());
      FailCluster(code);
    }
    return;  // a worker that finished cleanly before shutdown just leaves the cluster
  }
  // During shutdown, ending by our SIGTERM (or the runtime's 143 for it) is the plan.
  if (signaled && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGINT) {
    std::fprintf(stderr, "dotnet-workers: %s %s during shutdown\n", Describe(p).c_str(), cause.c_str());
    if (exit_code_ == 0) exit_code_ = code;
  }
}

void Supervisor::OnSignal(int signal) {
  if (signal != SIGINT && signal != SIGTERM && signal != SIGHUP) return;
  if (++interrupts_ >= 2) {
    if (!failed_) {
      std::fprintf(stderr, "dotnet-workers: second %s: killing every process\n", SignalName(signal).c_str());
      FailCluster(128 + signal);
    }
    return;
  }
  BeginShutdown(L::kReasonSignal);
}

void Supervisor::ReapAll() {
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (SupervisedProcess& p : processes_) {
      if (p.pid == pid && p.alive) {
        OnExit(p, status);
        break;
      }
    }
  }
}

int Supervisor::Run() {
  ReapAll();  // a child may have ended before the loop started
  while (AliveCount() > 0) {
    pollfd fds{signals_.fd, POLLIN, 0};
    int64_t timeout = MillisecondsToDeadline();
    int ready = poll(&fds, 1, timeout > INT32_MAX ? INT32_MAX : static_cast<int>(timeout));
    if (ready < 0 && errno != EINTR) {
      std::perror("dotnet-workers: poll");
      KillAll();
      return 1;
    }
    if (ready > 0) {
      signalfd_siginfo info;  // the fd is non-blocking: drain what is pending
      while (read(signals_.fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo != SIGCHLD) OnSignal(static_cast<int>(info.ssi_signo));
      }
    }
    ReapAll();
    if (deadline_ns_ != 0 && AliveCount() > 0 && MillisecondsToDeadline() == 0) OnDeadline();
  }
  return exit_code_;
}

}  // namespace dw::host
