#include "store_entry.h"

#include <algorithm>

#include "doorbell.h"
#include "robust_mutex.h"

namespace dw::store_detail {

dw_status FindForWrite(Region& r, StripeWriter& w, const StoreKey& key, uint32_t bucket, Found* found) {
  std::atomic<uint64_t>* link = &Buckets(r)[bucket];
  for (uint32_t steps = 0;; ++steps) {
    const uint64_t off = link->load(std::memory_order_acquire);
    if (off == 0) {
      *found = {link, 0, nullptr, steps};
      return DW_OK;
    }
    if (steps >= kMaxReadSteps || !ValidEntry(r, off)) return r.Corrupt("a store chain is damaged");
    L::StoreEntry* e = EntryAt(r, off);
    if (e->kind.load(std::memory_order_relaxed) == L::kEntryValue && Expired(e) &&
        (w.CanCollectExpired() || KeyMatches(r, off, e, key))) {
      link->store(e->next.load(std::memory_order_relaxed), std::memory_order_release);
      CountValue(r, -1);
      w.FreeLater(off);
      --steps;
      continue;
    }
    if (KeyMatches(r, off, e, key)) {
      *found = {link, off, e, steps};
      return DW_OK;
    }
    link = &e->next;
  }
}

dw_status NewEntry(Region& r, const StoreKey& key, const uint8_t* value, uint32_t length, uint32_t kind, uint32_t owner,
                   uint64_t version, int64_t expires, uint64_t type, uint64_t* out, uint32_t reserve) {
  const bool doubled = length <= L::kDoubleBufferLimit;
  const uint64_t slot_need = Pad8(std::max<uint64_t>({length, reserve, 8}));
  uint64_t off = 0;
  if (dw_status s = Allocate(r, kEntryHeaderSize + Pad8(key.length) + (doubled ? 2 : 1) * slot_need, &off);
      s != DW_OK) {
    return s;
  }
  const uint64_t room = PayloadCapacity(r, off) - kEntryHeaderSize - Pad8(key.length);
  L::StoreEntry* e = EntryAt(r, off);
  e->next.store(0, std::memory_order_relaxed);
  e->hash = key.hash;
  e->version.store(version, std::memory_order_relaxed);
  e->expires_ns.store(expires, std::memory_order_relaxed);
  e->key_length = key.length;
  e->kind.store(kind, std::memory_order_relaxed);
  e->owner.store(owner, std::memory_order_relaxed);
  e->slot_count = doubled ? 2 : 1;
  e->slot_capacity =
      static_cast<uint32_t>(std::min<uint64_t>((doubled ? room / 2 : room) & ~uint64_t{7}, UINT32_MAX & ~7u));
  e->active.store(0, std::memory_order_relaxed);
  e->value_length[0].store(length, std::memory_order_relaxed);
  e->value_length[1].store(0, std::memory_order_relaxed);
  e->type_tag = type;
  e->reserved = 0;
  std::memcpy(r.At<uint8_t>(off + kEntryHeaderSize), key.bytes, key.length);
  if (length > 0) std::memcpy(r.At<uint8_t>(SlotOffset(e, off, 0)), value, length);
  *out = off;
  return DW_OK;
}

namespace {

// Writes a value into the inactive slot and its length, flips `active` to it (release),
// then stores the new version (release). A writer dying in the copy leaves the live slot
// untouched. Readers (which may read while this runs: ReadBegin) load `version` (acquire)
// before `active` (acquire), so the pairs they can see are (old value, old version),
// (new value, old version) and (new value, new version): having seen the new version they
// see the flip. Never a version newer than the value read: with a stale version an
// optimistic Update only fails and reads again. (Version first, then flip, would let a
// reader take (old value, new version), and an Update based on it would apply over a value
// it never saw.) A writer dying between the flip and the version store leaves the new value
// under the old version: RepairStripe gives it a new one. Only one in-place write per entry
// per critical section, so a reader never sees two flips. False if the value does not fit.
bool WriteInPlace(Region& r, uint64_t off, L::StoreEntry* e, const uint8_t* value, uint32_t length, uint64_t version) {
  if (e->slot_count != 2 || length > e->slot_capacity) return false;
  const uint32_t inactive = 1 - (e->active.load(std::memory_order_relaxed) & 1);
  if (length > 0) std::memcpy(r.At<uint8_t>(SlotOffset(e, off, inactive)), value, length);
  e->value_length[inactive].store(length, std::memory_order_relaxed);
  CrashPoint("store.value.written");
  e->active.store(inactive, std::memory_order_release);  // publishes the slot's bytes and length
  CrashPoint("store.value.flipped");
  e->version.store(version, std::memory_order_release);  // publishes the flip
  return true;
}

}  // namespace

dw_status Replace(Region& r, StripeWriter& w, const StoreKey& key, Found& f, const uint8_t* value, uint32_t length,
                  uint32_t kind, uint32_t owner, int64_t expires, uint64_t type, uint64_t* version) {
  const uint64_t next_version = w.NextVersion();
  const uint32_t old_kind = f.e->kind.load(std::memory_order_relaxed);
  const bool same_shape =
      old_kind == kind && f.e->expires_ns.load(std::memory_order_relaxed) == expires && f.e->type_tag == type;
  if ((same_shape || (old_kind == L::kEntryPending && f.e->type_tag == type)) && length <= f.e->slot_capacity &&
      f.e->slot_count == 2) {
    f.e->expires_ns.store(expires, std::memory_order_relaxed);
    WriteInPlace(r, f.off, f.e, value, length, next_version);
    f.e->owner.store(owner, std::memory_order_relaxed);
    f.e->kind.store(kind, std::memory_order_release);  // last: a pending claim becomes its outcome
    *version = next_version;
    return DW_OK;
  }
  uint64_t fresh = 0;
  if (dw_status s = NewEntry(r, key, value, length, kind, owner, next_version, expires, type, &fresh); s != DW_OK)
    return s;
  EntryAt(r, fresh)->next.store(f.e->next.load(std::memory_order_relaxed), std::memory_order_relaxed);
  f.link->store(fresh, std::memory_order_release);  // the one store that swaps them
  CrashPoint("store.entry.replaced");
  w.FreeLater(f.off);
  f.off = fresh;
  f.e = EntryAt(r, fresh);
  *version = next_version;
  return DW_OK;
}

dw_status Append(Region& r, StripeWriter& w, const StoreKey& key, uint32_t bucket, Found& f, const uint8_t* value,
                 uint32_t length, uint32_t kind, uint32_t owner, int64_t expires, uint64_t type, uint64_t* version,
                 uint32_t reserve) {
  if (f.chain >= L::kMaxChainLength) {
    return Fail(DW_E_CAPACITY, "%u keys already share this key's bucket: the store's index is full here",
                L::kMaxChainLength);
  }
  const uint64_t next_version = w.NextVersion();
  uint64_t fresh = 0;
  if (dw_status s = NewEntry(r, key, value, length, kind, owner, next_version, expires, type, &fresh, reserve);
      s != DW_OK) {
    return s;
  }
  MarkBucketUsed(r, bucket);                        // before the link: a reader that finds the entry finds the bit
  f.link->store(fresh, std::memory_order_release);  // the one store that publishes it
  f.off = fresh;
  f.e = EntryAt(r, fresh);
  *version = next_version;
  return DW_OK;
}

void NotifyClaimSettled(Region& r) {
  r.header()->claims_settled.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the count before the look at the watchers
  RingWatchers(r, r.header()->claim_watchers);
}

}  // namespace dw::store_detail
