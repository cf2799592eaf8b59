// Process-shared futex waits on 32-bit words in the region.
//
// The words live in a MAP_SHARED mapping, so the non-private futex operations are used:
// the kernel keys them by (inode, offset) and a wake in one process reaches waiters in all.
#pragma once

#include <atomic>
#include <cstdint>

namespace dw {

// kFailed: the kernel refused the wait (EFAULT, ENOSYS, ...); errno says why. Callers must
// not retry it in a loop: it would spin.
enum class WaitResult { kWoken, kValueChanged, kTimedOut, kInterrupted, kFailed };

// Sleeps while *word == expected, at most timeout_ns (negative: no bound). May return
// kWoken spuriously; callers re-check their condition.
WaitResult FutexWait(std::atomic<uint32_t>* word, uint32_t expected, int64_t timeout_ns) noexcept;

// Wakes up to `count` waiters on `word` in any process. Returns how many were woken.
int FutexWake(std::atomic<uint32_t>* word, int count) noexcept;

inline constexpr int kWakeAll = 0x7fffffff;

}  // namespace dw
