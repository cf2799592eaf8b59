#include "restart_backoff.h"

#include <algorithm>

namespace dw::host {

std::optional<uint64_t> RestartBackoff::OnDeath(uint64_t started_ns, uint64_t died_ns) {
  const uint64_t window_ns = limits_.window_ms * 1'000'000;
  while (!deaths_ns_.empty() && died_ns - deaths_ns_.front() > window_ns) deaths_ns_.pop_front();
  deaths_ns_.push_back(died_ns);
  if (deaths_ns_.size() > limits_.max_restarts) return std::nullopt;

  // A worker that ran healthy for a while crashed for a new reason: restart it promptly.
  if (died_ns - started_ns >= limits_.healthy_ms * 1'000'000) next_delay_ms_ = 0;
  const uint64_t delay = next_delay_ms_ == 0 ? limits_.first_delay_ms : next_delay_ms_;  // 0 x 1.5 stays 0
  next_delay_ms_ = std::min(limits_.max_delay_ms, delay + delay / 2);
  ++restarts_;
  return delay;
}

}  // namespace dw::host
