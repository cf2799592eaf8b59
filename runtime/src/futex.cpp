#include "futex.h"

#include <cerrno>
#include <ctime>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dw {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t), "futex words are std::atomic<uint32_t> used in place");

WaitResult FutexWait(std::atomic<uint32_t>* word, uint32_t expected, int64_t timeout_ns) noexcept {
  timespec relative{};
  timespec* timeout = nullptr;
  if (timeout_ns >= 0) {
    relative.tv_sec = static_cast<time_t>(timeout_ns / 1000000000);
    relative.tv_nsec = static_cast<long>(timeout_ns % 1000000000);
    timeout = &relative;
  }
  long rc = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, timeout, nullptr, 0);
  if (rc == 0) return WaitResult::kWoken;
  switch (errno) {
    case EAGAIN: return WaitResult::kValueChanged;
    case ETIMEDOUT: return WaitResult::kTimedOut;
    case EINTR: return WaitResult::kInterrupted;  // let the caller re-check
    default: return WaitResult::kFailed;
  }
}

int FutexWake(std::atomic<uint32_t>* word, int count) noexcept {
  long rc = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, count, nullptr, nullptr, 0);
  return rc < 0 ? 0 : static_cast<int>(rc);
}

}  // namespace dw
