// dotnet-workers: the layout of the keyed store (normative text: docs/protocol.md, "Store").
//
// A fixed array of buckets (each the offset of its first entry) split among 16384 stripes;
// bucket b belongs to stripe b % 16384. Many stripes, so that processes writing different
// keys rarely write the same stripe's cache line (its mutex and sequence). A stripe is a robust mutex for writers and a
// sequence number for readers, who never lock and never wait for a writer: they read the
// sequence (odd or even), walk the chain, copy what they need, and retry if the sequence moved.
#ifndef DOTNET_WORKERS_STORE_LAYOUT_H
#define DOTNET_WORKERS_STORE_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "mutex_layout.h"

namespace dw::layout {

inline constexpr uint32_t kStripeCount = 16384;
inline constexpr uint32_t kMaxKeyLength = 1024;      // bytes of UTF-8
inline constexpr uint32_t kDoubleBufferLimit = 256;  // values up to this size get two slots
inline constexpr uint32_t kBucketsPerPage = 4096 / 8;
inline constexpr uint32_t kMinBucketCount = kStripeCount;  // every stripe has buckets
inline constexpr uint32_t kMaxBucketCount = 1u << 22;
inline constexpr uint32_t kMaxChainLength = 4096;      // writers refuse a longer bucket chain
inline constexpr uint32_t kPendingSlotCapacity = 256;  // room a GetOrSet claim keeps for its result

// StoreEntry::kind.
inline constexpr uint32_t kEntryValue = 1;      // a value in the active slot
inline constexpr uint32_t kEntryPending = 2;    // GetOrSet: `owner` is computing it
inline constexpr uint32_t kEntryAbandoned = 3;  // GetOrSet: the computing process died
inline constexpr uint32_t kEntryFailed = 4;     // GetOrSet: the factory threw; the slot holds its message

struct Stripe {
  MutexSlot mutex;                 //  0 robust, process-shared: writers of this stripe's buckets
  std::atomic<uint32_t> sequence;  // 48 atomic: odd while a writer changes something; only grows
  uint32_t reserved0;              // 52 zero
  std::atomic<uint64_t> versions;  // 56 atomic: the last version handed out in this stripe; only grows
};

// The payload of a heap block. The key follows the 80-byte header, padded to 8 bytes, then
// one or two value slots of slot_capacity bytes each.
struct StoreEntry {
  std::atomic<uint64_t> next;             //  0 atomic: offset of the next entry in the bucket, 0 = end
  uint64_t hash;                          //  8 the key's 64-bit hash
  std::atomic<uint64_t> version;          // 16 atomic: changes with every change of value or kind (and
                                          //    at a dead writer's repair), taken from the stripe's
                                          //    counter: never repeats for a key. Stored after the flip
                                          //    of `active` it goes with
  std::atomic<int64_t> expires_ns;        // 24 atomic: CLOCK_MONOTONIC deadline, 0 = never
  uint32_t key_length;                    // 32 bytes of key
  std::atomic<uint32_t> kind;             // 36 atomic: kEntry*
  std::atomic<uint32_t> owner;            // 40 atomic: kEntryPending: computing process id + 1;
                                          //    kEntryFailed: the low 32 bits of the round that failed
  uint32_t slot_capacity;                 // 44 bytes per value slot
  std::atomic<uint32_t> active;           // 48 atomic: the live slot (0 or 1)
  std::atomic<uint32_t> value_length[2];  // 52 atomic: bytes in each slot
  uint32_t slot_count;                    // 60 1 or 2
  uint64_t type_tag;                      // 64 the value's type identity (0: untyped bytes); written
                                          //    before the entry is linked or, for a claim, before
                                          //    `kind`; a value entry never changes it in place
  uint64_t reserved;                      // 72 zero
};

static_assert(sizeof(Stripe) == 64);
static_assert(offsetof(Stripe, sequence) == 48);
static_assert(offsetof(Stripe, versions) == 56);
static_assert(sizeof(StoreEntry) == 80);
static_assert(offsetof(StoreEntry, version) == 16);
static_assert(offsetof(StoreEntry, expires_ns) == 24);
static_assert(offsetof(StoreEntry, kind) == 36);
static_assert(offsetof(StoreEntry, active) == 48);
static_assert(offsetof(StoreEntry, value_length) == 52);
static_assert(offsetof(StoreEntry, slot_count) == 60);
static_assert(offsetof(StoreEntry, type_tag) == 64);

}  // namespace dw::layout

#endif
