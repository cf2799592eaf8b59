// The keyed store: byte values under byte keys, in the region, shared by every process.
//
// Readers never lock and never wait for a writer: they read the stripe's sequence (odd or
// even), walk the chain, copy the value, and retry only if the sequence moved meanwhile (a
// writer finished or began, and may have freed what they read). Writers lock the stripe's
// robust mutex and keep every change either a single atomic store (linking, unlinking,
// flipping a value slot, then its version; a claim's kind) or invisible until one (a value
// written to the inactive slot, an entry written in full before it is linked), and free
// what they unlinked only after their critical section ends. So a reader may read while a
// writer is inside, even one stopped there for good, and gets the last committed value (or
// the writer's new one, whole, once its publishing store is done). A writer killed at any
// instruction leaves no torn entry: the next locker gets "owner died", checks the stripe's
// chains and gives its values new versions (an optimistic Update based on a read from
// before the crash fails and reads again). See docs/protocol.md, "Store".
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

struct StoreKey {
  const uint8_t* bytes = nullptr;
  uint32_t length = 0;
  uint64_t hash = 0;
};

// Validates a key (1..kMaxKeyLength bytes) and hashes it with the region's seed.
dw_status MakeStoreKey(const Region& region, const uint8_t* bytes, uint32_t length, StoreKey* key) noexcept;

// Copies the value of `key` into `buffer`. DW_E_NOT_FOUND if absent (or expired, or only a
// pending GetOrSet); DW_E_BUFFER_TOO_SMALL with *length = the size needed.
// *type (if not null) is the value's type identity (SetRequest::type).
dw_status StoreGet(Region& region, const StoreKey& key, uint8_t* buffer, uint32_t capacity, uint32_t* length,
                   uint64_t* version, uint64_t* type = nullptr) noexcept;

// One attempt of StoreGet that never waits and never records an error: DW_E_TIMEOUT ("use
// StoreGet") if the read raced a writer's start or end (the sequence moved), the chain is
// longer than a quick read follows, the value does not fit or the region is corrupt. A
// writer merely being in the stripe is no reason to give up. For callers that must not
// block, even briefly.
dw_status StoreTryGetOnce(Region& region, const StoreKey& key, uint8_t* buffer, uint32_t capacity, uint32_t* length,
                          uint64_t* version, uint64_t* type = nullptr) noexcept;

enum class SetMode : uint32_t {
  kAlways = 0,     // Set
  kIfAbsent = 1,   // TryAdd
  kIfVersion = 2,  // optimistic Update: only if the entry's version is still `expected_version`
  kIfEqual = 3,    // CompareExchange: only if the value's bytes equal `expected`
};

struct SetRequest {
  const uint8_t* value = nullptr;
  uint32_t length = 0;
  int64_t ttl_ns = 0;  // > 0: expires that long from now; otherwise never
  SetMode mode = SetMode::kAlways;
  uint64_t expected_version = 0;
  const uint8_t* expected = nullptr;
  uint32_t expected_length = 0;
  // The value's type identity (0: untyped bytes), stored with it and returned by reads.
  // kIfEqual compares it as well as the bytes: a value of another type is not equal.
  uint64_t type = 0;
};

// Writes `key`. *applied says whether the mode's condition held; *version is the entry's
// version afterwards (or the current one when not applied; 0 if absent). Versions come from
// the stripe's counter: a key's versions never repeat, even across removal and re-creation.
// A version read by StoreGet is never newer than the value read with it (it can be older,
// if a writer was between its two stores: then a kIfVersion write based on it fails).
// DW_E_CAPACITY if a new key would make its bucket's chain longer than kMaxChainLength.
dw_status StoreSet(Region& region, const StoreKey& key, const SetRequest& request, bool* applied,
                   uint64_t* version) noexcept;

dw_status StoreRemove(Region& region, const StoreKey& key, bool* removed) noexcept;

// Adds `delta` to the 64-bit little-endian counter under `key` (created at 0, with type
// identity `type`, if absent) and returns the new value. DW_E_NOT_A_COUNTER if the value is
// not 8 bytes; DW_E_TYPE_MISMATCH with *existing_type if it has another type identity.
dw_status StoreIncrement(Region& region, const StoreKey& key, int64_t delta, int64_t* result, uint64_t type = 0,
                         uint64_t* existing_type = nullptr) noexcept;

// GetOrSet. A claim says what the key holds, or makes this process compute it.
enum class ClaimState : uint32_t {
  kValue = 1,    // the value was copied out
  kPending = 2,  // another process computes it: wait, then claim again with *round
  kOwned = 3,    // this process must compute it, then StoreResolve with (*round, *ref)
  kFailed = 4,   // the computation this caller waited for (waited_round) failed; message copied out
};

// `waited_round`: the round a caller saw pending before (0 on the first call).
// `type`: the type identity of the value this caller would compute (the claim keeps it for
// the value); *found_type (if not null) is the type of a value found (kValue).
dw_status StoreClaim(Region& region, const StoreKey& key, uint64_t waited_round, uint8_t* buffer, uint32_t capacity,
                     uint32_t* length, ClaimState* state, uint64_t* round, uint64_t* ref, uint64_t type = 0,
                     uint64_t* found_type = nullptr) noexcept;

enum class ClaimOutcome : uint32_t { kValue = 1, kFailed = 2, kAbandoned = 3 };

// Ends this process's claim: the value (or the failure message) replaces the pending entry,
// unless something else replaced it meanwhile (a Set wins over a computation).
dw_status StoreResolve(Region& region, const StoreKey& key, uint64_t round, uint64_t ref, ClaimOutcome outcome,
                       const uint8_t* bytes, uint32_t length, int64_t ttl_ns) noexcept;

// Process `id` waits (`watch`) for GetOrSet claims to end, or stops: its doorbell is rung
// and RegionHeader::claims_settled moves whenever one ends (resolved, failed, abandoned, or
// replaced by a Set or Remove), and its waiters look again at their own keys.
void WatchClaims(Region& region, uint32_t id, bool watch) noexcept;

// The launcher, for a dead process: its pending claim on the entry at `ref` becomes
// abandoned, so a waiter takes over.
void AbandonClaim(Region& region, uint32_t dead_id, uint64_t ref) noexcept;

// Enumerates keys starting with `prefix` from bucket *cursor on: each as a uint32 length
// then its bytes (with `details`, then the value's length, uint32, and its expiry, int64
// CLOCK_MONOTONIC ns or 0), into `buffer`. *cursor is where to continue (bucket_count when done).
dw_status StoreKeys(Region& region, const uint8_t* prefix, uint32_t prefix_length, uint64_t* cursor, uint8_t* buffer,
                    uint32_t capacity, uint32_t* used, uint32_t* count, bool details = false) noexcept;

// Values in the store (entries holding a value, including expired ones not yet removed).
uint64_t StoreCount(const Region& region) noexcept;

}  // namespace dw
