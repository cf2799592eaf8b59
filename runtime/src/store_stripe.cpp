#include "store_stripe.h"

#include "store_entry.h"

namespace dw::store_detail {

void RepairStripe(Region& r, uint32_t stripe) {
  L::Stripe* s = StripeAt(r, stripe);
  const uint32_t buckets = r.header()->bucket_count;
  for (uint32_t bucket = stripe; bucket < buckets; bucket += L::kStripeCount) {
    if (!BucketUsed(r, bucket)) continue;
    std::atomic<uint64_t>* link = &Buckets(r)[bucket];
    for (uint64_t steps = 0;; ++steps) {
      const uint64_t off = link->load(std::memory_order_acquire);
      if (off == 0) break;
      if (steps > kMaxReadSteps || !ValidEntry(r, off)) {
        link->store(0, std::memory_order_release);
        break;
      }
      L::StoreEntry* e = EntryAt(r, off);
      if (e->active.load(std::memory_order_relaxed) >= e->slot_count) e->active.store(0, std::memory_order_relaxed);
      if (e->kind.load(std::memory_order_relaxed) == L::kEntryValue) {
        // Release, as in WriteInPlace: a reader that sees this version sees the value it is for.
        e->version.store(s->versions.fetch_add(1, std::memory_order_relaxed) + 1, std::memory_order_release);
      }
      link = &e->next;
    }
  }
}

}  // namespace dw::store_detail
