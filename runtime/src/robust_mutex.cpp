#include "robust_mutex.h"

#include <cerrno>

namespace dw {

CrashHook g_crash_hook = nullptr;

bool InitRobustMutex(pthread_mutex_t* mutex) noexcept {
  pthread_mutexattr_t attributes;
  if (pthread_mutexattr_init(&attributes) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(mutex, &attributes) == 0;
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

LockResult LockRobust(pthread_mutex_t* mutex) noexcept { return Classify(pthread_mutex_lock(mutex)); }

LockResult TryLockRobust(pthread_mutex_t* mutex) noexcept { return Classify(pthread_mutex_trylock(mutex)); }

void MarkConsistent(pthread_mutex_t* mutex) noexcept { pthread_mutex_consistent(mutex); }

void UnlockRobust(pthread_mutex_t* mutex) noexcept { pthread_mutex_unlock(mutex); }

}  // namespace dw
