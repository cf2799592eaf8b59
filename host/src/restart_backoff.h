// When a revived worker starts again (--on-worker-exit=revive), and when it has died too
// often to go on: pm2's exp_backoff_restart_delay and its restart limit, for one worker.
// Pure: the supervisor passes the clock in; the native tests drive it directly.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace dw::host {

struct RestartLimits {
  uint32_t max_restarts = 10;      // --max-restarts: deaths allowed within the window
  uint64_t window_ms = 60'000;     // --restart-window
  uint64_t first_delay_ms = 100;   // the first revive waits this long
  uint64_t max_delay_ms = 15'000;  // the delay grows x1.5 per death up to this
  uint64_t healthy_ms = 30'000;    // a worker that lived this long starts over at the first delay
};

class RestartBackoff {
 public:
  explicit RestartBackoff(const RestartLimits& limits = {}) : limits_(limits) {}

  // The worker died at `died_ns` after it was started at `started_ns` (CLOCK_MONOTONIC).
  // Returns how long to wait before starting it again, or nullopt if this death is more
  // than max_restarts within the window: the cluster fails.
  std::optional<uint64_t> OnDeath(uint64_t started_ns, uint64_t died_ns);

  // Revives so far (what `ps` shows as restarts).
  uint32_t restarts() const { return restarts_; }

 private:
  RestartLimits limits_;
  std::deque<uint64_t> deaths_ns_;  // within the window
  uint64_t next_delay_ms_ = 0;      // 0: the first delay
  uint32_t restarts_ = 0;
};

}  // namespace dw::host
