#include "supervisor.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher_api.h"

namespace dw::host {

namespace {

// After SIGKILL, how long to wait for the kernel to report the deaths before giving up.
constexpr uint64_t kKillGraceNs = 5'000'000'000ull;

std::string Duration(uint64_t ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

void Supervisor::Add(uint32_t id, const std::string& role, pid_t pid) { processes_.push_back({id, role, pid, true}); }

std::string Supervisor::Label(const SupervisedProcess& p) const {
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

void Supervisor::SignalAlive(int signal) {
  for (SupervisedProcess& p : processes_) {
    if (p.alive) kill(p.pid, signal);
  }
}

void Supervisor::Carry(const Decision& decision) {
  if (!decision.message.empty()) std::fprintf(stderr, "%s\n", decision.message.c_str());
  switch (decision.action) {
    case Action::kNone: break;
    case Action::kBeginShutdown:
      // Processes using the library see the region's flag (their ShutdownToken); SIGTERM
      // is for those that don't (the library turns it into the same token).
      RequestShutdown(region_, decision.reason);
      SignalAlive(SIGTERM);
      deadline_ns_ = MonotonicNs() + options_.shutdown_timeout_ms * 1'000'000ull;
      break;
    case Action::kKillAll:
      RequestShutdown(region_, decision.reason);
      SignalAlive(SIGKILL);
      deadline_ns_ = MonotonicNs() + kKillGraceNs;
      break;
  }
}

// Giving back what a dead process held takes the region's robust mutexes, and a live
// process can hold one for as long as it likes (stopped in a debugger, say). The supervisor
// must never wait on that, so a forked helper (the launcher is single-threaded) does it.
void Supervisor::CleanupInBackground(uint32_t id) {
  const pid_t launcher = getpid();
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != launcher) _exit(0);
    close(signals_.fd);
    sigprocmask(SIG_SETMASK, &signals_.original_mask, nullptr);
    CleanupProcess(region_, id);
    _exit(0);
  }
  if (pid > 0) {
    cleaners_.push_back(pid);
  } else {
    CleanupProcess(region_, id);  // no fork: do it here rather than not at all
  }
}

void Supervisor::DrainSignals() {
  signalfd_siginfo info;  // the fd is non-blocking: read what is pending
  while (read(signals_.fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo != SIGCHLD) Carry(policy_.OnSignal(static_cast<int>(info.ssi_signo)));
  }
}

void Supervisor::ReapAll() {
  // Collect the deaths first, then read pending signals, then judge the deaths: Ctrl-C
  // reaches the launcher and its children together, and a child dying of it must be
  // judged knowing that the launcher was interrupted too.
  std::vector<std::pair<SupervisedProcess*, int>> ended;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid == 0) break;
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD && AliveCount() > 0) {
        // Only if someone reaps our children behind our back (SIGCHLD ignored): never wait
        // forever for deaths that can no longer be reported.
        std::fprintf(stderr, "dotnet-workers: error: lost track of the processes (waitpid: ECHILD)\n");
        Carry(policy_.OnStartFailure(1));
        for (SupervisedProcess& p : processes_) p.alive = false;
      }
      break;
    }
    if (auto cleaner = std::find(cleaners_.begin(), cleaners_.end(), pid); cleaner != cleaners_.end()) {
      cleaners_.erase(cleaner);
      continue;
    }
    for (SupervisedProcess& p : processes_) {
      if (p.pid == pid && p.alive) {
        p.alive = false;
        ProcessEnded(region_.process(p.id), status);
        ended.emplace_back(&p, status);
        break;
      }
    }
  }
  if (ended.empty()) return;
  DrainSignals();
  for (auto& [process, status] : ended) {
    Carry(policy_.OnProcessEnded(process->id, Label(*process), status));
    // Give back what it held (locks, buffers, GetOrSet claims), so the survivors go on.
    // Not when everything is being killed: nobody is left to use it.
    if (!policy_.killing()) CleanupInBackground(process->id);
  }
}

void Supervisor::OnDeadline() {
  if (policy_.killing()) {
    // SIGKILL did not finish them within the grace period (stuck in the kernel). The
    // parent-death signal still kills them when the launcher exits.
    for (SupervisedProcess& p : processes_) {
      if (p.alive) std::fprintf(stderr, "dotnet-workers: %s did not die after SIGKILL\n", Label(p).c_str());
      p.alive = false;
    }
    return;
  }
  std::vector<std::string> survivors;
  bool primary_survives = false;
  for (const SupervisedProcess& p : processes_) {
    if (!p.alive) continue;
    survivors.push_back(Label(p));
    primary_survives |= p.id == 0;
  }
  Carry(policy_.OnShutdownTimeout(survivors, primary_survives, Duration(options_.shutdown_timeout_ms)));
}

int Supervisor::Run() {
  ReapAll();  // a child may have ended before the loop started
  while (AliveCount() > 0) {
    pollfd fds{signals_.fd, POLLIN, 0};
    int64_t timeout = MillisecondsToDeadline();
    int ready = poll(&fds, 1, timeout > INT32_MAX ? INT32_MAX : static_cast<int>(timeout));
    if (ready < 0 && errno != EINTR) {
      std::perror("dotnet-workers: poll");
      Carry(policy_.OnStartFailure(1));
    }
    DrainSignals();
    ReapAll();
    if (deadline_ns_ != 0 && AliveCount() > 0 && MillisecondsToDeadline() == 0) OnDeadline();
  }
  // Helpers still cleaning up have nothing left to clean for: stop and reap them.
  for (pid_t cleaner : cleaners_) kill(cleaner, SIGKILL);
  for (pid_t cleaner : cleaners_) waitpid(cleaner, nullptr, 0);
  return policy_.ExitCode();
}

}  // namespace dw::host
