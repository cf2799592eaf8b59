// A process-shared robust pthread mutex living in the region, in its slot (mutex_layout.h).
//
// When a holder dies (even by SIGKILL), the kernel walks the dead thread's robust list,
// marks the mutex "owner died" and wakes a waiter. The next locker gets kOwnerDied: it
// holds the mutex, must repair what the dead holder may have left half done, then call
// MarkConsistent before Unlock (iceoryx's "acquired, but inconsistent since owner died").
// Lock and Unlock must run on the same thread: critical sections are short native code.
#pragma once

#include "dotnet_workers/mutex_layout.h"

namespace dw {

enum class LockResult {
  kAcquired,      // held; the protected state is consistent
  kOwnerDied,     // held; the previous holder died inside: repair, then MarkConsistent
  kBusy,          // TryLock only: someone alive holds it
  kUnrecoverable  // a holder died and nobody repaired it: the state is lost
};

// Initializes a mutex in shared memory (the region's creator, before any other process).
bool InitRobustMutex(layout::MutexSlot* mutex) noexcept;

LockResult LockRobust(layout::MutexSlot* mutex) noexcept;
LockResult TryLockRobust(layout::MutexSlot* mutex) noexcept;
void MarkConsistent(layout::MutexSlot* mutex) noexcept;
void UnlockRobust(layout::MutexSlot* mutex) noexcept;

// Test hook: when set, called at named points inside critical sections, so that crash
// tests can SIGKILL a process exactly there. Null (one predictable branch) otherwise.
using CrashHook = void (*)(const char* point);
extern CrashHook g_crash_hook;

inline void CrashPoint(const char* point) noexcept {
  if (__builtin_expect(g_crash_hook != nullptr, 0)) g_crash_hook(point);
}

}  // namespace dw
