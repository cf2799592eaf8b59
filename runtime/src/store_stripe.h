// The store's stripes: buckets split among 16384 stripes, each a robust mutex for its
// writers and a sequence number its readers validate against (readers never lock and never
// wait for a writer). What writers of a stripe share (StripeWriter), what readers share
// (ReadBegin, ReadValid), and the bucket bitmap. Internal to the store (store*.cpp); see
// store.h and docs/protocol.md, "Store".
#pragma once

#include <atomic>
#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "heap.h"
#include "region.h"
#include "robust_mutex.h"

namespace dw::store_detail {
namespace L = layout;

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

inline std::atomic<uint64_t>* Buckets(const Region& r) {
  return r.At<std::atomic<uint64_t>>(r.header()->buckets_offset);
}
inline L::Stripe* StripeAt(const Region& r, uint32_t stripe) {
  return r.At<L::Stripe>(r.header()->stripes_offset) + stripe;
}
inline uint32_t BucketOf(const Region& r, uint64_t hash) {
  return static_cast<uint32_t>(hash & (r.header()->bucket_count - 1));
}
inline uint32_t StripeOf(uint32_t bucket) { return bucket & (L::kStripeCount - 1); }

// One bit per page of buckets that ever held an entry: repairs and enumeration visit only
// those pages, so untouched parts of the bucket array are never faulted in.
inline std::atomic<uint8_t>* BitmapByte(const Region& r, uint32_t bucket) {
  const uint32_t page = bucket / L::kBucketsPerPage;
  return r.At<std::atomic<uint8_t>>(r.header()->bucket_bitmap_offset + page / 8);
}
inline uint8_t BitmapBit(uint32_t bucket) { return static_cast<uint8_t>(1u << ((bucket / L::kBucketsPerPage) % 8)); }
inline void MarkBucketUsed(const Region& r, uint32_t bucket) {
  std::atomic<uint8_t>* byte = BitmapByte(r, bucket);
  if (!(byte->load(std::memory_order_relaxed) & BitmapBit(bucket)))
    byte->fetch_or(BitmapBit(bucket), std::memory_order_relaxed);
}
inline bool BucketUsed(const Region& r, uint32_t bucket) {
  return BitmapByte(r, bucket)->load(std::memory_order_acquire) & BitmapBit(bucket);
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
void RepairStripe(Region& r, uint32_t stripe);

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
inline uint32_t ReadBegin(Region& r, uint32_t stripe) {
  return StripeAt(r, stripe)->sequence.load(std::memory_order_acquire);
}

// The end of a read: true if the sequence is still `seq` (nothing read can have been freed).
inline bool ReadValid(Region& r, uint32_t stripe, uint32_t seq) {
  std::atomic_thread_fence(std::memory_order_acquire);
  return StripeAt(r, stripe)->sequence.load(std::memory_order_relaxed) == seq;
}

}  // namespace dw::store_detail
