// GetOrSet across the cluster: a claim (computed here, or pending elsewhere, or a value),
// its resolution, the launcher's abandoning of a dead process's claim, and the claims watch.
#include <algorithm>

#include "holdings.h"
#include "process_set.h"
#include "store.h"
#include "store_entry.h"

namespace dw {
namespace L = layout;
using namespace store_detail;

dw_status StoreClaim(Region& r, const StoreKey& key, uint64_t waited_round, uint8_t* buffer, uint32_t capacity,
                     uint32_t* length, ClaimState* state, uint64_t* round, uint64_t* ref, uint64_t type,
                     uint64_t* found_type) noexcept {
  if (r.self() == Region::kNoProcess) return Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
  KeyWriter k(r, key);
  if (dw_status s = k.Open(key); s != DW_OK) return s;
  Found& f = k.found();
  StripeWriter& writer = k.writer();

  // A failed entry carries the low 32 bits of the round that failed: the waiters of that
  // round are told; anyone else computes again.
  const uint32_t kind = f.e ? f.e->kind.load(std::memory_order_relaxed) : 0;
  const bool my_failure = kind == L::kEntryFailed && waited_round != 0 &&
                          f.e->owner.load(std::memory_order_relaxed) == static_cast<uint32_t>(waited_round);
  if (kind == L::kEntryValue || my_failure) {
    uint32_t n = 0;
    const uint8_t* value = ActiveValue(r, f.off, f.e, &n);
    *state = kind == L::kEntryValue ? ClaimState::kValue : ClaimState::kFailed;
    if (found_type != nullptr) *found_type = f.e->type_tag;
    *length = n;
    *round = f.e->version.load(std::memory_order_relaxed);
    if (n > capacity) return Fail(DW_E_BUFFER_TOO_SMALL, "the value is %u bytes", n);
    if (n > 0) std::memcpy(buffer, value, n);
    return DW_OK;
  }
  if (kind == L::kEntryPending) {
    *state = ClaimState::kPending;
    *round = f.e->version.load(std::memory_order_relaxed);
    return DW_OK;
  }

  // Absent, abandoned, or a failure from another round: this process computes it. The
  // holding is recorded first: if the process dies before the entry says it owns it, the
  // launcher's clean-up finds no such claim and does nothing.
  const uint32_t owner = r.self() + 1;
  uint64_t version = 0;
  if (f.e != nullptr && f.e->slot_count == 2 && f.e->slot_capacity >= L::kPendingSlotCapacity) {
    if (dw_status s = AddHolding(r, L::kHoldPending, f.off, 1); s != DW_OK) return s;
    version = writer.NextVersion();
    // An abandoned or failed entry becomes pending: neither kind is a value, so a reader
    // reads nothing of it before or after; `kind` last (release) all the same.
    f.e->owner.store(owner, std::memory_order_relaxed);
    f.e->expires_ns.store(0, std::memory_order_relaxed);
    f.e->type_tag = type;  // the computed value's: a claim is resolved in place, with its type
    f.e->version.store(version, std::memory_order_relaxed);
    f.e->kind.store(L::kEntryPending, std::memory_order_release);
  } else {
    // A new claim entry (in place of an abandoned or failed one too small to keep room for
    // the result), written in full before one store publishes it.
    uint64_t fresh = 0;
    version = writer.NextVersion();
    if (f.e == nullptr && f.chain >= L::kMaxChainLength) {
      return Fail(DW_E_CAPACITY, "%u keys already share this key's bucket", L::kMaxChainLength);
    }
    if (dw_status s =
            NewEntry(r, key, nullptr, 0, L::kEntryPending, owner, version, 0, type, &fresh, L::kPendingSlotCapacity);
        s != DW_OK) {
      return s;
    }
    if (dw_status s = AddHolding(r, L::kHoldPending, fresh, 1); s != DW_OK) {
      Free(r, fresh);  // inside the section, but never linked: no reader can have reached it
      return s;
    }
    if (f.e != nullptr) {
      EntryAt(r, fresh)->next.store(f.e->next.load(std::memory_order_relaxed), std::memory_order_relaxed);
      f.link->store(fresh, std::memory_order_release);
      writer.FreeLater(f.off);
    } else {
      MarkBucketUsed(r, k.bucket());
      f.link->store(fresh, std::memory_order_release);
    }
    f.off = fresh;
  }
  CrashPoint("store.claim.owned");
  *state = ClaimState::kOwned;
  *round = version;
  *ref = f.off;
  return DW_OK;
}

dw_status StoreResolve(Region& r, const StoreKey& key, uint64_t round, uint64_t ref, ClaimOutcome outcome,
                       const uint8_t* bytes, uint32_t length, int64_t ttl_ns) noexcept {
  dw_status result = DW_OK;
  bool settled = false;
  {
    KeyWriter k(r, key);
    if (dw_status s = k.Open(key); s != DW_OK) return s;
    Found& f = k.found();
    StripeWriter& writer = k.writer();
    // Only our own claim of that round is resolved: a Set meanwhile wins.
    if (f.e != nullptr && f.e->kind.load(std::memory_order_relaxed) == L::kEntryPending &&
        f.e->version.load(std::memory_order_relaxed) == round &&
        f.e->owner.load(std::memory_order_relaxed) == r.self() + 1) {
      settled = true;
      uint64_t version = 0;
      switch (outcome) {
        case ClaimOutcome::kValue:
          // With the type the claim was made for (StoreClaim's `type`).
          result =
              Replace(r, writer, key, f, bytes, length, L::kEntryValue, 0, ExpiryFor(ttl_ns), f.e->type_tag, &version);
          if (result == DW_OK) {
            CountValue(r, +1);
            break;
          }
          [[fallthrough]];  // no room for the value: give the claim up, a waiter computes again
        case ClaimOutcome::kAbandoned:
          // Pending to abandoned: not a value before or after, so readers read nothing of it.
          f.e->owner.store(0, std::memory_order_relaxed);
          f.e->version.store(writer.NextVersion(), std::memory_order_relaxed);
          f.e->kind.store(L::kEntryAbandoned, std::memory_order_release);
          break;
        case ClaimOutcome::kFailed:
          // The message goes in place (the claim kept room for it), cut to fit: telling the
          // waiters must not itself fail for want of memory.
          Replace(r, writer, key, f, bytes, std::min(length, f.e->slot_capacity), L::kEntryFailed,
                  static_cast<uint32_t>(round), 0, f.e->type_tag, &version);
          break;
      }
    }
  }
  if (settled) NotifyClaimSettled(r);         // once the stripe is free again: the waiters claim at once
  RemoveHolding(r, L::kHoldPending, ref, 1);  // a claim already replaced by a Set leaves no holding to find
  return result;
}

void AbandonClaim(Region& r, uint32_t dead_id, uint64_t ref) noexcept {
  if (!ValidEntry(r, ref)) return;  // freed and reused since: nothing of ours is there
  const uint64_t hash = EntryAt(r, ref)->hash;
  const uint32_t bucket = BucketOf(r, hash);
  StripeWriter writer(r, StripeOf(bucket));
  if (writer.Begin() != DW_OK) return;
  std::atomic<uint64_t>* link = &Buckets(r)[bucket];
  for (uint32_t steps = 0; steps < kMaxReadSteps; ++steps) {
    const uint64_t off = link->load(std::memory_order_acquire);
    if (off == 0 || !ValidEntry(r, off)) return;
    L::StoreEntry* e = EntryAt(r, off);
    if (off == ref) {
      if (e->kind.load(std::memory_order_relaxed) == L::kEntryPending &&
          e->owner.load(std::memory_order_relaxed) == dead_id + 1) {
        // As in StoreResolve: neither kind is a value, readers read nothing of it.
        e->owner.store(0, std::memory_order_relaxed);
        e->version.store(writer.NextVersion(), std::memory_order_relaxed);
        e->kind.store(L::kEntryAbandoned, std::memory_order_release);
        NotifyClaimSettled(r);  // a waiter takes over
      }
      return;
    }
    link = &e->next;
  }
}

void WatchClaims(Region& r, uint32_t id, bool watch) noexcept {
  if (id < L::kProcessCapacity) SetMember(r.header()->claim_watchers, id, watch);
}

}  // namespace dw
