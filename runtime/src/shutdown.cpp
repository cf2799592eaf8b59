#include "shutdown.h"

#include "doorbell.h"
#include "process_table.h"

namespace dw {
namespace L = layout;

void RequestShutdown(Region& region, uint32_t reason) noexcept {
  L::RegionHeader* h = region.header();
  uint32_t none = L::kReasonNone;
  h->shutdown_reason.compare_exchange_strong(none, reason, std::memory_order_relaxed);
  // Release pairs with the waiters' acquire load: they see the reason with the state.
  h->shutdown_state.store(L::kShutdownRequested, std::memory_order_release);
  FutexWake(&h->shutdown_state, kWakeAll);
  for (uint32_t id = 0; id < L::kProcessCapacity; ++id) ProcessStopping(region.process(id));
  RingAllDoorbells(region);  // dispatchers sleep on their doorbells
}

uint32_t WaitForShutdown(Region& region, int64_t timeout_ns, bool* ok) noexcept {
  *ok = true;
  L::RegionHeader* h = region.header();
  uint32_t state = h->shutdown_state.load(std::memory_order_acquire);
  if (state != L::kRunning) return state;
  if (FutexWait(&h->shutdown_state, L::kRunning, timeout_ns) == WaitResult::kFailed) *ok = false;
  return h->shutdown_state.load(std::memory_order_acquire);
}

}  // namespace dw
