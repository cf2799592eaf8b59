#include "holdings.h"

#include <mutex>

#include "last_error.h"

namespace dw {
namespace L = layout;

namespace {

// Process-local: serializes this process's threads on its own slots.
std::mutex g_holdings_mutex;

}  // namespace

L::Holding* HoldingsOf(const Region& r, uint32_t id) noexcept {
  return r.At<L::Holding>(r.header()->holdings_offset + uint64_t{id} * L::kHoldingsPerProcess * sizeof(L::Holding));
}

dw_status AddHolding(Region& r, uint32_t kind, uint64_t ref, uint32_t count) noexcept {
  if (r.self() == Region::kNoProcess) return Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
  std::lock_guard<std::mutex> guard(g_holdings_mutex);
  L::Holding* slots = HoldingsOf(r, r.self());
  L::Holding* free_slot = nullptr;
  for (uint32_t i = 0; i < L::kHoldingsPerProcess; ++i) {
    L::Holding& h = slots[i];
    const uint32_t k = h.kind.load(std::memory_order_relaxed);
    if (k == kind && h.ref.load(std::memory_order_relaxed) == ref) {
      h.count.fetch_add(count, std::memory_order_release);
      return DW_OK;
    }
    if (k == L::kHoldNone && free_slot == nullptr) free_slot = &h;
  }
  if (free_slot == nullptr) {
    return Fail(DW_E_CAPACITY, "this process already holds %u shared objects (buffers and pending GetOrSets)",
                L::kHoldingsPerProcess);
  }
  free_slot->ref.store(ref, std::memory_order_relaxed);
  free_slot->count.store(count, std::memory_order_relaxed);
  free_slot->kind.store(kind, std::memory_order_release);  // last: the slot is valid from here
  return DW_OK;
}

dw_status RemoveHolding(Region& r, uint32_t kind, uint64_t ref, uint32_t count) noexcept {
  if (r.self() == Region::kNoProcess) return Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
  std::lock_guard<std::mutex> guard(g_holdings_mutex);
  L::Holding* slots = HoldingsOf(r, r.self());
  for (uint32_t i = 0; i < L::kHoldingsPerProcess; ++i) {
    L::Holding& h = slots[i];
    if (h.kind.load(std::memory_order_relaxed) != kind || h.ref.load(std::memory_order_relaxed) != ref) continue;
    const uint32_t held = h.count.load(std::memory_order_relaxed);
    if (held < count) break;
    if (held == count) {
      h.kind.store(L::kHoldNone, std::memory_order_release);  // first: the slot is invalid from here
      h.count.store(0, std::memory_order_relaxed);
    } else {
      h.count.store(held - count, std::memory_order_release);
    }
    return DW_OK;
  }
  return Fail(DW_E_NOT_OWNER, "this process does not hold that object");
}

uint32_t HeldCount(const Region& r, uint32_t id, uint32_t kind, uint64_t ref) noexcept {
  const L::Holding* slots = HoldingsOf(r, id);
  uint32_t total = 0;
  for (uint32_t i = 0; i < L::kHoldingsPerProcess; ++i) {
    if (slots[i].kind.load(std::memory_order_acquire) == kind && slots[i].ref.load(std::memory_order_relaxed) == ref) {
      total += slots[i].count.load(std::memory_order_relaxed);
    }
  }
  return total;
}

}  // namespace dw
