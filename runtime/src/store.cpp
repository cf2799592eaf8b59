#include "store.h"

#include <algorithm>
#include <cstring>

#include "clock.h"
#include "doorbell.h"
#include "hash.h"
#include "heap.h"
#include "holdings.h"
#include "last_error.h"
#include "process_set.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

constexpr uint64_t kEntryHeaderSize = sizeof(L::StoreEntry);
// Writers keep chains at most kMaxChainLength long, and one critical section adds at most
// one entry that a reader can visit (an appended one, or a replacement that takes the place
// of the one it replaces): a reader that follows more links than this while the sequence
// did not move has found damage.
constexpr uint32_t kMaxReadSteps = L::kMaxChainLength + 1;
// A read without a GC transition gives up (and takes the normal path) after this many links.
constexpr uint32_t kMaxQuickSteps = 64;

// Blocks one critical section unlinks, freed only once it has ended (StripeWriter's
// destructor): readers may be inside them until the sequence moves, including readers that
// started at this section's odd sequence. Nothing is ever freed inside a critical section,
// so the list must hold every block a section unlinks. It does, by counting:
//  - the operation itself unlinks at most one entry of its key (kOperationFrees): a Replace
//    by a new entry (Set, Increment, Resolve each make at most one Replace), a Remove, or a
//    claim taking the place of an abandoned or failed entry too small to keep;
//  - FindForWrite unlinks expired entries of other keys only while that leaves
//    kOperationFrees slots free (CanCollectExpired), so at most kMaxDeferredFrees - 1;
//  - it always unlinks an expired entry of the key itself (an expired value must read as
//    absent to the operation), into the slot kept for the operation: the key is then absent
//    and the operation unlinks nothing (keys are unique in a chain).
// Expired entries left behind are invisible to readers and collected by later writers.
constexpr uint32_t kMaxDeferredFrees = 4;
constexpr uint32_t kOperationFrees = 1;
static_assert(kMaxDeferredFrees > kOperationFrees, "FindForWrite must be able to collect some expired entries");

uint64_t Pad8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

std::atomic<uint64_t>* Buckets(const Region& r) { return r.At<std::atomic<uint64_t>>(r.header()->buckets_offset); }
L::Stripe* StripeAt(const Region& r, uint32_t stripe) { return r.At<L::Stripe>(r.header()->stripes_offset) + stripe; }
uint32_t BucketOf(const Region& r, uint64_t hash) {
  return static_cast<uint32_t>(hash & (r.header()->bucket_count - 1));
}
uint32_t StripeOf(uint32_t bucket) { return bucket & (L::kStripeCount - 1); }

// One bit per page of buckets that ever held an entry: repairs and enumeration visit only
// those pages, so untouched parts of the bucket array are never faulted in.
std::atomic<uint8_t>* BitmapByte(const Region& r, uint32_t bucket) {
  const uint32_t page = bucket / L::kBucketsPerPage;
  return r.At<std::atomic<uint8_t>>(r.header()->bucket_bitmap_offset + page / 8);
}
uint8_t BitmapBit(uint32_t bucket) { return static_cast<uint8_t>(1u << ((bucket / L::kBucketsPerPage) % 8)); }
void MarkBucketUsed(const Region& r, uint32_t bucket) {
  std::atomic<uint8_t>* byte = BitmapByte(r, bucket);
  if (!(byte->load(std::memory_order_relaxed) & BitmapBit(bucket)))
    byte->fetch_or(BitmapBit(bucket), std::memory_order_relaxed);
}
bool BucketUsed(const Region& r, uint32_t bucket) {
  return BitmapByte(r, bucket)->load(std::memory_order_acquire) & BitmapBit(bucket);
}

L::StoreEntry* EntryAt(const Region& r, uint64_t off) { return r.At<L::StoreEntry>(off); }

// An offset read from shared memory that may point at an entry: inside the heap, and
// aligned as every heap payload is (so atomic fields are never misaligned).
bool EntryOffsetOk(const Region& r, uint64_t off) { return (off & 15) == 0 && r.InHeap(off, kEntryHeaderSize); }
const uint8_t* KeyOf(const Region& r, uint64_t off) { return r.At<uint8_t>(off + kEntryHeaderSize); }
uint64_t SlotOffset(const L::StoreEntry* e, uint64_t off, uint32_t slot) {
  return off + kEntryHeaderSize + Pad8(e->key_length) + uint64_t{slot} * e->slot_capacity;
}

// Reads the clock only for entries that can expire: most never do, and a clock read costs
// as much as the rest of a Get.
bool Expired(const L::StoreEntry* e) {
  const int64_t deadline = e->expires_ns.load(std::memory_order_relaxed);
  return deadline != 0 && static_cast<int64_t>(MonotonicNs()) >= deadline;
}

// An entry a writer may trust: a live heap block whose fields fit inside it.
bool ValidEntry(const Region& r, uint64_t off) {
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

bool KeyMatches(const Region& r, uint64_t off, const L::StoreEntry* e, const StoreKey& key) {
  return e->hash == key.hash && e->key_length == key.length && std::memcmp(KeyOf(r, off), key.bytes, key.length) == 0;
}

void CountValue(Region& r, int delta) {
  if (delta > 0) r.header()->entry_count.fetch_add(1, std::memory_order_relaxed);
  if (delta < 0) r.header()->entry_count.fetch_sub(1, std::memory_order_relaxed);
}

// Run by the next locker of a stripe whose writer died, inside its own critical section
// (the sequence already moved past the dead writer's odd value, so a reader that started
// there and sees any of these stores retries):
//  - checks every chain, cutting it at the first link that is not a valid entry (what
//    follows is leaked, never followed). Single-store updates mean this finds nothing in
//    practice; it is the guard against what "in practice" misses;
//  - gives every value entry a fresh version. WriteInPlace flips `active` before it stores
//    the new version, so a writer that died between the two left the new value under the
//    old version, and a reader may have taken (new value, old version) from it. An
//    optimistic Update with that version must fail (and read again), not overwrite the new
//    value as if it were the one it read: so no value keeps a version from before the
//    crash. Which entry the writer was changing is not known, hence every one. Only values:
//    versions are compared by kIfVersion only for values, and a pending claim's version is
//    its round, which its (living) owner's StoreResolve must still match.
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

// Writers of one stripe: the robust mutex, and the sequence odd while they change things.
class StripeWriter {
 public:
  StripeWriter(Region& r, uint32_t stripe) : r_(r), stripe_(stripe), s_(StripeAt(r, stripe)) {}
  StripeWriter(const StripeWriter&) = delete;
  StripeWriter& operator=(const StripeWriter&) = delete;

  dw_status Begin() {
    const LockResult locked = LockRobust(&s_->mutex);
    if (locked != LockResult::kAcquired && locked != LockResult::kOwnerDied) {
      return r_.Corrupt("a store stripe's lock is unrecoverable");
    }
    locked_ = true;
    seq_ = s_->sequence.load(std::memory_order_relaxed);
    if (seq_ & 1) ++seq_;  // its last writer died mid-change (repaired below)
    // Release: a reader that starts at this odd value (acquire) sees everything the stripe's
    // earlier sections did (they happened before our lock), so it only reaches entries that
    // are linked at some point of this section, and those are not freed before it ends.
    s_->sequence.store(seq_ + 1, std::memory_order_release);
    // And this section's own stores come after it: a reader that sees any of them sees the
    // sequence moved when it validates (its acquire fence pairs with this one).
    std::atomic_thread_fence(std::memory_order_release);
    if (locked == LockResult::kOwnerDied) {
      RepairStripe(r_, stripe_);
      MarkConsistent(&s_->mutex);
    }
    return DW_OK;
  }

  // The section ends, then the deferred frees (see kMaxDeferredFrees): a reader may be in
  // a block until the sequence moves past this section, whatever sequence it started at.
  // Nobody can reach a block once it is unlinked and the section has ended; readers that
  // saw it see the sequence move. (Freeing after the unlock also keeps a large value's
  // page release, which is slow, out of the lock.)
  ~StripeWriter() {
    if (!locked_) return;
    s_->sequence.store(seq_ + 2, std::memory_order_release);
    UnlockRobust(&s_->mutex);
    for (uint32_t i = 0; i < deferred_count_; ++i) Free(r_, deferred_[i]);
  }

  // The next version in this stripe: only ever grows, so a key's versions never repeat.
  uint64_t NextVersion() { return s_->versions.fetch_add(1, std::memory_order_relaxed) + 1; }

  // Frees `off` once the section has ended. Never inside it: the count at kMaxDeferredFrees
  // guarantees a slot. Were it ever wrong, the block would leak, never be freed under a reader.
  void FreeLater(uint64_t off) {
    if (deferred_count_ < kMaxDeferredFrees) deferred_[deferred_count_++] = off;
  }

  // Whether FindForWrite may unlink an expired entry of another key and still leave the
  // operation its slot.
  bool CanCollectExpired() const { return deferred_count_ + kOperationFrees < kMaxDeferredFrees; }

 private:
  Region& r_;
  uint32_t stripe_;
  L::Stripe* s_;
  uint32_t seq_ = 0;
  bool locked_ = false;
  uint64_t deferred_[kMaxDeferredFrees] = {};
  uint32_t deferred_count_ = 0;
};

// A reader's start: the stripe's sequence, whatever it is. It never waits for a writer.
// Even: no writer is in the stripe. Odd: one is (running, stopped, or dead). Its changes are
// single atomic stores of well-formed things, and it frees nothing before its section ends,
// so what the reader reaches is valid memory and each entry either old or new; the reader
// validates at the end that the sequence did not move (a writer that finishes, or any later
// one, moves it: sequences only grow). A stopped or dead writer never moves it, and the
// reader returns what that writer had made visible: the last committed value, or its new
// one once the single store that publishes it is done. Repairing a dead writer's stripe is
// for the next writer (StripeWriter::Begin): what it left is consistent for readers.
uint32_t ReadBegin(Region& r, uint32_t stripe) { return StripeAt(r, stripe)->sequence.load(std::memory_order_acquire); }

// The end of a read: true if the sequence is still `seq` (nothing read can have been freed).
bool ReadValid(Region& r, uint32_t stripe, uint32_t seq) {
  std::atomic_thread_fence(std::memory_order_acquire);
  return StripeAt(r, stripe)->sequence.load(std::memory_order_relaxed) == seq;
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

// A complete entry, not yet linked (so nobody can see it half written).
// `reserve`: room to keep in each slot beyond `length` (a GetOrSet claim keeps room for its
// result, so it can be stored in place).
dw_status NewEntry(Region& r, const StoreKey& key, const uint8_t* value, uint32_t length, uint32_t kind, uint32_t owner,
                   uint64_t version, int64_t expires, uint64_t type, uint64_t* out, uint32_t reserve = 0) {
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

// The live value's bytes and length, for a writer (under the lock) or a reader (validated
// later; a reader loads `kind` and `version` first, see ReadOnce).
const uint8_t* ActiveValue(const Region& r, uint64_t off, const L::StoreEntry* e, uint32_t* length) {
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
                 uint32_t reserve = 0) {
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

// A GetOrSet claim ended (resolved, failed, abandoned, or replaced by a Set or a Remove): the
// processes waiting for one look again (each at its own key: the count says "something
// ended", never which).
void NotifyClaimSettled(Region& r) {
  r.header()->claims_settled.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the count before the look at the watchers
  RingWatchers(r, r.header()->claim_watchers);
}

int64_t ExpiryFor(int64_t ttl_ns) { return ttl_ns > 0 ? static_cast<int64_t>(MonotonicNs()) + ttl_ns : 0; }

dw_status CheckUsable(const Region& r) {
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

}  // namespace

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

dw_status StoreKeys(Region& r, const uint8_t* prefix, uint32_t prefix_length, uint64_t* cursor, uint8_t* buffer,
                    uint32_t capacity, uint32_t* used, uint32_t* count) noexcept {
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
          if (at + 4 + klen > capacity) {
            full = true;
            break;
          }
          std::memcpy(buffer + at, &klen, 4);
          std::memcpy(buffer + at + 4, KeyOf(r, off), klen);
          at += 4 + klen;
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

void WatchClaims(Region& r, uint32_t id, bool watch) noexcept {
  if (id < L::kProcessCapacity) SetMember(r.header()->claim_watchers, id, watch);
}

}  // namespace dw
