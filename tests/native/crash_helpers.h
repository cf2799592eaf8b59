// Crash tests: run code in a forked child that SIGKILLs itself at a named point inside a
// critical section (robust_mutex.h CrashPoint), then let the test check what survivors see.
// Or that stops itself there (SIGSTOP), so the test can check what others see while a
// process sits inside the critical section, then kill it.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>

#include <sys/wait.h>
#include <unistd.h>

#include "kernel_support.h"
#include "region.h"
#include "robust_mutex.h"

namespace dw::testing {

inline const char* g_kill_point = nullptr;
inline int g_kill_hits_left = 1;

inline void KillHere(const char* point) {
  if (g_kill_point != nullptr && std::strcmp(point, g_kill_point) == 0 && --g_kill_hits_left == 0) raise(SIGKILL);
}

// Forks; the child becomes cluster process `child_id`, runs `body` and is killed the `hit`-th
// time it reaches `point`. Returns true if the child died there (false: it never did).
inline bool RunAndKillAt(Region& region, uint32_t child_id, const char* point, const std::function<void()>& body,
                         int hit = 1) {
  pid_t child = fork();
  if (child < 0) return false;
  if (child == 0) {
    region.set_self(child_id);
    g_kill_point = point;
    g_kill_hits_left = hit;
    g_crash_hook = KillHere;
    body();
    _exit(0);  // the point was never reached
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return false;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

inline const char* g_stop_point = nullptr;
inline int g_stop_hits_left = 1;

inline void StopHere(const char* point) {
  if (g_stop_point != nullptr && std::strcmp(point, g_stop_point) == 0 && --g_stop_hits_left == 0) raise(SIGSTOP);
}

// Forks; the child becomes cluster process `child_id`, runs `body` and stops itself (SIGSTOP)
// the `hit`-th time it reaches `point`, holding whatever it holds there. Returns the child's
// pid once waitpid(WUNTRACED) reports it stopped; -1 (the child reaped) if it exited or died
// without reaching the point. Hand the pid to a ChildGuard straight away.
inline pid_t RunAndStopAt(Region& region, uint32_t child_id, const char* point, const std::function<void()>& body,
                          int hit = 1) {
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    region.set_self(child_id);
    g_stop_point = point;
    g_stop_hits_left = hit;
    g_crash_hook = StopHere;
    body();
    _exit(0);  // the point was never reached
  }
  int status = 0;
  pid_t got = 0;
  do {
    got = waitpid(child, &status, WUNTRACED);
  } while (got < 0 && errno == EINTR);
  if (got == child && WIFSTOPPED(status)) return child;
  if (got != child) {  // should not happen: do not leave it behind
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
  }
  return -1;
}

// Owns a (stopped) child: SIGKILLs and reaps it at the latest when it goes out of scope, so a
// failed assertion never leaves a process stopped inside a critical section.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() { Kill(); }

  bool alive() const { return pid_ > 0; }

  // SIGKILL (a stopped process dies of it too), then reap. True if it died of that signal;
  // false if there was no child (or it had died otherwise).
  bool Kill() {
    if (pid_ <= 0) return false;
    kill(pid_, SIGKILL);
    int status = 0;
    pid_t got = 0;
    do {
      got = waitpid(pid_, &status, 0);
    } while (got < 0 && errno == EINTR);
    pid_ = -1;
    return got > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

 private:
  pid_t pid_;
};

// Forks; the child becomes process `child_id`, runs `body`, and its exit code is returned.
inline int RunInChild(Region& region, uint32_t child_id, const std::function<int()>& body) {
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    region.set_self(child_id);
    _exit(body());
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace dw::testing
