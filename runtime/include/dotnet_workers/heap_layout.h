// dotnet-workers: the layout of the region's heap (normative text: docs/protocol.md, "Heap").
//
// Every block starts with a 16-byte BlockHeader; its payload follows, 16-byte aligned.
// Small blocks come in 11 power-of-two sizes (64 B .. 64 KiB, header included), each with
// its own free list and robust mutex; larger blocks are whole pages on one "large" list.
// Fresh blocks are cut from the top of the heap with a compare-and-swap (no lock).
//
// The large list is kept in address order, and a large block given back merges with the
// free large blocks right before and right after it (its neighbours on that list), so the
// list never holds two blocks that touch. See heap.cpp for the crash-safety argument.
#ifndef DOTNET_WORKERS_HEAP_LAYOUT_H
#define DOTNET_WORKERS_HEAP_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "mutex_layout.h"

namespace dw::layout {

inline constexpr uint32_t kSmallClassCount = 11;           // 64 << 0 .. 64 << 10
inline constexpr uint32_t kLargeClass = kSmallClassCount;  // index of the large list
inline constexpr uint64_t kMinBlockSize = 64;
inline constexpr uint64_t kMaxSmallBlockSize = kMinBlockSize << (kSmallClassCount - 1);  // 64 KiB
inline constexpr uint64_t kLargeBlockGranule = 4096;                                     // large blocks are whole pages
inline constexpr uint64_t kBlockHeaderSize = 16;

// BlockHeader::tag: kBlockTag | class index. Anything else at a block start is corruption.
inline constexpr uint32_t kBlockTag = 0xB10C0000u;
inline constexpr uint32_t kBlockTagMask = 0xFFFF0000u;

// BlockHeader::state.
inline constexpr uint32_t kBlockFree = 1;
inline constexpr uint32_t kBlockAllocated = 2;

struct BlockHeader {
  uint32_t tag;                 //  0 kBlockTag | class
  std::atomic<uint32_t> state;  //  4 atomic: kBlockFree / kBlockAllocated
  uint64_t block_size;          //  8 bytes of the whole block, header included
};                              // 16; the payload follows. A free block's payload
                                // starts with the offset of the next free block.
                                // Large blocks: block_size is a multiple of
                                // kLargeBlockGranule (the start need not be).

// One free list. Padded to a 128-byte pair of cache lines, so the lists' locks share
// neither a line nor a pair (x86's adjacent-line prefetcher fetches pairs).
struct SizeClass {
  MutexSlot mutex;                    //  0 robust, process-shared: guards the list
  std::atomic<uint64_t> free_head;    // 48 atomic: offset of the first free block, 0 = none
                                      //    (the large list: the lowest; it is address-ordered)
  std::atomic<uint64_t> free_blocks;  // 56 atomic: blocks on the list
  std::atomic<uint64_t> pending;      // 64 atomic, large list only (zero on the small ones):
                                      //    payload offset of the block the lock's holder is
                                      //    giving back, 0 = none. The next locker after an
                                      //    owner-died finishes that free.
  uint8_t reserved[56];               // 72 zero
};

// `top` is written by every compare-and-swap that cuts a fresh block, the statistics
// counters by every Allocate and Free: they live on different cache lines, the counters'
// line alone in its 128-byte pair (x86's adjacent-line prefetcher fetches pairs).
struct HeapControl {
  std::atomic<uint64_t> top;                //   0 atomic: first never-used byte (region offset)
  uint8_t reserved0[56];                    //   8 zero
  SizeClass classes[kSmallClassCount + 1];  //   64: small classes, then the large list (1472 .. 1599)
  uint8_t reserved1[64];                    // 1600 zero: keeps the counters out of the large list's pair
  std::atomic<uint64_t> used_bytes;         // 1664 atomic: bytes of allocated blocks, headers included
  std::atomic<uint64_t> free_bytes;         // 1672 atomic: bytes of blocks on free lists
  std::atomic<uint64_t> allocations;        // 1680 atomic: blocks ever allocated
  std::atomic<uint64_t> frees;              // 1688 atomic: blocks ever freed
  uint8_t reserved2[4096 - 1696];           // 1696 zero
};

inline constexpr uint64_t kHeapCacheLine = 64;

static_assert(sizeof(BlockHeader) == kBlockHeaderSize);
static_assert(offsetof(BlockHeader, state) == 4);
static_assert(offsetof(BlockHeader, block_size) == 8);
static_assert(sizeof(SizeClass) == 2 * kHeapCacheLine);
static_assert(offsetof(SizeClass, free_head) == 48);
static_assert(offsetof(SizeClass, free_blocks) == 56);
static_assert(offsetof(SizeClass, pending) == 64);
static_assert(sizeof(std::atomic<uint64_t>) == 8 && std::atomic<uint64_t>::is_always_lock_free);
static_assert(offsetof(HeapControl, top) == 0);
static_assert(offsetof(HeapControl, classes) == 64);
static_assert(offsetof(HeapControl, used_bytes) == 1664);
static_assert(offsetof(HeapControl, free_bytes) == 1672);
static_assert(offsetof(HeapControl, allocations) == 1680);
static_assert(offsetof(HeapControl, frees) == 1688);
static_assert(offsetof(HeapControl, used_bytes) % (2 * kHeapCacheLine) == 0 &&
                  offsetof(HeapControl, frees) + 8 <= offsetof(HeapControl, used_bytes) + kHeapCacheLine,
              "the counters share one cache line, and its 128-byte pair with nothing else");
static_assert(offsetof(HeapControl, classes) + sizeof(SizeClass) * (kSmallClassCount + 1) <=
              offsetof(HeapControl, used_bytes) - kHeapCacheLine);
static_assert(sizeof(HeapControl) == 4096);

}  // namespace dw::layout

#endif
