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

namespace dw::layout {

// "DWREGION" read as a little-endian 64-bit word.
inline constexpr uint64_t kMagic = 0x4E4F494745525744ull;
inline constexpr uint32_t kLayoutVersion = 1;

inline constexpr uint64_t kHeaderOffset = 0;
inline constexpr uint64_t kHeaderSize = 4096;  // one page; the unused tail stays zero
inline constexpr uint64_t kProcessTableOffset = kHeaderSize;
inline constexpr uint32_t kProcessCapacity = 1024;  // ids 0..1023: the primary and up to 1023 workers
inline constexpr uint64_t kProcessEntrySize = 64;   // one cache line per process
inline constexpr uint64_t kProcessTableSize = kProcessCapacity * kProcessEntrySize;
inline constexpr uint64_t kMinRegionSize = 1ull << 20;  // header + table + room to grow
inline constexpr uint32_t kRoleCapacity = 32;         // role names are 1..31 bytes, NUL-terminated

// Region flags (RegionHeader::flags).
inline constexpr uint32_t kFlagSpawned = 1u << 0;   // workers were started by exec (--spawn)
inline constexpr uint32_t kFlagPrivate = 1u << 1;   // single-process fallback: no launcher

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

// Offset 0. Written once by the creator before any other process exists, except the
// fields marked atomic, which change while the cluster runs.
struct RegionHeader {
  uint64_t magic;                          //  0 kMagic
  uint32_t layout_version;                 //  8 kLayoutVersion
  uint32_t format_word;                    // 12 FormatWord() of the writer
  uint64_t region_size;                    // 16 bytes reserved, including this header
  uint64_t base_address;                   // 24 where every process maps the region
  uint32_t launcher_pid;                   // 32 the supervisor (0 for a private region)
  uint32_t process_capacity;               // 36 entries in the process table
  uint32_t worker_count;                   // 40 workers started with the cluster (ids 1..N)
  uint32_t flags;                          // 44 kFlag*
  uint64_t process_table_offset;           // 48
  uint64_t created_unix_ns;                // 56 CLOCK_REALTIME at creation
  std::atomic<uint32_t> shutdown_state;    // 64 atomic, futex: kRunning / kShutdownRequested
  std::atomic<uint32_t> shutdown_reason;   // 68 atomic: kReason*
  uint8_t reserved[kHeaderSize - 72];      // 72 zero
};

// One per process id, at kProcessTableOffset + id * kProcessEntrySize.
struct ProcessEntry {
  std::atomic<uint32_t> state;             //  0 atomic, futex: kProcess*
  std::atomic<uint32_t> pid;               //  4 atomic: OS process id (0 until forked)
  uint32_t id;                             //  8 this entry's index
  std::atomic<int32_t> exit_status;        // 12 atomic: exit code, or -signal
  std::atomic<uint64_t> started_ns;        // 16 atomic: CLOCK_MONOTONIC at fork
  std::atomic<uint64_t> ready_ns;          // 24 atomic: CLOCK_MONOTONIC when the library bound
  char role[kRoleCapacity];                // 32 NUL-terminated role name
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
static_assert(sizeof(RegionHeader) == kHeaderSize);

static_assert(offsetof(ProcessEntry, state) == 0);
static_assert(offsetof(ProcessEntry, pid) == 4);
static_assert(offsetof(ProcessEntry, id) == 8);
static_assert(offsetof(ProcessEntry, exit_status) == 12);
static_assert(offsetof(ProcessEntry, started_ns) == 16);
static_assert(offsetof(ProcessEntry, ready_ns) == 24);
static_assert(offsetof(ProcessEntry, role) == 32);
static_assert(sizeof(ProcessEntry) == kProcessEntrySize);

// LMDB's idea: a word computed from the sizes and alignments of every shared type, so
// two builds that agree on the version number but not on the layout (a different
// compiler, a hand edit without a version bump) refuse to attach to each other.
constexpr uint32_t FormatWord() {
  const uint64_t parts[] = {
      sizeof(void*),          sizeof(RegionHeader), alignof(RegionHeader),
      sizeof(ProcessEntry),   alignof(ProcessEntry), kProcessCapacity,
      kRoleCapacity,          offsetof(RegionHeader, shutdown_state),
      offsetof(ProcessEntry, role),
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
