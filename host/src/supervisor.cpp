#include "supervisor.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dotnet_workers/supervisor_requests.h"
#include "launcher_api.h"
#include "proc_stat.h"
#include "runtime_leftovers.h"

namespace dw::host {

namespace {

// After SIGKILL, how long to wait for the kernel to report the deaths before giving up.
constexpr uint64_t kKillGraceNs = 5'000'000'000ull;

// --max-memory looks at every worker's resident memory this often.
constexpr uint64_t kMemoryCheckNs = 1'000'000'000ull;

std::string Mebibytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

void Supervisor::Add(uint32_t id, const std::string& role, pid_t pid) {
  if (role == kDashboardRole) policy_.ReviveAlways(id);
  processes_.push_back({id, role, pid, true});
}

std::string Supervisor::Label(const SupervisedProcess& p) const {
  if (p.id == 0) return "the primary (pid " + std::to_string(p.pid) + ")";
  return "worker " + std::to_string(p.id) + " (pid " + std::to_string(p.pid) + ", role '" + p.role + "')";
}

size_t Supervisor::AliveCount() const {
  size_t n = 0;
  for (const SupervisedProcess& p : processes_) n += p.alive ? 1 : 0;
  return n;
}

bool Supervisor::RevivalsPending() const {
  if (policy_.shutting_down()) return false;
  for (const SupervisedProcess& p : processes_) {
    if (p.revive_at_ns != 0) return true;
  }
  return false;
}

// Until the nearest of the shutdown deadline, --timeout, a revival, a stop's SIGKILL, a
// memory check and a reload's ready timeout: -1 for none.
int64_t Supervisor::MillisecondsToNextEvent() const {
  uint64_t next = deadline_ns_;
  if (run_deadline_ns_ != 0 && !policy_.shutting_down())
    next = next == 0 ? run_deadline_ns_ : std::min(next, run_deadline_ns_);
  auto consider = [&next](uint64_t at) {
    if (at != 0) next = next == 0 ? at : std::min(next, at);
  };
  if (RevivalsPending()) {
    for (const SupervisedProcess& p : processes_) {
      // A revival waiting for its cleaner is woken by the cleaner's SIGCHLD instead.
      if (p.revive_at_ns != 0 && p.cleaner < 0) consider(p.revive_at_ns);
    }
  }
  for (const SupervisedProcess& p : processes_) {
    if (p.alive && p.kill_at_ns != 0) consider(p.kill_at_ns);
  }
  if (options_.max_memory_bytes != 0 && !policy_.shutting_down()) consider(next_memory_check_ns_);
  if (reload_ && !reload_->old_stopping) consider(std::max<uint64_t>(reload_->ready_by_ns, 1));
  if (next == 0) return -1;
  uint64_t now = MonotonicNs();
  return now >= next ? 0 : static_cast<int64_t>((next - now + 999'999) / 1'000'000);
}

void Supervisor::SignalAlive(int signal, bool bound_only) {
  for (SupervisedProcess& p : processes_) {
    if (!p.alive) continue;
    // Bound: the managed library has bound to the region (it set ready_ns).
    if (bound_only && region_.process(p.id)->ready_ns.load(std::memory_order_acquire) == 0) continue;
    kill(p.pid, signal);
  }
}

void Supervisor::Carry(const Decision& decision) {
  if (!decision.message.empty()) std::fprintf(stderr, "%s\n", decision.message.c_str());
  switch (decision.action) {
    case Action::kNone: break;
    case Action::kBeginShutdown:
      // Processes using the library see the region's flag (their ShutdownToken); SIGTERM
      // is for those that don't (the library turns it into the same token). When the
      // primary ended by itself, a process that is not bound (a plain app, or one still
      // booting its runtime) is left to run its Main to the end, within the shutdown
      // timeout: signalled now, it would die before printing what it was started for.
      RequestShutdown(region_, decision.reason);
      SignalAlive(SIGTERM, /*bound_only=*/decision.reason == layout::kReasonPrimaryExited);
      deadline_ns_ = MonotonicNs() + options_.shutdown_timeout_ms * 1'000'000ull;
      break;
    case Action::kKillAll:
      RequestShutdown(region_, decision.reason);
      SignalAlive(SIGKILL, /*bound_only=*/false);
      deadline_ns_ = MonotonicNs() + kKillGraceNs;
      break;
    case Action::kRevive: break;  // the supervisor schedules it (ReapAll)
  }
}

// Giving back what a dead process held takes the region's robust mutexes, and a live
// process can hold one for as long as it likes (stopped in a debugger, say). The supervisor
// must never wait on that, so a forked helper (the launcher is single-threaded) does it.
pid_t Supervisor::CleanupInBackground(uint32_t id) {
  const pid_t launcher = getpid();
  // The helper holds no socket: a socket the launcher closes must close now, not when it ends.
  const std::vector<int> sockets = context_.listeners != nullptr ? context_.listeners->AllFds() : std::vector<int>{};
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != launcher) _exit(0);
    for (int fd : sockets) close(fd);
    if (context_.readiness != nullptr) close(context_.readiness->fd());
    close(signals_.fd);
    sigprocmask(SIG_SETMASK, &signals_.original_mask, nullptr);
    CleanupProcess(region_, id);
    _exit(0);
  }
  if (pid > 0) {
    cleaners_.push_back(pid);
    return pid;
  }
  CleanupProcess(region_, id);  // no fork: do it here rather than not at all
  return -1;
}

void Supervisor::DrainSignals() {
  signalfd_siginfo info;  // the fd is non-blocking: read what is pending
  while (read(signals_.fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGCHLD) continue;
    if (static_cast<int>(info.ssi_signo) == layout::RequestSignal()) {
      OnRequest(info.ssi_int, static_cast<pid_t>(info.ssi_pid));
    } else {
      Carry(policy_.OnSignal(static_cast<int>(info.ssi_signo)));
    }
  }
}

// A process of the cluster or the CLI asked for a worker's restart or stop
// (supervisor_requests.h). Refusals are one line: the requester learns the outcome from the
// process table, which a refused request leaves as it is.
void Supervisor::OnRequest(int32_t value, pid_t from) {
  const uint32_t kind = layout::RequestKind(value);
  const uint32_t id = layout::RequestId(value);
  const std::string what = kind == layout::kRequestRestart ? "restart" : "stop";
  const std::string asker = " (asked by pid " + std::to_string(from) + ")";
  if (kind == layout::kRequestStart) {
    StartRequested(id, from);
    return;
  }
  if (kind == layout::kRequestReload) {
    QueueReload(id, from);
    return;
  }
  if (kind != layout::kRequestRestart && kind != layout::kRequestStop) return;
  if (policy_.shutting_down()) return;
  SupervisedProcess* process = Find(id);
  const bool replacing = reload_ && reload_->old_id == id;
  if (id == 0 || process == nullptr || !process->alive || process->stopping_for != 0 || replacing) {
    std::fprintf(stderr, "dotnet-workers: cannot %s process %u%s: %s\n", what.c_str(), id, asker.c_str(),
                 id == 0     ? "the primary is the cluster's lifetime"
                 : replacing ? "a reload is replacing it"
                             : "it is not a running worker");
    return;
  }
  std::fprintf(stderr, "dotnet-workers: %s %s%s\n", kind == layout::kRequestRestart ? "restarting" : "stopping",
               Label(*process).c_str(), asker.c_str());
  StopGracefully(*process, layout::kExitCauseRequested, /*for_good=*/kind == layout::kRequestStop);
}

SupervisedProcess* Supervisor::Find(uint32_t id) {
  for (SupervisedProcess& p : processes_) {
    if (p.id == id && !p.retired) return &p;
  }
  return nullptr;
}

// Reloads replace one worker at a time: the queue keeps the rest, in the order asked.
void Supervisor::QueueReload(uint32_t id, pid_t from) {
  SupervisedProcess* process = Find(id);
  if (policy_.shutting_down()) return;
  if (id == 0 || process == nullptr || !process->alive || process->stopping_for != 0) {
    std::fprintf(stderr, "dotnet-workers: cannot reload process %u (asked by pid %d): %s\n", id, from,
                 id == 0 ? "the primary is the cluster's lifetime" : "it is not a running worker");
    return;
  }
  if ((reload_ && reload_->old_id == id) ||
      std::find(reload_queue_.begin(), reload_queue_.end(), id) != reload_queue_.end()) {
    return;  // asked twice
  }
  reload_queue_.push_back(id);
  if (!reload_) StartNextReload();
}

// The next worker of the queue gets a successor: a new id of the same role, which takes
// its sockets (connections keep arriving on them: the old process accepts them until it
// stops, the new one from when it listens) and reports itself ready.
void Supervisor::StartNextReload() {
  while (!reload_ && !reload_queue_.empty() && !policy_.shutting_down()) {
    const uint32_t old_id = reload_queue_.front();
    reload_queue_.pop_front();
    SupervisedProcess* old = Find(old_id);
    if (old == nullptr || !old->alive || old->stopping_for != 0) continue;  // ended meanwhile
    const std::string role = old->role;
    const pid_t old_pid = old->pid;
    uint32_t new_id = 0;
    if (ClaimWorkerIds(region_.process(0), region_.header()->worker_count + 1, role, 1, &new_id) != DW_OK) {
      std::fprintf(stderr, "dotnet-workers: cannot reload worker %u: %s\n", old_id, LastError());
      reload_queue_.clear();
      return;
    }
    if (context_.listeners != nullptr) context_.listeners->Transfer(old_id, new_id);
    std::string error;
    const pid_t pid = StartProcess(context_, {new_id, role}, &error);
    if (pid < 0) {
      if (context_.listeners != nullptr) context_.listeners->Transfer(new_id, old_id);
      ReleaseWorkerId(region_.process(new_id));
      std::fprintf(stderr, "dotnet-workers: cannot reload worker %u: %s\n", old_id, error.c_str());
      reload_queue_.clear();
      return;
    }
    processes_.push_back({new_id, role, pid, true});
    std::fprintf(stderr, "dotnet-workers: reloading worker %u (pid %d): worker %u (pid %d) takes its place\n", old_id,
                 old_pid, new_id, pid);
    reload_ = Reload{old_id, new_id, MonotonicNs() + options_.ready_timeout_ms * 1'000'000ull, false};
  }
}

void Supervisor::OnReadiness() {
  if (context_.readiness == nullptr) return;
  for (pid_t pid : const_cast<ReadinessChannel*>(context_.readiness)->TakeReady()) {
    for (SupervisedProcess& p : processes_) {
      if (p.pid == pid && p.alive) p.ready = true;
    }
  }
}

// Once the new process is ready (or its time to get ready is up), the old one stops the
// way shutdown stops it: it stops accepting, finishes what it serves and exits, while the
// new one accepts from the same sockets. Its end (ReapAll) starts the next reload.
void Supervisor::AdvanceReload() {
  if (reload_ && policy_.shutting_down()) {
    // Shutdown stops old and new alike; the policy judges their ends as any other's.
    if (!reload_->old_stopping && context_.listeners != nullptr)
      context_.listeners->Transfer(reload_->new_id, reload_->old_id);
    reload_.reset();
    reload_queue_.clear();
  }
  if (!reload_ || reload_->old_stopping) return;
  SupervisedProcess* successor = Find(reload_->new_id);
  if (successor == nullptr || !successor->alive) return;  // ReapAll judges its death
  if (!successor->ready && MonotonicNs() < reload_->ready_by_ns) return;
  reload_->old_stopping = true;
  SupervisedProcess* old = Find(reload_->old_id);
  if (old == nullptr || !old->alive) {
    reload_.reset();  // it ended on its own meanwhile: nothing to stop
    StartNextReload();
    return;
  }
  if (!successor->ready) {
    std::fprintf(
        stderr, "dotnet-workers: worker %u did not report ready within --ready-timeout=%s; stopping worker %u anyway\n",
        reload_->new_id, FormatDuration(options_.ready_timeout_ms).c_str(), reload_->old_id);
  }
  old->free_when_clean = true;
  StopGracefully(*old, layout::kExitCauseRequested, /*for_good=*/true);
}

// The new process ended before the old one was asked to stop: the old one keeps its
// sockets and keeps serving; the rest of the queue is dropped.
void Supervisor::AbortReload(const std::string& why) {
  std::fprintf(stderr, "dotnet-workers: reload stopped: worker %u %s; worker %u keeps serving\n", reload_->new_id,
               why.c_str(), reload_->old_id);
  if (context_.listeners != nullptr) context_.listeners->Transfer(reload_->new_id, reload_->old_id);
  if (SupervisedProcess* successor = Find(reload_->new_id)) successor->free_when_clean = true;
  reload_.reset();
  reload_queue_.clear();
}

// A process claimed entry `id` for a new worker (its role written) and asked for it.
void Supervisor::StartRequested(uint32_t id, pid_t from) {
  if (id == 0 || id >= layout::kProcessCapacity) return;
  layout::ProcessEntry* entry = region_.process(id);
  if (entry->state.load(std::memory_order_acquire) != layout::kProcessRequested) return;
  if (policy_.shutting_down()) {
    ReleaseWorkerId(entry);  // the requester sees it free again: no worker will come
    return;
  }
  const std::string role(entry->role, strnlen(entry->role, sizeof entry->role));
  std::string error;
  const pid_t pid = StartProcess(context_, {id, role}, &error);
  if (pid < 0) {
    std::fprintf(stderr, "dotnet-workers: cannot start worker %u (asked by pid %d): %s\n", id, from, error.c_str());
    ProcessEnded(entry, 1 << 8);  // exited with 1: the requester is told
    return;
  }
  processes_.push_back({id, role, pid, true});
}

// The way the cluster's own shutdown stops a process, for one: its entry becomes stopping
// and its doorbell rings (the library's ShutdownToken), SIGTERM for a process that does not
// use the library, SIGKILL at the shutdown timeout.
void Supervisor::StopGracefully(SupervisedProcess& p, uint32_t cause, bool for_good) {
  p.stopping_for = cause;
  p.stop_for_good = for_good;
  p.kill_at_ns = MonotonicNs() + options_.shutdown_timeout_ms * 1'000'000ull;
  ProcessStopping(region_.process(p.id));
  RingDoorbell(region_, p.id, /*force=*/true);
  kill(p.pid, SIGTERM);
}

void Supervisor::CheckMemory() {
  const uint64_t now = MonotonicNs();
  if (options_.max_memory_bytes == 0 || now < next_memory_check_ns_ || policy_.shutting_down()) return;
  next_memory_check_ns_ = now + kMemoryCheckNs;
  for (SupervisedProcess& p : processes_) {
    if (!p.alive || p.id == 0 || p.stopping_for != 0 || (reload_ && reload_->old_id == p.id)) continue;
    std::optional<uint64_t> resident = ResidentBytes(p.pid);
    if (!resident || *resident <= options_.max_memory_bytes) continue;
    std::fprintf(stderr, "dotnet-workers: %s uses %s, more than --max-memory=%s; restarting it\n", Label(p).c_str(),
                 Mebibytes(*resident).c_str(), Mebibytes(options_.max_memory_bytes).c_str());
    StopGracefully(p, layout::kExitCauseMemory, /*for_good=*/false);
  }
}

void Supervisor::KillOverdueStops() {
  const uint64_t now = MonotonicNs();
  for (SupervisedProcess& p : processes_) {
    if (p.alive && p.kill_at_ns != 0 && now >= p.kill_at_ns) {
      std::fprintf(stderr, "dotnet-workers: %s did not stop within %s; killed\n", Label(p).c_str(),
                   FormatDuration(options_.shutdown_timeout_ms).c_str());
      kill(p.pid, SIGKILL);
      p.kill_at_ns = 0;
    }
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
      for (SupervisedProcess& p : processes_) {
        if (p.cleaner != pid) continue;
        p.cleaner = -1;
        if (p.free_when_clean) Retire(p);
      }
      continue;
    }
    for (SupervisedProcess& p : processes_) {
      if (p.pid == pid && p.alive) {
        p.alive = false;
        ProcessEnded(region_.process(p.id), status);
        // A runtime killed by a signal leaves its diagnostic socket and debugger pipes.
        if (WIFSIGNALED(status)) RemoveRuntimeLeftovers(RuntimeTempDirectory(), pid);
        ended.emplace_back(&p, status);
        break;
      }
    }
  }
  if (ended.empty()) return;
  DrainSignals();
  const uint64_t now = MonotonicNs();
  for (auto& [process, status] : ended) {
    const uint64_t started = region_.process(process->id)->started_ns.load(std::memory_order_relaxed);
    const uint32_t stopped_for = process->stopping_for;
    const bool for_good = process->stop_for_good;
    process->stopping_for = 0;
    process->stop_for_good = false;
    process->kill_at_ns = 0;
    // A stop the launcher began itself is no failure: a stop request ends there, a restart
    // starts the process again at once.
    // A reload's new process that ends before it replaced the old one fails the reload, not
    // the cluster: the old one serves on.
    // During a shutdown the policy judges every death (the reload was dropped).
    const bool failed_successor =
        reload_ && reload_->new_id == process->id && !reload_->old_stopping && !policy_.shutting_down();
    if (failed_successor) AbortReload(DescribeEnd(status) + " before it was ready");
    Decision decision = failed_successor   ? Decision{}
                        : stopped_for == 0 ? policy_.OnProcessEnded(process->id, Label(*process), status, started, now)
                        : for_good         ? Decision{}
                                           : policy_.OnStoppedForRestart(process->id, Label(*process), status);
    if (reload_ && reload_->old_id == process->id && !policy_.shutting_down()) {
      // Replaced (or, ended on its own before its stop: its successor, which has its
      // sockets, takes its place instead of a revived process): the next one's turn.
      if (decision.action == Action::kRevive) decision = Decision{};
      process->free_when_clean = true;
      reload_.reset();
      StartNextReload();
    }
    Carry(decision);
    // Its sockets wait for its successor; without one, connections must not queue on them.
    if (decision.action != Action::kRevive && context_.listeners != nullptr) context_.listeners->Release(process->id);
    // Give back what it held (locks, buffers, GetOrSet claims), so the survivors go on.
    // Not when everything is being killed: nobody is left to use it.
    if (policy_.killing()) continue;
    const pid_t cleaner = CleanupInBackground(process->id);
    if (process->free_when_clean) {
      if (cleaner < 0) {
        Retire(*process);
      } else {
        process->cleaner = cleaner;  // its id is given back once nothing of it is left
      }
    }
    if (decision.action == Action::kRevive) {
      // Started again once the delay has passed and the cleaner is done: the new process
      // must not find its predecessor's locks and references still held under its id.
      ProcessReviving(region_.process(process->id), stopped_for != 0 ? stopped_for : layout::kExitCauseFailed);
      process->revive_at_ns = now + decision.revive_after_ms * 1'000'000ull;
      process->cleaner = cleaner;
    }
  }
}

// A replaced process's id goes back to the table's free ids (it does not stay listed as
// exited: its successor has another id).
void Supervisor::Retire(SupervisedProcess& p) {
  p.retired = true;
  ReleaseWorkerId(region_.process(p.id));
}

void Supervisor::StartRevivals() {
  if (policy_.shutting_down()) {
    for (SupervisedProcess& p : processes_) {
      if (p.revive_at_ns == 0) continue;
      p.revive_at_ns = 0;
      // Not started again after all: the entry says how it ended, not "reviving".
      layout::ProcessEntry* entry = region_.process(p.id);
      const int32_t status = entry->exit_status.load(std::memory_order_relaxed);
      entry->state.store(status < 0 ? layout::kProcessKilled : layout::kProcessExited, std::memory_order_release);
    }
    return;
  }
  const uint64_t now = MonotonicNs();
  for (SupervisedProcess& p : processes_) {
    if (p.revive_at_ns == 0 || p.cleaner >= 0 || now < p.revive_at_ns) continue;
    p.revive_at_ns = 0;
    std::string error;
    const pid_t pid = StartProcess(context_, {p.id, p.role}, &error);
    if (pid < 0) {
      std::fprintf(stderr, "dotnet-workers: error: %s; stopping the cluster\n", error.c_str());
      Carry(policy_.OnStartFailure(1));
      return;
    }
    p.pid = pid;
    p.alive = true;
  }
}

void Supervisor::OnRunTimeout() {
  std::vector<std::string> running;
  for (const SupervisedProcess& p : processes_) {
    if (!p.alive) continue;
    running.push_back(Label(p) + " " + ProcessStateName(region_.process(p.id)->state.load(std::memory_order_acquire)));
  }
  Carry(policy_.OnRunTimeout(running, FormatDuration(options_.timeout_ms)));
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
  Carry(policy_.OnShutdownTimeout(survivors, primary_survives, FormatDuration(options_.shutdown_timeout_ms)));
}

int Supervisor::Run() {
  if (options_.timeout_ms != 0) run_deadline_ns_ = MonotonicNs() + options_.timeout_ms * 1'000'000ull;
  if (options_.max_memory_bytes != 0) next_memory_check_ns_ = MonotonicNs() + kMemoryCheckNs;
  ReapAll();  // a child may have ended before the loop started
  std::vector<pollfd> fds;
  while (AliveCount() > 0 || RevivalsPending()) {
    fds.assign(1, pollfd{signals_.fd, POLLIN, 0});
    if (context_.readiness != nullptr) fds.push_back(pollfd{context_.readiness->fd(), POLLIN, 0});
    const size_t first_output = fds.size();
    if (context_.output != nullptr) context_.output->AddTo(&fds);
    int64_t timeout = MillisecondsToNextEvent();
    int ready = poll(fds.data(), fds.size(), timeout > INT32_MAX ? INT32_MAX : static_cast<int>(timeout));
    if (ready < 0 && errno != EINTR) {
      std::perror("dotnet-workers: poll");
      Carry(policy_.OnStartFailure(1));
    }
    for (size_t i = first_output; ready > 0 && i < fds.size(); ++i) {
      if (fds[i].revents != 0) context_.output->OnReady(fds[i].fd, fds[i].revents);
    }
    DrainSignals();
    OnReadiness();
    ReapAll();
    AdvanceReload();
    const uint64_t now = MonotonicNs();
    if (run_deadline_ns_ != 0 && now >= run_deadline_ns_ && !policy_.shutting_down()) OnRunTimeout();
    if (deadline_ns_ != 0 && AliveCount() > 0 && now >= deadline_ns_) OnDeadline();
    KillOverdueStops();
    CheckMemory();
    StartRevivals();
  }
  // What the processes wrote last (a process's own child may keep a pipe open: bounded).
  if (context_.output != nullptr) context_.output->Drain(/*timeout_ms=*/1000);
  // Helpers still cleaning up have nothing left to clean for: stop and reap them.
  for (pid_t cleaner : cleaners_) kill(cleaner, SIGKILL);
  for (pid_t cleaner : cleaners_) waitpid(cleaner, nullptr, 0);
  return policy_.ExitCode();
}

}  // namespace dw::host
