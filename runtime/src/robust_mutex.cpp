#include "robust_mutex.h"

#include <cerrno>

namespace dw {

CrashHook g_crash_hook = nullptr;

bool InitRobustMutex(layout::MutexSlot* mutex) noexcept {
  pthread_mutexattr_t attributes;
  if (pthread_mutexattr_init(&attributes) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(&mutex->mutex, &attributes) == 0;
  pthread_mutexattr_destroy(&attributes);
  return ok;
}

namespace {

LockResult Classify(int rc) {
  switch (rc) {
    case 0: return LockResult::kAcquired;
    case EOWNERDEAD: return LockResult::kOwnerDied;
    case EBUSY: return LockResult::kBusy;
    default: return LockResult::kUnrecoverable;  // ENOTRECOVERABLE, or a corrupted mutex
  }
}

}  // namespace

LockResult LockRobust(layout::MutexSlot* mutex) noexcept { return Classify(pthread_mutex_lock(&mutex->mutex)); }

LockResult TryLockRobust(layout::MutexSlot* mutex) noexcept { return Classify(pthread_mutex_trylock(&mutex->mutex)); }

void MarkConsistent(layout::MutexSlot* mutex) noexcept { pthread_mutex_consistent(&mutex->mutex); }

void UnlockRobust(layout::MutexSlot* mutex) noexcept { pthread_mutex_unlock(&mutex->mutex); }

}  // namespace dw
