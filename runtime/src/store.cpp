#include "store.h"

#include <algorithm>
#include <cstring>

#include "hash.h"
#include "last_error.h"
#include "store_entry.h"

namespace dw {
namespace L = layout;

using namespace store_detail;

dw_status MakeStoreKey(const Region& r, const uint8_t* bytes, uint32_t length, StoreKey* key) noexcept {
  if (bytes == nullptr || length == 0) return Fail(DW_E_INVALID_ARGUMENT, "a key must not be empty");
  if (length > L::kMaxKeyLength) {
    return Fail(DW_E_INVALID_ARGUMENT, "a key is at most %u bytes of UTF-8; this one is %u", L::kMaxKeyLength, length);
  }
  *key = {bytes, length, HashBytes(bytes, length, r.header()->hash_seed)};
  return DW_OK;
}

namespace {

enum class ReadOutcome { kDone, kRaced, kGarbage, kTooLong };

// One pass over the key's chain after ReadBegin returned `seq` (odd or even): copies the
// value (or reports its size). kRaced if the sequence moved meanwhile; kGarbage if, with the
// sequence steady, the chain was not well formed: damage, whether `seq` is odd or even,
// since a writer in the stripe (even stopped or dead in it) keeps everything reachable valid
// and well formed; kTooLong if it followed `max_steps` links.
//
// An entry's fields are read in the writers' publication order reversed: `kind` (acquire)
// first, then `version` (acquire), then `active` (acquire) and the length and bytes of that
// slot. Seeing kEntryValue means seeing that value's expiry, slot and length (Replace stores
// `kind` last, with release); seeing a version means seeing the flip it came with
// (WriteInPlace), so the version returned is never newer than the value copied.
ReadOutcome ReadOnce(Region& r, const StoreKey& key, uint32_t bucket, uint32_t stripe, uint32_t seq, uint8_t* buffer,
                     uint32_t capacity, uint32_t* length, uint64_t* version, uint64_t* type, dw_status* result,
                     uint32_t max_steps) {
  *result = DW_E_NOT_FOUND;
  // A bucket whose page was never used holds nothing: not reading it keeps misses from
  // faulting in (and paying for) untouched pages of the bucket array.
  if (!BucketUsed(r, bucket)) return ReadValid(r, stripe, seq) ? ReadOutcome::kDone : ReadOutcome::kRaced;
  ReadOutcome outcome = ReadOutcome::kDone;
  uint64_t off = Buckets(r)[bucket].load(std::memory_order_acquire);
  for (uint32_t steps = 0; off != 0; ++steps) {
    // What a reader sees may be freed and reused under it: check before following.
    if (steps >= max_steps) {
      outcome = max_steps < kMaxReadSteps ? ReadOutcome::kTooLong : ReadOutcome::kGarbage;
      break;
    }
    if (!EntryOffsetOk(r, off)) {
      outcome = ReadOutcome::kGarbage;
      break;
    }
    const L::StoreEntry* e = EntryAt(r, off);
    if (e->hash == key.hash && e->key_length == key.length && r.InHeap(off + kEntryHeaderSize, key.length) &&
        std::memcmp(KeyOf(r, off), key.bytes, key.length) == 0) {
      const uint32_t kind = e->kind.load(std::memory_order_acquire);
      const uint64_t seen_version = e->version.load(std::memory_order_acquire);
      uint32_t n = 0;
      const uint8_t* value = ActiveValue(r, off, e, &n);
      if (e->slot_count < 1 || e->slot_count > 2 || n > e->slot_capacity || !r.InHeap(value - r.At<uint8_t>(0), n)) {
        outcome = ReadOutcome::kGarbage;
        break;
      }
      if (kind == L::kEntryValue && !Expired(e)) {
        *length = n;
        *version = seen_version;
        if (type != nullptr)
          *type = e->type_tag;  // fixed for a value entry: seeing kEntryValue, the one it was linked or resolved with
        if (n > capacity) {
          *result = DW_E_BUFFER_TOO_SMALL;
        } else {
          if (n > 0) std::memcpy(buffer, value, n);
          *result = DW_OK;
        }
      }
      break;
    }
    off = e->next.load(std::memory_order_acquire);
  }
  if (!ReadValid(r, stripe, seq)) return ReadOutcome::kRaced;
  return outcome;
}

}  // namespace

dw_status StoreGet(Region& r, const StoreKey& key, uint8_t* buffer, uint32_t capacity, uint32_t* length,
                   uint64_t* version, uint64_t* type) noexcept {
  if (dw_status s = CheckUsable(r); s != DW_OK) return s;
  const uint32_t bucket = BucketOf(r, key.hash);
  const uint32_t stripe = StripeOf(bucket);
  for (;;) {
    const uint32_t seq = ReadBegin(r, stripe);
    dw_status result = DW_E_NOT_FOUND;
    ReadOutcome outcome =
        ReadOnce(r, key, bucket, stripe, seq, buffer, capacity, length, version, type, &result, kMaxReadSteps);
    if (outcome == ReadOutcome::kRaced) continue;
    // Seen with the sequence unchanged (odd or even): damage, not a writer at work.
    if (outcome == ReadOutcome::kGarbage) return r.Corrupt("a store chain is damaged");
    if (result == DW_E_BUFFER_TOO_SMALL) return Fail(DW_E_BUFFER_TOO_SMALL, "the value is %u bytes", *length);
    return result;
  }
}

dw_status StoreTryGetOnce(Region& r, const StoreKey& key, uint8_t* buffer, uint32_t capacity, uint32_t* length,
                          uint64_t* version, uint64_t* type) noexcept {
  if (r.header()->corrupt.load(std::memory_order_relaxed)) return DW_E_TIMEOUT;  // the full path reports it
  const uint32_t bucket = BucketOf(r, key.hash);
  const uint32_t stripe = StripeOf(bucket);
  const uint32_t seq = ReadBegin(r, stripe);  // odd is fine too: a writer in the stripe is no reason to give up
  dw_status result = DW_E_NOT_FOUND;
  ReadOutcome outcome =
      ReadOnce(r, key, bucket, stripe, seq, buffer, capacity, length, version, type, &result, kMaxQuickSteps);
  if (outcome != ReadOutcome::kDone || result == DW_E_BUFFER_TOO_SMALL) return DW_E_TIMEOUT;
  return result;
}

dw_status StoreSet(Region& r, const StoreKey& key, const SetRequest& q, bool* applied, uint64_t* version) noexcept {
  *applied = false;
  *version = 0;
  KeyWriter k(r, key);
  if (dw_status s = k.Open(key); s != DW_OK) return s;
  Found& f = k.found();

  const uint32_t kind = f.e ? f.e->kind.load(std::memory_order_relaxed) : 0;
  const bool has_value = kind == L::kEntryValue;
  if (f.e) *version = f.e->version.load(std::memory_order_relaxed);
  switch (q.mode) {
    case SetMode::kAlways: break;
    case SetMode::kIfAbsent:
      if (has_value || kind == L::kEntryPending) return DW_OK;
      break;
    case SetMode::kIfVersion:
      if (!has_value || *version != q.expected_version) return DW_OK;
      break;
    case SetMode::kIfEqual: {
      if (!has_value) return DW_OK;
      uint32_t n = 0;
      const uint8_t* current = ActiveValue(r, f.off, f.e, &n);
      if (f.e->type_tag != q.type || n != q.expected_length || (n > 0 && std::memcmp(current, q.expected, n) != 0)) {
        return DW_OK;  // another type's value is not equal, whatever its bytes
      }
      break;
    }
  }

  const int64_t expires = ExpiryFor(q.ttl_ns);
  dw_status s =
      f.e ? Replace(r, k.writer(), key, f, q.value, q.length, L::kEntryValue, 0, expires, q.type, version)
          : Append(r, k.writer(), key, k.bucket(), f, q.value, q.length, L::kEntryValue, 0, expires, q.type, version);
  if (s != DW_OK) return s;
  if (!has_value) CountValue(r, +1);
  if (kind == L::kEntryPending) NotifyClaimSettled(r);  // a Set wins over a computation: its waiters get this value
  *applied = true;
  return DW_OK;
}

dw_status StoreRemove(Region& r, const StoreKey& key, bool* removed) noexcept {
  *removed = false;
  KeyWriter k(r, key);
  if (dw_status s = k.Open(key); s != DW_OK) return s;
  Found& f = k.found();
  if (f.e == nullptr) return DW_OK;
  const uint32_t kind = f.e->kind.load(std::memory_order_relaxed);
  const bool had_value = kind == L::kEntryValue;
  f.link->store(f.e->next.load(std::memory_order_relaxed), std::memory_order_release);
  CrashPoint("store.entry.unlinked");
  if (had_value) CountValue(r, -1);
  if (kind == L::kEntryPending) NotifyClaimSettled(r);  // its waiters claim again
  k.writer().FreeLater(f.off);
  *removed = had_value;
  return DW_OK;
}

dw_status StoreIncrement(Region& r, const StoreKey& key, int64_t delta, int64_t* result, uint64_t type,
                         uint64_t* existing_type) noexcept {
  KeyWriter k(r, key);
  if (dw_status s = k.Open(key); s != DW_OK) return s;
  Found& f = k.found();

  uint64_t version = 0;
  const uint32_t kind = f.e ? f.e->kind.load(std::memory_order_relaxed) : 0;
  if (kind == L::kEntryPending) return Fail(DW_E_NOT_A_COUNTER, "the key is being computed by GetOrSet");
  if (kind != L::kEntryValue) {
    uint8_t bytes[8];
    std::memcpy(bytes, &delta, 8);  // little-endian int64: MemoryPack's long
    dw_status s = f.e ? Replace(r, k.writer(), key, f, bytes, 8, L::kEntryValue, 0, 0, type, &version)
                      : Append(r, k.writer(), key, k.bucket(), f, bytes, 8, L::kEntryValue, 0, 0, type, &version);
    if (s != DW_OK) return s;
    CountValue(r, +1);
    *result = delta;
    return DW_OK;
  }
  if (f.e->type_tag != type) {
    if (existing_type != nullptr) *existing_type = f.e->type_tag;
    return Fail(DW_E_TYPE_MISMATCH, "the value is of another type than the counter");
  }
  uint32_t n = 0;
  const uint8_t* current = ActiveValue(r, f.off, f.e, &n);
  if (n != 8) return Fail(DW_E_NOT_A_COUNTER, "the value is %u bytes, not a 64-bit counter", n);
  uint64_t value = 0;
  std::memcpy(&value, current, 8);
  value += static_cast<uint64_t>(delta);  // wraps, like Interlocked.Add
  uint8_t bytes[8];
  std::memcpy(bytes, &value, 8);
  if (dw_status s = Replace(r, k.writer(), key, f, bytes, 8, L::kEntryValue, 0,
                            f.e->expires_ns.load(std::memory_order_relaxed), type, &version);
      s != DW_OK) {
    return s;
  }
  *result = static_cast<int64_t>(value);
  return DW_OK;
}

dw_status StoreKeys(Region& r, const uint8_t* prefix, uint32_t prefix_length, uint64_t* cursor, uint8_t* buffer,
                    uint32_t capacity, uint32_t* used, uint32_t* count, bool details) noexcept {
  const uint32_t extra = details ? 12 : 0;  // value length, expiry
  if (dw_status s = CheckUsable(r); s != DW_OK) return s;
  *used = 0;
  *count = 0;
  const uint32_t buckets = r.header()->bucket_count;
  for (uint64_t bucket = *cursor; bucket < buckets; ++bucket) {
    *cursor = bucket;
    if (!BucketUsed(r, static_cast<uint32_t>(bucket))) {
      bucket = (bucket / L::kBucketsPerPage + 1) * L::kBucketsPerPage - 1;  // skip the whole page
      continue;
    }
    const uint32_t stripe = StripeOf(static_cast<uint32_t>(bucket));
    for (;;) {  // one bucket, read consistently (or again)
      const uint32_t seq = ReadBegin(r, stripe);
      uint32_t at = *used, n = *count;
      bool full = false, garbage = false;
      uint64_t off = Buckets(r)[bucket].load(std::memory_order_acquire);
      for (uint32_t steps = 0; off != 0; ++steps) {
        if (steps >= kMaxReadSteps || !EntryOffsetOk(r, off)) {
          garbage = true;
          break;
        }
        const L::StoreEntry* e = EntryAt(r, off);
        const uint32_t klen = e->key_length;
        if (klen <= L::kMaxKeyLength && r.InHeap(off + kEntryHeaderSize, klen) && klen >= prefix_length &&
            e->kind.load(std::memory_order_acquire) == L::kEntryValue && !Expired(e) &&
            std::memcmp(KeyOf(r, off), prefix, prefix_length) == 0) {
          if (at + 4 + klen + extra > capacity) {
            full = true;
            break;
          }
          std::memcpy(buffer + at, &klen, 4);
          std::memcpy(buffer + at + 4, KeyOf(r, off), klen);
          if (details) {
            const uint32_t length =
                e->value_length[e->active.load(std::memory_order_acquire) & 1].load(std::memory_order_acquire);
            const int64_t expires = e->expires_ns.load(std::memory_order_acquire);
            std::memcpy(buffer + at + 4 + klen, &length, 4);
            std::memcpy(buffer + at + 8 + klen, &expires, 8);
          }
          at += 4 + klen + extra;
          ++n;
        }
        off = e->next.load(std::memory_order_acquire);
      }
      if (!ReadValid(r, stripe, seq)) continue;
      if (garbage) return r.Corrupt("a store chain is damaged");  // sequence unchanged, odd or even: damage
      if (full) {
        if (*count == 0) return Fail(DW_E_BUFFER_TOO_SMALL, "one bucket's keys do not fit in %u bytes", capacity);
        return DW_OK;  // this bucket again next time
      }
      *used = at;
      *count = n;
      break;
    }
  }
  *cursor = buckets;
  return DW_OK;
}

uint64_t StoreCount(const Region& r) noexcept { return r.header()->entry_count.load(std::memory_order_relaxed); }

}  // namespace dw
