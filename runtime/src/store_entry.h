// The store's entries and what every writer does with them: find a key in its bucket
// (removing expired values on the way), make a new entry, replace or append one, each
// change visible through one store. Internal to the store (store*.cpp); see store.h and
// docs/protocol.md, "Store".
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>

#include "clock.h"
#include "dotnet_workers/dw_status.h"
#include "last_error.h"
#include "region.h"
#include "store.h"
#include "store_stripe.h"

namespace dw::store_detail {

inline uint64_t Pad8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

inline L::StoreEntry* EntryAt(const Region& r, uint64_t off) { return r.At<L::StoreEntry>(off); }

// An offset read from shared memory that may point at an entry: inside the heap, and
// aligned as every heap payload is (so atomic fields are never misaligned).
inline bool EntryOffsetOk(const Region& r, uint64_t off) { return (off & 15) == 0 && r.InHeap(off, kEntryHeaderSize); }
inline const uint8_t* KeyOf(const Region& r, uint64_t off) { return r.At<uint8_t>(off + kEntryHeaderSize); }
inline uint64_t SlotOffset(const L::StoreEntry* e, uint64_t off, uint32_t slot) {
  return off + kEntryHeaderSize + Pad8(e->key_length) + uint64_t{slot} * e->slot_capacity;
}

// Reads the clock only for entries that can expire: most never do, and a clock read costs
// as much as the rest of a Get.
inline bool Expired(const L::StoreEntry* e) {
  const int64_t deadline = e->expires_ns.load(std::memory_order_relaxed);
  return deadline != 0 && static_cast<int64_t>(MonotonicNs()) >= deadline;
}

// An entry a writer may trust: a live heap block whose fields fit inside it.
inline bool ValidEntry(const Region& r, uint64_t off) {
  if ((off & 15) != 0 || off < L::kBlockHeaderSize ||
      !r.InHeap(off - L::kBlockHeaderSize, L::kBlockHeaderSize + kEntryHeaderSize)) {
    return false;
  }
  const L::BlockHeader* b = r.At<L::BlockHeader>(off - L::kBlockHeaderSize);
  if ((b->tag & L::kBlockTagMask) != L::kBlockTag || b->state.load(std::memory_order_relaxed) != L::kBlockAllocated)
    return false;
  const L::StoreEntry* e = EntryAt(r, off);
  if (e->key_length == 0 || e->key_length > L::kMaxKeyLength || e->slot_count < 1 || e->slot_count > 2) return false;
  const uint64_t need = kEntryHeaderSize + Pad8(e->key_length) + uint64_t{e->slot_count} * e->slot_capacity;
  return need <= b->block_size - L::kBlockHeaderSize && r.InHeap(off, need);
}

inline bool KeyMatches(const Region& r, uint64_t off, const L::StoreEntry* e, const StoreKey& key) {
  return e->hash == key.hash && e->key_length == key.length && std::memcmp(KeyOf(r, off), key.bytes, key.length) == 0;
}

inline void CountValue(Region& r, int delta) {
  if (delta > 0) r.header()->entry_count.fetch_add(1, std::memory_order_relaxed);
  if (delta < 0) r.header()->entry_count.fetch_sub(1, std::memory_order_relaxed);
}

struct Found {
  std::atomic<uint64_t>* link = nullptr;  // the link that points at `off` (or the chain's end)
  uint64_t off = 0;
  L::StoreEntry* e = nullptr;
  uint32_t chain = 0;  // entries before it (the whole chain if not found)
};

// Under the stripe lock: walks the bucket's chain, removing expired values on the way: the
// key's own always (so the operation sees it absent), others' while the deferred list has
// room for them (see kMaxDeferredFrees; the rest wait for a later writer).
dw_status FindForWrite(Region& r, StripeWriter& w, const StoreKey& key, uint32_t bucket, Found* found);

// A complete entry, not yet linked (so nobody can see it half written).
// `reserve`: room to keep in each slot beyond `length` (a GetOrSet claim keeps room for its
// result, so it can be stored in place).
dw_status NewEntry(Region& r, const StoreKey& key, const uint8_t* value, uint32_t length, uint32_t kind, uint32_t owner,
                   uint64_t version, int64_t expires, uint64_t type, uint64_t* out, uint32_t reserve = 0);

// The live value's bytes and length, for a writer (under the lock) or a reader (validated
// later; a reader loads `kind` and `version` first, see ReadOnce).
inline const uint8_t* ActiveValue(const Region& r, uint64_t off, const L::StoreEntry* e, uint32_t* length) {
  const uint32_t active = e->active.load(std::memory_order_acquire) & 1;
  *length = e->value_length[active].load(std::memory_order_relaxed);
  return r.At<uint8_t>(SlotOffset(e, off, active));
}

// Puts `value` (kind, version, expiry) in the found entry. In place only when nothing else
// changes with it (same kind, same expiry), or when the entry was a pending claim: its
// expiry, value (WriteInPlace) and owner are stored first and `kind` last (release), so a
// reader that sees the new kind (acquire, before anything else it reads) sees all of them,
// and one that sees "pending" reads nothing. A value entry never changes kind in place
// (only a pending one becomes a value, failed or abandoned), so a reader that saw
// kEntryValue reads a value throughout. Otherwise in a new entry linked in its place with
// one store, so value, kind, version and expiry change together. The old entry is freed
// once the section has ended. A value of another type (`type`) always goes to a new entry:
// a reader must never see one type's identity with another type's bytes.
dw_status Replace(Region& r, StripeWriter& w, const StoreKey& key, Found& f, const uint8_t* value, uint32_t length,
                  uint32_t kind, uint32_t owner, int64_t expires, uint64_t type, uint64_t* version);

dw_status Append(Region& r, StripeWriter& w, const StoreKey& key, uint32_t bucket, Found& f, const uint8_t* value,
                 uint32_t length, uint32_t kind, uint32_t owner, int64_t expires, uint64_t type, uint64_t* version,
                 uint32_t reserve = 0);

// A GetOrSet claim ended (resolved, failed, abandoned, or replaced by a Set or a Remove): the
// processes waiting for one look again (each at its own key: the count says "something
// ended", never which).
void NotifyClaimSettled(Region& r);

inline int64_t ExpiryFor(int64_t ttl_ns) { return ttl_ns > 0 ? static_cast<int64_t>(MonotonicNs()) + ttl_ns : 0; }

inline dw_status CheckUsable(const Region& r) {
  return r.header()->corrupt.load(std::memory_order_relaxed) ? Fail(DW_E_CORRUPT, "the shared region is marked corrupt")
                                                             : DW_OK;
}

// Every write to one key starts the same way: the region usable, the key's stripe locked
// (and repaired if its last writer died), the key looked up in its bucket.
class KeyWriter {
 public:
  KeyWriter(Region& r, const StoreKey& key) : r_(r), bucket_(BucketOf(r, key.hash)), writer_(r, StripeOf(bucket_)) {}

  dw_status Open(const StoreKey& key) {
    if (dw_status s = CheckUsable(r_); s != DW_OK) return s;
    if (dw_status s = writer_.Begin(); s != DW_OK) return s;
    return FindForWrite(r_, writer_, key, bucket_, &found_);
  }

  StripeWriter& writer() { return writer_; }
  Found& found() { return found_; }
  uint32_t bucket() const { return bucket_; }

 private:
  Region& r_;
  uint32_t bucket_;
  StripeWriter writer_;
  Found found_;
};

}  // namespace dw::store_detail
