#include "process_table.h"

#include <algorithm>
#include <cstring>

#include <sys/wait.h>

#include "clock.h"
#include "futex.h"
#include "last_error.h"

namespace dw {
namespace L = layout;

bool IsValidRoleName(std::string_view role) noexcept {
  if (role.empty() || role.size() >= L::kRoleCapacity) return false;
  return std::all_of(role.begin(), role.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

void ProcessStarting(L::ProcessEntry* entry, std::string_view role) noexcept {
  const size_t n = std::min(role.size(), static_cast<size_t>(L::kRoleCapacity - 1));
  std::memset(entry->role, 0, sizeof entry->role);
  std::memcpy(entry->role, role.data(), n);
  entry->pid.store(0, std::memory_order_relaxed);
  entry->exit_status.store(0, std::memory_order_relaxed);
  entry->ready_ns.store(0, std::memory_order_relaxed);
  entry->started_ns.store(MonotonicNs(), std::memory_order_relaxed);
  // Release: a reader that sees `starting` also sees the role and times above.
  entry->state.store(L::kProcessStarting, std::memory_order_release);
}

void ProcessForked(L::ProcessEntry* entry, uint32_t pid) noexcept { entry->pid.store(pid, std::memory_order_release); }

bool ProcessReady(L::ProcessEntry* entry, uint32_t pid) noexcept {
  const uint32_t state = entry->state.load(std::memory_order_acquire);
  // A process the launcher asked to stop before it bound (a shutdown during boot) is still
  // the one it started: it binds, and sees at once that it is stopping.
  if (state != L::kProcessStarting && state != L::kProcessRunning && state != L::kProcessStopping) return false;
  entry->pid.store(pid, std::memory_order_relaxed);
  entry->ready_ns.store(MonotonicNs(), std::memory_order_relaxed);
  // Only a starting process becomes running: if the launcher already asked it to stop,
  // `stopping` must not be overwritten.
  uint32_t expected = L::kProcessStarting;
  entry->state.compare_exchange_strong(expected, L::kProcessRunning, std::memory_order_release,
                                       std::memory_order_relaxed);
  return true;
}

bool ProcessStopping(L::ProcessEntry* entry) noexcept {
  uint32_t current = entry->state.load(std::memory_order_acquire);
  while (current == L::kProcessStarting || current == L::kProcessRunning) {
    if (entry->state.compare_exchange_weak(current, L::kProcessStopping, std::memory_order_release,
                                           std::memory_order_acquire)) {
      FutexWake(&entry->state, kWakeAll);
      return true;
    }
  }
  return false;
}

uint32_t WaitWhileRunning(const L::RegionHeader* header, L::ProcessEntry* entry, int64_t timeout_ns,
                          bool* ok) noexcept {
  *ok = true;
  // The entry's own word is the one slept on: every way out (a cluster shutdown marks
  // every entry stopping; a local stop marks this one) changes it, so no wake is lost
  // between the checks below and the sleep.
  uint32_t state = entry->state.load(std::memory_order_acquire);
  if (state != L::kProcessRunning || header->shutdown_state.load(std::memory_order_acquire) != L::kRunning) {
    return state;
  }
  if (FutexWait(&entry->state, L::kProcessRunning, timeout_ns) == WaitResult::kFailed) *ok = false;
  return entry->state.load(std::memory_order_acquire);
}

void ProcessEnded(L::ProcessEntry* entry, int wait_status) noexcept {
  if (WIFSIGNALED(wait_status)) {
    entry->exit_status.store(-WTERMSIG(wait_status), std::memory_order_relaxed);
    entry->state.store(L::kProcessKilled, std::memory_order_release);
  } else {
    entry->exit_status.store(WEXITSTATUS(wait_status), std::memory_order_relaxed);
    entry->state.store(L::kProcessExited, std::memory_order_release);
  }
}

void ProcessReviving(L::ProcessEntry* entry, uint32_t cause) noexcept {
  entry->last_exit_status.store(entry->exit_status.load(std::memory_order_relaxed), std::memory_order_relaxed);
  entry->last_exit_cause.store(cause, std::memory_order_relaxed);
  entry->restarts.fetch_add(1, std::memory_order_relaxed);
  entry->state.store(L::kProcessReviving, std::memory_order_release);
}

dw_status ClaimWorkerIds(L::ProcessEntry* table, uint32_t first_id, std::string_view role, uint32_t count,
                         uint32_t* ids) noexcept {
  uint32_t claimed = 0;
  for (uint32_t id = std::max(first_id, 1u); id < L::kProcessCapacity && claimed < count; ++id) {
    L::ProcessEntry* entry = &table[id];
    uint32_t expected = L::kProcessFree;
    // The claim first (another requester may race for the same id), then the role: the
    // launcher reads it only after the request's signal, which this process sends later.
    if (!entry->state.compare_exchange_strong(expected, L::kProcessRequested, std::memory_order_acq_rel)) continue;
    const size_t n = std::min(role.size(), static_cast<size_t>(L::kRoleCapacity - 1));
    std::memset(entry->role, 0, sizeof entry->role);
    std::memcpy(entry->role, role.data(), n);
    ids[claimed++] = id;
  }
  if (claimed == count) return DW_OK;
  for (uint32_t i = 0; i < claimed; ++i) ReleaseWorkerId(&table[ids[i]]);
  return Fail(DW_E_CAPACITY, "the process table holds %u workers and only %u ids are free: cannot start %u more",
              L::kProcessCapacity - 1, claimed, count);
}

void ReleaseWorkerId(L::ProcessEntry* entry) noexcept {
  std::memset(entry->role, 0, sizeof entry->role);
  entry->state.store(L::kProcessFree, std::memory_order_release);
}

const char* ProcessStateName(uint32_t state) noexcept {
  switch (state) {
    case L::kProcessFree: return "free";
    case L::kProcessStarting: return "starting";
    case L::kProcessRunning: return "running";
    case L::kProcessStopping: return "stopping";
    case L::kProcessExited: return "exited";
    case L::kProcessKilled: return "killed";
    case L::kProcessReviving: return "reviving";
    case L::kProcessRequested: return "requested";
    default: return "unknown";
  }
}

}  // namespace dw
