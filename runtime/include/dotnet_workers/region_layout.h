// dotnet-workers: the layout of the shared region. Normative description: docs/protocol.md.
//
// Everything in the region is addressed by offset from the region's base, never by pointer,
// even though every process of a cluster maps the region at the same address: a pointer
// written by one build and read by another (or by a test that maps the region elsewhere)
// would be meaningless.
//
// Changing anything here means bumping kLayoutVersion and updating docs/protocol.md and the
// managed mirror (managed/src/DotnetWorkers/Region/RegionLayout.cs), whose parity test
// compares every offset below with what this header compiles to.
#ifndef DOTNET_WORKERS_REGION_LAYOUT_H
#define DOTNET_WORKERS_REGION_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "heap_layout.h"
#include "objects_layout.h"
#include "queue_layout.h"
#include "service_layout.h"
#include "store_layout.h"
#include "type_names_layout.h"

namespace dw::layout {

// "DWREGION" read as a little-endian 64-bit word.
inline constexpr uint64_t kMagic = 0x4E4F494745525744ull;
inline constexpr uint32_t kLayoutVersion = 8;  // 8: mutexes in fixed 48-byte slots (mutex_layout.h)

inline constexpr uint64_t kHeaderOffset = 0;
inline constexpr uint64_t kHeaderSize = 4096;  // one page; the unused tail stays zero
inline constexpr uint64_t kProcessTableOffset = kHeaderSize;
inline constexpr uint32_t kProcessCapacity = 1024;  // ids 0..1023: the primary and up to 1023 workers
inline constexpr uint64_t kProcessEntrySize = 128;  // two cache lines per process
inline constexpr uint64_t kProcessTableSize = kProcessCapacity * kProcessEntrySize;
inline constexpr uint64_t kMinRegionSize = 16ull << 20;  // the fixed sections (~4.5 MiB) + a heap
inline constexpr uint32_t kRoleCapacity = 32;            // role names are 1..31 bytes, NUL-terminated

// Region flags (RegionHeader::flags).
inline constexpr uint32_t kFlagSpawned = 1u << 0;  // workers were started by exec (--spawn)
inline constexpr uint32_t kFlagPrivate = 1u << 1;  // single-process fallback: no launcher

// RegionHeader::shutdown_state values; the word is also a futex.
inline constexpr uint32_t kRunning = 0;
inline constexpr uint32_t kShutdownRequested = 1;

// RegionHeader::shutdown_reason values.
inline constexpr uint32_t kReasonNone = 0;
inline constexpr uint32_t kReasonPrimaryExited = 1;
inline constexpr uint32_t kReasonSignal = 2;
inline constexpr uint32_t kReasonWorkerFailed = 3;
inline constexpr uint32_t kReasonRequested = 4;

// ProcessEntry::state values.
inline constexpr uint32_t kProcessFree = 0;      // no process has this id
inline constexpr uint32_t kProcessStarting = 1;  // forked, runtime booting
inline constexpr uint32_t kProcessRunning = 2;   // the managed library has bound to the region
inline constexpr uint32_t kProcessStopping = 3;  // shutdown requested, not yet exited
inline constexpr uint32_t kProcessExited = 4;    // exited on its own (exit_status = exit code)
inline constexpr uint32_t kProcessKilled = 5;    // died by a signal (exit_status = -signal)
inline constexpr uint32_t kProcessReviving = 6;  // dead, to be started again (--on-worker-exit=revive)
inline constexpr uint32_t kProcessRequested =
    7;  // a free id claimed for a new worker (StartWorkersAsync), role written

// Offset 0. Written once by the creator before any other process exists, except the
// fields marked atomic, which change while the cluster runs.
struct RegionHeader {
  uint64_t magic;                         //  0 kMagic
  uint32_t layout_version;                //  8 kLayoutVersion
  uint32_t format_word;                   // 12 FormatWord() of the writer
  uint64_t region_size;                   // 16 bytes reserved, including this header
  uint64_t base_address;                  // 24 where every process maps the region
  uint32_t launcher_pid;                  // 32 the supervisor (0 for a private region)
  uint32_t process_capacity;              // 36 entries in the process table
  uint32_t worker_count;                  // 40 workers started with the cluster (ids 1..N)
  uint32_t flags;                         // 44 kFlag*
  uint64_t process_table_offset;          // 48
  uint64_t created_unix_ns;               // 56 CLOCK_REALTIME at creation
  std::atomic<uint32_t> shutdown_state;   // 64 atomic, futex: kRunning / kShutdownRequested
  std::atomic<uint32_t> shutdown_reason;  // 68 atomic: kReason*
  // Where each section starts (region offsets), from Sections below; checked on attach.
  uint64_t holdings_offset;           // 72 kProcessCapacity x kHoldingsPerProcess Holding
  uint64_t heap_control_offset;       // 80 HeapControl
  uint64_t objects_control_offset;    // 88 ObjectsControl
  uint64_t stripes_offset;            // 96 kStripeCount Stripe
  uint64_t buffers_offset;            // 104 kBufferCapacity BufferEntry
  uint64_t locks_offset;              // 112 kLockCapacity LockEntry, then their held counts
  uint64_t buckets_offset;            // 120 bucket_count atomic uint64 (entry offsets)
  uint64_t bucket_bitmap_offset;      // 128 one bit per page of buckets that was ever used
  uint32_t bucket_count;              // 136 a power of two
  std::atomic<uint32_t> corrupt;      // 140 atomic: sticky; non-zero once a check found damage
  uint64_t heap_offset;               // 144 first byte of the heap (page-aligned)
  uint64_t heap_end;                  // 152 = region_size
  std::atomic<uint64_t> entry_count;  // 160 atomic: store entries linked in buckets
  uint64_t hash_seed;                 // 168 random, per region: keys' hashes cannot be predicted
  uint64_t queues_offset;             // 176 kQueueCapacity QueueEntry
  uint64_t doorbells_offset;          // 184 kProcessCapacity Doorbell
  uint64_t services_offset;           // 192 kServiceCapacity ServiceEntry
  uint64_t type_names_offset;         // 200 kTypeNameCapacity TypeNameEntry
  std::atomic<uint64_t>
      claims_settled;         // 208 atomic: +1 whenever a GetOrSet claim ends (resolved, failed, abandoned, replaced)
  uint8_t reserved0[40];      // 216 zero
  ProcessSet claim_watchers;  // 256 atomic: processes whose dispatcher waits for a claim to end
  uint8_t reserved[kHeaderSize - 384];  // 384 zero
};

// ProcessEntry::last_exit_cause values: why the id's previous process ended.
inline constexpr uint32_t kExitCauseNone = 0;      // no process with this id has ended
inline constexpr uint32_t kExitCauseFinished = 1;  // exited with 0
inline constexpr uint32_t kExitCauseFailed = 2;    // killed by a signal or exited non-zero
inline constexpr uint32_t kExitCauseMemory = 3;    // restarted: its memory passed --max-memory
inline constexpr uint32_t kExitCauseRequested =
    4;  // restarted on request (the CLI's restart, Cluster.RestartWorkerAsync)

// One per process id, at kProcessTableOffset + id * kProcessEntrySize. Line 0 is this
// process's life; line 1 is what the launcher knows about the id's earlier lives.
struct ProcessEntry {
  std::atomic<uint32_t> state;            //  0 atomic, futex: kProcess*
  std::atomic<uint32_t> pid;              //  4 atomic: OS process id (0 until forked)
  uint32_t id;                            //  8 this entry's index
  std::atomic<int32_t> exit_status;       // 12 atomic: exit code, or -signal
  std::atomic<uint64_t> started_ns;       // 16 atomic: CLOCK_MONOTONIC at fork
  std::atomic<uint64_t> ready_ns;         // 24 atomic: CLOCK_MONOTONIC when the library bound
  char role[kRoleCapacity];               // 32 NUL-terminated role name
  std::atomic<uint32_t> restarts;         // 64 atomic: times the launcher started this id again
  std::atomic<int32_t> last_exit_status;  // 68 atomic: how the id's previous process ended (code, or -signal)
  std::atomic<uint32_t> last_exit_cause;  // 72 atomic: kExitCause*
  uint8_t reserved[52];                   // 76 zero
};

static_assert(sizeof(std::atomic<uint32_t>) == 4 && std::atomic<uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<uint64_t>) == 8 && std::atomic<uint64_t>::is_always_lock_free);

static_assert(offsetof(RegionHeader, magic) == 0);
static_assert(offsetof(RegionHeader, layout_version) == 8);
static_assert(offsetof(RegionHeader, format_word) == 12);
static_assert(offsetof(RegionHeader, region_size) == 16);
static_assert(offsetof(RegionHeader, base_address) == 24);
static_assert(offsetof(RegionHeader, launcher_pid) == 32);
static_assert(offsetof(RegionHeader, process_capacity) == 36);
static_assert(offsetof(RegionHeader, worker_count) == 40);
static_assert(offsetof(RegionHeader, flags) == 44);
static_assert(offsetof(RegionHeader, process_table_offset) == 48);
static_assert(offsetof(RegionHeader, created_unix_ns) == 56);
static_assert(offsetof(RegionHeader, shutdown_state) == 64);
static_assert(offsetof(RegionHeader, shutdown_reason) == 68);
static_assert(offsetof(RegionHeader, holdings_offset) == 72);
static_assert(offsetof(RegionHeader, heap_control_offset) == 80);
static_assert(offsetof(RegionHeader, objects_control_offset) == 88);
static_assert(offsetof(RegionHeader, stripes_offset) == 96);
static_assert(offsetof(RegionHeader, buffers_offset) == 104);
static_assert(offsetof(RegionHeader, locks_offset) == 112);
static_assert(offsetof(RegionHeader, buckets_offset) == 120);
static_assert(offsetof(RegionHeader, bucket_bitmap_offset) == 128);
static_assert(offsetof(RegionHeader, bucket_count) == 136);
static_assert(offsetof(RegionHeader, corrupt) == 140);
static_assert(offsetof(RegionHeader, heap_offset) == 144);
static_assert(offsetof(RegionHeader, heap_end) == 152);
static_assert(offsetof(RegionHeader, entry_count) == 160);
static_assert(offsetof(RegionHeader, hash_seed) == 168);
static_assert(offsetof(RegionHeader, queues_offset) == 176);
static_assert(offsetof(RegionHeader, doorbells_offset) == 184);
static_assert(offsetof(RegionHeader, services_offset) == 192);
static_assert(offsetof(RegionHeader, type_names_offset) == 200);
static_assert(offsetof(RegionHeader, claims_settled) == 208);
static_assert(offsetof(RegionHeader, claim_watchers) == 256);
static_assert(sizeof(RegionHeader) == kHeaderSize);

static_assert(offsetof(ProcessEntry, state) == 0);
static_assert(offsetof(ProcessEntry, pid) == 4);
static_assert(offsetof(ProcessEntry, id) == 8);
static_assert(offsetof(ProcessEntry, exit_status) == 12);
static_assert(offsetof(ProcessEntry, started_ns) == 16);
static_assert(offsetof(ProcessEntry, ready_ns) == 24);
static_assert(offsetof(ProcessEntry, role) == 32);
static_assert(offsetof(ProcessEntry, restarts) == 64);
static_assert(offsetof(ProcessEntry, last_exit_status) == 68);
static_assert(offsetof(ProcessEntry, last_exit_cause) == 72);
static_assert(sizeof(ProcessEntry) == kProcessEntrySize);

// Where every section lives in a region of `region_size` bytes. Fixed sections first, then
// the store's buckets (sized from the region), then the heap up to the end. Pure: the
// creator writes it into the header and every attaching process recomputes and compares.
struct Sections {
  uint64_t holdings_offset = 0;
  uint64_t heap_control_offset = 0;
  uint64_t objects_control_offset = 0;
  uint64_t stripes_offset = 0;
  uint64_t buffers_offset = 0;
  uint64_t locks_offset = 0;
  uint64_t queues_offset = 0;
  uint64_t doorbells_offset = 0;
  uint64_t services_offset = 0;
  uint64_t type_names_offset = 0;
  uint64_t buckets_offset = 0;
  uint64_t bucket_bitmap_offset = 0;
  uint32_t bucket_count = 0;
  uint64_t heap_offset = 0;
  uint64_t heap_end = 0;
};

inline constexpr uint64_t kPage = 4096;

constexpr uint64_t PageAlign(uint64_t n) { return (n + kPage - 1) / kPage * kPage; }

constexpr Sections ComputeSections(uint64_t region_size) {
  Sections s;
  uint64_t at = kProcessTableOffset + kProcessTableSize;
  s.holdings_offset = at;
  at = PageAlign(at + uint64_t{kProcessCapacity} * kHoldingsPerProcess * sizeof(Holding));
  s.heap_control_offset = at;
  at = PageAlign(at + sizeof(HeapControl));
  s.objects_control_offset = at;
  at = PageAlign(at + sizeof(ObjectsControl));
  s.stripes_offset = at;
  at = PageAlign(at + uint64_t{kStripeCount} * sizeof(Stripe));
  s.buffers_offset = at;
  at = PageAlign(at + uint64_t{kBufferCapacity} * sizeof(BufferEntry));
  s.locks_offset = at;
  // Then, per lock, one uint16 per process: the semaphore permits each process holds.
  at = PageAlign(at + uint64_t{kLockCapacity} * (sizeof(LockEntry) + kProcessCapacity * sizeof(uint16_t)));
  s.queues_offset = at;
  at = PageAlign(at + uint64_t{kQueueCapacity} * sizeof(QueueEntry));
  s.doorbells_offset = at;
  at = PageAlign(at + uint64_t{kProcessCapacity} * sizeof(Doorbell));
  s.services_offset = at;
  at = PageAlign(at + uint64_t{kServiceCapacity} * sizeof(ServiceEntry));
  s.type_names_offset = at;
  at = PageAlign(at + uint64_t{kTypeNameCapacity} * sizeof(TypeNameEntry));
  // One bucket per 4 KiB of region, a power of two between kMinBucketCount and 4M.
  uint64_t buckets = kMinBucketCount;
  while (buckets < kMaxBucketCount && buckets * 2 <= region_size / 4096) buckets *= 2;
  s.bucket_count = static_cast<uint32_t>(buckets);
  s.buckets_offset = at;
  at = PageAlign(at + buckets * 8);
  s.bucket_bitmap_offset = at;
  at = PageAlign(at + (buckets / kBucketsPerPage + 7) / 8);
  s.heap_offset = at;
  s.heap_end = region_size;
  return s;
}

static_assert(ComputeSections(kMinRegionSize).heap_offset < kMinRegionSize / 2,
              "the minimum region leaves at least half of itself to the heap");

// LMDB's idea: a word computed from the sizes and alignments of every shared type, so
// two builds that agree on the version number but not on the layout (a different
// compiler, a hand edit without a version bump) refuse to attach to each other.
constexpr uint32_t FormatWord() {
  const uint64_t parts[] = {
      sizeof(void*),
      sizeof(RegionHeader),
      alignof(RegionHeader),
      sizeof(ProcessEntry),
      alignof(ProcessEntry),
      kProcessCapacity,
      kRoleCapacity,
      offsetof(RegionHeader, shutdown_state),
      offsetof(ProcessEntry, role),
      sizeof(MutexSlot),
      sizeof(BlockHeader),
      sizeof(HeapControl),
      kSmallClassCount,
      sizeof(Stripe),
      sizeof(StoreEntry),
      kStripeCount,
      kMaxKeyLength,
      sizeof(ObjectsControl),
      sizeof(BufferEntry),
      sizeof(LockEntry),
      sizeof(Holding),
      kBufferCapacity,
      kLockCapacity,
      kHoldingsPerProcess,
      kMaxNameLength,
      kMaxChainLength,
      offsetof(RegionHeader, hash_seed),
      offsetof(Stripe, versions),
      sizeof(QueueEntry),
      sizeof(QueueCell),
      sizeof(Doorbell),
      kQueueCapacity,
      offsetof(RegionHeader, queues_offset),
      offsetof(Doorbell, calls_in_flight),
      offsetof(Doorbell, polling),
      sizeof(ServiceEntry),
      kServiceCapacity,
      kMaxServiceNameLength,
      offsetof(RegionHeader, services_offset),
      offsetof(QueueEntry, type_tag),
      offsetof(ServiceEntry, type_tag),
      offsetof(QueueEntry, room_watchers),
      offsetof(LockEntry, watchers),
      offsetof(RegionHeader, claim_watchers),
      offsetof(HeapControl, used_bytes),
      offsetof(SizeClass, pending),
      sizeof(TypeNameEntry),
      kTypeNameCapacity,
      offsetof(RegionHeader, type_names_offset),
      offsetof(ServiceEntry, generation),
      offsetof(ProcessEntry, restarts),
      offsetof(Doorbell, calls_served),
      offsetof(Doorbell, gc_heap_bytes),
  };
  uint32_t h = 2166136261u;  // FNV-1a over the parts
  for (uint64_t p : parts) {
    for (int i = 0; i < 8; ++i) {
      h ^= static_cast<uint8_t>(p >> (8 * i));
      h *= 16777619u;
    }
  }
  return h;
}

}  // namespace dw::layout

#endif
