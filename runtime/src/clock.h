// Clock readings stored in the region.
#pragma once

#include <cstdint>
#include <ctime>

namespace dw {

inline uint64_t ClockNs(clockid_t clock) noexcept {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

inline uint64_t MonotonicNs() noexcept { return ClockNs(CLOCK_MONOTONIC); }
inline uint64_t RealtimeNs() noexcept { return ClockNs(CLOCK_REALTIME); }

}  // namespace dw
