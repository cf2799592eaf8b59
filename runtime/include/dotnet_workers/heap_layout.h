// dotnet-workers: the layout of the region's heap (normative text: docs/protocol.md, "Heap").
//
// Every block starts with a 16-byte BlockHeader; its payload follows, 16-byte aligned.
// Small blocks come in 11 power-of-two sizes (64 B .. 64 KiB, header included), each with
// its own free list and robust mutex; larger blocks are whole pages on one "large" list.
// Fresh blocks are cut from the top of the heap with a compare-and-swap (no lock).
#ifndef DOTNET_WORKERS_HEAP_LAYOUT_H
#define DOTNET_WORKERS_HEAP_LAYOUT_H

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace dw::layout {

inline constexpr uint32_t kSmallClassCount = 11;           // 64 << 0 .. 64 << 10
inline constexpr uint32_t kLargeClass = kSmallClassCount;  // index of the large list
inline constexpr uint64_t kMinBlockSize = 64;
inline constexpr uint64_t kMaxSmallBlockSize = kMinBlockSize << (kSmallClassCount - 1);  // 64 KiB
inline constexpr uint64_t kLargeBlockGranule = 4096;       // large blocks are whole pages
inline constexpr uint64_t kBlockHeaderSize = 16;

// BlockHeader::tag: kBlockTag | class index. Anything else at a block start is corruption.
inline constexpr uint32_t kBlockTag = 0xB10C0000u;
inline constexpr uint32_t kBlockTagMask = 0xFFFF0000u;

// BlockHeader::state.
inline constexpr uint32_t kBlockFree = 1;
inline constexpr uint32_t kBlockAllocated = 2;

struct BlockHeader {
  uint32_t tag;                  //  0 kBlockTag | class
  std::atomic<uint32_t> state;   //  4 atomic: kBlockFree / kBlockAllocated
  uint64_t block_size;           //  8 bytes of the whole block, header included
};                               // 16; the payload follows. A free block's payload
                                 // starts with the offset of the next free block.

// One free list. Padded to a cache line so the lists' locks do not share lines.
struct SizeClass {
  pthread_mutex_t mutex;               //  0 robust, process-shared: guards free_head
  std::atomic<uint64_t> free_head;     // 40 atomic: offset of the first free block, 0 = none
  std::atomic<uint64_t> free_blocks;   // 48 atomic: blocks on the list
  uint64_t reserved;                   // 56 zero
};

struct HeapControl {
  std::atomic<uint64_t> top;           //  0 atomic: first never-used byte (region offset)
  std::atomic<uint64_t> used_bytes;    //  8 atomic: bytes of allocated blocks, headers included
  std::atomic<uint64_t> free_bytes;    // 16 atomic: bytes of blocks on free lists
  std::atomic<uint64_t> allocations;   // 24 atomic: blocks ever allocated
  std::atomic<uint64_t> frees;         // 32 atomic: blocks ever freed
  uint8_t reserved0[24];               // 40 zero
  SizeClass classes[kSmallClassCount + 1];  // 64: small classes, then the large list
  uint8_t reserved1[4096 - 64 - (kSmallClassCount + 1) * 64];  // zero
};

static_assert(sizeof(pthread_mutex_t) == 40, "the layout assumes glibc's x86-64 pthread_mutex_t");
static_assert(sizeof(BlockHeader) == kBlockHeaderSize);
static_assert(offsetof(BlockHeader, state) == 4);
static_assert(offsetof(BlockHeader, block_size) == 8);
static_assert(sizeof(SizeClass) == 64);
static_assert(offsetof(SizeClass, free_head) == 40);
static_assert(offsetof(HeapControl, classes) == 64);
static_assert(sizeof(HeapControl) == 4096);

}  // namespace dw::layout

#endif
