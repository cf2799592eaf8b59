// Crash tests: run code in a forked child that SIGKILLs itself at a named point inside a
// critical section (robust_mutex.h CrashPoint), then let the test check what survivors see.
#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <functional>

#include <sys/wait.h>
#include <unistd.h>

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
