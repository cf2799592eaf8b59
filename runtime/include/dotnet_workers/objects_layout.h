// dotnet-workers: named buffers, named locks and per-process holdings
// (normative text: docs/protocol.md, "Buffers", "Locks", "Holdings").
#ifndef DOTNET_WORKERS_OBJECTS_LAYOUT_H
#define DOTNET_WORKERS_OBJECTS_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "mutex_layout.h"
#include "process_set_layout.h"

namespace dw::layout {

inline constexpr uint32_t kBufferCapacity = 4096;     // named buffers alive at once
inline constexpr uint32_t kLockCapacity = 256;        // named mutexes and semaphores
inline constexpr uint32_t kMaxNameLength = 128;       // bytes of UTF-8, buffers and locks
inline constexpr uint32_t kHoldingsPerProcess = 256;  // buffers + pending GetOrSets one process holds at once

// Table entry states (BufferEntry::state, LockEntry::state).
inline constexpr uint32_t kSlotEmpty = 0;  // never used: ends a probe sequence
inline constexpr uint32_t kSlotLive = 1;
inline constexpr uint32_t kSlotDeleted = 2;  // tombstone: probing continues past it

// LockEntry::kind.
inline constexpr uint32_t kLockMutex = 1;
inline constexpr uint32_t kLockSemaphore = 2;

// Mutex word values besides "owner process id + 1".
inline constexpr uint32_t kMutexFree = 0;
inline constexpr uint32_t kMutexAbandoned = 0x80000000u;  // free; its last owner died holding it

// Holding::kind.
inline constexpr uint32_t kHoldNone = 0;
inline constexpr uint32_t kHoldBuffer = 1;   // ref = buffer table index, count = references
inline constexpr uint32_t kHoldPending = 3;  // ref = offset of a pending StoreEntry, count = 1

// Guards the named-object tables' structure (create, open, release), one mutex a table (each
// on its own cache line). Reads of a live buffer's bytes, lock acquisition and messages never
// take them.
struct ObjectsControl {
  MutexSlot buffers_mutex;   //   0 robust, process-shared
  uint8_t reserved0[16];     //  48
  MutexSlot locks_mutex;     //  64 robust, process-shared
  uint8_t reserved1[16];     // 112
  MutexSlot queues_mutex;    // 128 robust, process-shared
  uint8_t reserved2[16];     // 176
  MutexSlot services_mutex;  // 192 robust, process-shared
  uint8_t reserved3[16];     // 240
};

struct BufferEntry {
  uint64_t name_hash;           //  0
  uint64_t name_offset;         //  8 heap payload holding the name's bytes
  uint64_t data_offset;         // 16 heap payload holding the buffer's bytes
  uint64_t size;                // 24 bytes the creator asked for
  std::atomic<uint32_t> refs;   // 32 atomic: references held, all processes together
  std::atomic<uint32_t> state;  // 36 atomic: kSlot*
  uint32_t name_length;         // 40
  uint32_t generation;          // 44 +1 each time the slot is reused
  uint64_t reserved[2];         // 48 zero
};

// A named mutex: `word` is the owner's process id + 1, so a dead owner is found by scanning
// the table, and acquiring is one compare-and-swap. A named semaphore: `word` is the permits
// available; `mutex` guards it together with the per-process counts in `held` (the locks'
// held section), so a holder dying mid-operation is repaired by recounting.
struct LockEntry {
  uint64_t name_hash;               //   0
  std::atomic<uint32_t> state;      //   8 atomic: kSlot*
  uint32_t kind;                    //  12 kLockMutex / kLockSemaphore
  std::atomic<uint32_t> word;       //  16 atomic, futex: see above
  std::atomic<uint32_t> waiters;    //  20 atomic: threads sleeping on `word`
  uint32_t max_count;               //  24 semaphore: permits in all; mutex: 1
  std::atomic<uint32_t> abandoned;  //  28 atomic: semaphore permits taken back from dead holders, not yet reported
  uint32_t name_length;             //  32
  uint32_t reserved0;               //  36
  MutexSlot mutex;                  //  40 robust, process-shared: semaphores only
  char name[kMaxNameLength];        //  88
  uint8_t reserved1[256 - 88 - kMaxNameLength];
  ProcessSet watchers;  // 256 atomic: processes whose dispatcher waits (async) for a hold to come free
};

// What one process holds (buffer references, pending GetOrSets), so that the launcher can
// give it back when the process dies. Written only by the process itself (under a lock of
// its own) and read by the launcher only after the process has died. `kind` is written last when a slot is filled and
// first when it is emptied, so a slot with a kind always has a valid ref and count.
struct Holding {
  std::atomic<uint32_t> kind;   //  0 atomic: kHold*
  std::atomic<uint32_t> count;  //  4 atomic: how many times (buffer refs, semaphore permits)
  std::atomic<uint64_t> ref;    //  8 atomic: what, per kind
};

static_assert(sizeof(ObjectsControl) == 256);
static_assert(offsetof(ObjectsControl, locks_mutex) == 64);
static_assert(offsetof(ObjectsControl, queues_mutex) == 128);
static_assert(offsetof(ObjectsControl, services_mutex) == 192);
static_assert(sizeof(BufferEntry) == 64);
static_assert(offsetof(BufferEntry, refs) == 32);
static_assert(sizeof(LockEntry) == 384);
static_assert(offsetof(LockEntry, watchers) == 256);
static_assert(offsetof(LockEntry, word) == 16);
static_assert(offsetof(LockEntry, mutex) == 40);
static_assert(offsetof(LockEntry, name) == 88);
static_assert(sizeof(Holding) == 16);

}  // namespace dw::layout

#endif
