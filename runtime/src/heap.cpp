#include "heap.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>

#include <sys/mman.h>

#include "last_error.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

L::HeapControl* Control(const Region& r) { return r.At<L::HeapControl>(r.header()->heap_control_offset); }

L::BlockHeader* HeaderOf(const Region& r, uint64_t payload) {
  return r.At<L::BlockHeader>(payload - L::kBlockHeaderSize);
}

// The next-free link lives in the first 8 bytes of a free block's payload.
std::atomic<uint64_t>* NextOf(const Region& r, uint64_t payload) { return r.At<std::atomic<uint64_t>>(payload); }

uint32_t SmallClassOf(uint64_t block_size) {
  uint32_t k = 0;
  while ((L::kMinBlockSize << k) < block_size) ++k;
  return k;
}

// Checks that `payload` is the payload of a well-formed block of class `klass` (and, for a
// block found on a free list, that it is marked free).
bool ValidBlock(const Region& r, uint64_t payload, uint32_t klass, bool must_be_free = false) {
  if ((payload & 15) != 0 || payload < L::kBlockHeaderSize ||
      !r.InHeap(payload - L::kBlockHeaderSize, L::kBlockHeaderSize + 8)) {
    return false;
  }
  const L::BlockHeader* b = HeaderOf(r, payload);
  if (b->tag != (L::kBlockTag | klass)) return false;
  if (must_be_free && b->state.load(std::memory_order_relaxed) != L::kBlockFree) return false;
  return b->block_size >= L::kMinBlockSize && r.InHeap(payload - L::kBlockHeaderSize, b->block_size);
}

// Locks a free list. A holder that died left the list well formed (single-store updates);
// the head is still checked before the list is trusted again.
dw_status LockClass(Region& r, uint32_t klass) {
  L::SizeClass& c = Control(r)->classes[klass];
  switch (LockRobust(&c.mutex)) {
    case LockResult::kAcquired:
      return DW_OK;
    case LockResult::kOwnerDied: {
      uint64_t head = c.free_head.load(std::memory_order_acquire);
      if (head != 0 && !ValidBlock(r, head, klass, true)) {
        c.free_head.store(0, std::memory_order_release);  // drop the list: leak, never follow damage
      }
      MarkConsistent(&c.mutex);
      return DW_OK;
    }
    default:
      return r.Corrupt("a heap free list's lock is unrecoverable");
  }
}

// Cuts a fresh block from the top. Lock-free; a process dying after the swap leaks the
// block (its header may be unwritten), nothing else.
dw_status CarveFromTop(Region& r, uint64_t block_size, uint32_t klass, uint64_t asked, uint64_t* payload) {
  L::HeapControl* control = Control(r);
  const uint64_t end = r.header()->heap_end;
  uint64_t top = control->top.load(std::memory_order_relaxed);
  do {
    if (top > end || block_size > end - top) {
      const uint64_t never_used = top < end ? end - top : 0;
      const uint64_t free_bytes = control->free_bytes.load(std::memory_order_relaxed);
      return Fail(DW_E_EXHAUSTED,
                  "the shared region is full: asked for %" PRIu64 " bytes, %" PRIu64
                  " bytes left (%" PRIu64 " never used, %" PRIu64 " free in blocks of other sizes)",
                  asked, never_used + free_bytes, never_used, free_bytes);
    }
  } while (!control->top.compare_exchange_weak(top, top + block_size, std::memory_order_acq_rel,
                                               std::memory_order_relaxed));
  L::BlockHeader* b = r.At<L::BlockHeader>(top);
  b->tag = L::kBlockTag | klass;
  b->block_size = block_size;
  b->state.store(L::kBlockAllocated, std::memory_order_release);
  *payload = top + L::kBlockHeaderSize;
  return DW_OK;
}

void Account(L::HeapControl* control, uint64_t block_size, bool from_free_list) {
  control->used_bytes.fetch_add(block_size, std::memory_order_relaxed);
  if (from_free_list) control->free_bytes.fetch_sub(block_size, std::memory_order_relaxed);
  control->allocations.fetch_add(1, std::memory_order_relaxed);
}

dw_status AllocateSmall(Region& r, uint64_t bytes, uint64_t block_size, uint64_t* payload) {
  const uint32_t klass = SmallClassOf(block_size);
  block_size = L::kMinBlockSize << klass;
  L::SizeClass& c = Control(r)->classes[klass];
  if (dw_status s = LockClass(r, klass); s != DW_OK) return s;
  uint64_t head = c.free_head.load(std::memory_order_acquire);
  if (head != 0) {
    if (!ValidBlock(r, head, klass, true)) {
      UnlockRobust(&c.mutex);
      return r.Corrupt("a heap free list points at something that is not a free block");
    }
    c.free_head.store(NextOf(r, head)->load(std::memory_order_relaxed), std::memory_order_release);
    c.free_blocks.fetch_sub(1, std::memory_order_relaxed);
    CrashPoint("heap.small.popped");
    UnlockRobust(&c.mutex);
    HeaderOf(r, head)->state.store(L::kBlockAllocated, std::memory_order_release);
    Account(Control(r), block_size, true);
    *payload = head;
    return DW_OK;
  }
  UnlockRobust(&c.mutex);
  if (dw_status s = CarveFromTop(r, block_size, klass, bytes, payload); s != DW_OK) return s;
  Account(Control(r), block_size, false);
  return DW_OK;
}

dw_status AllocateLarge(Region& r, uint64_t bytes, uint64_t block_size, uint64_t* payload) {
  L::SizeClass& c = Control(r)->classes[L::kLargeClass];
  if (dw_status s = LockClass(r, L::kLargeClass); s != DW_OK) return s;
  // First fit. The walk is bounded by how many large blocks the heap could hold at all
  // (not by free_blocks, which a crash can leave off by one): a longer walk is a cycle.
  std::atomic<uint64_t>* link = &c.free_head;
  uint64_t steps = (r.header()->heap_end - r.header()->heap_offset) / L::kLargeBlockGranule + 1;
  for (uint64_t at = link->load(std::memory_order_acquire); at != 0; at = link->load(std::memory_order_acquire)) {
    if (steps-- == 0 || !ValidBlock(r, at, L::kLargeClass, true)) {
      UnlockRobust(&c.mutex);
      return r.Corrupt("the heap's large free list is damaged");
    }
    L::BlockHeader* b = HeaderOf(r, at);
    if (b->block_size >= block_size) {
      const uint64_t next = NextOf(r, at)->load(std::memory_order_relaxed);
      const uint64_t spare = b->block_size - block_size;
      // Split only if the tail can serve a large request (the smallest is 64 KiB + a page).
      if (spare >= L::kMaxSmallBlockSize + L::kLargeBlockGranule) {
        // Split: the tail becomes a free block that takes this one's place in the list.
        const uint64_t tail = at - L::kBlockHeaderSize + block_size;
        L::BlockHeader* t = r.At<L::BlockHeader>(tail);
        t->tag = L::kBlockTag | L::kLargeClass;
        t->block_size = spare;
        t->state.store(L::kBlockFree, std::memory_order_relaxed);
        NextOf(r, tail + L::kBlockHeaderSize)->store(next, std::memory_order_relaxed);
        link->store(tail + L::kBlockHeaderSize, std::memory_order_release);
        b->block_size = block_size;
        Control(r)->free_bytes.fetch_sub(block_size, std::memory_order_relaxed);
      } else {
        link->store(next, std::memory_order_release);
        c.free_blocks.fetch_sub(1, std::memory_order_relaxed);
        Control(r)->free_bytes.fetch_sub(b->block_size, std::memory_order_relaxed);
      }
      CrashPoint("heap.large.unlinked");
      UnlockRobust(&c.mutex);
      b->state.store(L::kBlockAllocated, std::memory_order_release);
      Control(r)->used_bytes.fetch_add(b->block_size, std::memory_order_relaxed);
      Control(r)->allocations.fetch_add(1, std::memory_order_relaxed);
      *payload = at;
      return DW_OK;
    }
    link = NextOf(r, at);
  }
  UnlockRobust(&c.mutex);
  if (dw_status s = CarveFromTop(r, block_size, L::kLargeClass, bytes, payload); s != DW_OK) return s;
  Account(Control(r), block_size, false);
  return DW_OK;
}

}  // namespace

uint64_t BlockSizeFor(uint64_t bytes) noexcept {
  const uint64_t need = bytes + L::kBlockHeaderSize;
  if (need <= L::kMaxSmallBlockSize) return L::kMinBlockSize << SmallClassOf(need);
  return (need + L::kLargeBlockGranule - 1) / L::kLargeBlockGranule * L::kLargeBlockGranule;
}

bool InitializeHeap(Region& r) noexcept {
  L::HeapControl* control = Control(r);
  for (L::SizeClass& c : control->classes) {
    if (!InitRobustMutex(&c.mutex)) return false;
  }
  control->top.store(r.header()->heap_offset, std::memory_order_relaxed);
  return true;
}

namespace {

// Clears a reused block's payload. A large block's whole pages were punched out when it was
// freed and read as zero; only its first page and its tail need clearing.
void ClearReused(Region& r, uint64_t payload, uint64_t bytes, bool large) {
  if (!large) {
    std::memset(r.At<char>(payload), 0, bytes);
    return;
  }
  const uint64_t first = std::min(bytes, (payload + 8 + L::kPage - 1) / L::kPage * L::kPage - payload);
  std::memset(r.At<char>(payload), 0, first);
  const uint64_t end = payload + bytes;
  const uint64_t tail = std::max(payload + first, end / L::kPage * L::kPage);
  if (end > tail) std::memset(r.At<char>(tail), 0, end - tail);
}

}  // namespace

dw_status Allocate(Region& r, uint64_t bytes, uint64_t* payload, bool zeroed) noexcept {
  if (r.header()->corrupt.load(std::memory_order_relaxed)) return Fail(DW_E_CORRUPT, "the shared region is marked corrupt");
  if (bytes > r.header()->heap_end) {
    const HeapStatistics h = ReadHeapStatistics(r);
    return Fail(DW_E_EXHAUSTED,
                "the shared region is full: asked for %" PRIu64 " bytes, more than the whole region (%" PRIu64
                " bytes); %" PRIu64 " bytes left",
                bytes, r.header()->heap_end, h.never_used + h.free_bytes);
  }
  const uint64_t block_size = BlockSizeFor(bytes);
  const bool large = block_size > L::kMaxSmallBlockSize;
  const uint64_t top_before = Control(r)->top.load(std::memory_order_relaxed);
  dw_status s = large ? AllocateLarge(r, bytes, block_size, payload) : AllocateSmall(r, bytes, block_size, payload);
  // Blocks cut from the top are fresh memfd pages: zero already. Reused ones are not.
  if (s == DW_OK && zeroed && *payload < top_before) ClearReused(r, *payload, bytes, large);
  return s;
}

dw_status Free(Region& r, uint64_t payload) noexcept {
  if (payload < L::kBlockHeaderSize || !r.InHeap(payload - L::kBlockHeaderSize, L::kBlockHeaderSize)) {
    return Fail(DW_E_INVALID_ARGUMENT, "offset %" PRIu64 " is not a heap block", payload);
  }
  L::BlockHeader* b = HeaderOf(r, payload);
  const uint32_t klass = b->tag & ~L::kBlockTagMask;
  if ((b->tag & L::kBlockTagMask) != L::kBlockTag || klass > L::kLargeClass || !ValidBlock(r, payload, klass)) {
    return r.Corrupt("freeing something that is not a heap block");
  }
  uint32_t expected = L::kBlockAllocated;
  if (!b->state.compare_exchange_strong(expected, L::kBlockFree, std::memory_order_acq_rel)) {
    return Fail(DW_E_INVALID_ARGUMENT, "the block at %" PRIu64 " is freed twice", payload);
  }
  const uint64_t block_size = b->block_size;
  if (klass == L::kLargeClass) {
    // Give the pages back: the memfd punches a hole, and the block costs nothing until reused.
    const uint64_t first = (payload + 8 + L::kPage - 1) / L::kPage * L::kPage;
    const uint64_t last = (payload - L::kBlockHeaderSize + block_size) / L::kPage * L::kPage;
    if (last > first) madvise(r.At<char>(first), last - first, MADV_REMOVE);
  }
  L::HeapControl* control = Control(r);
  L::SizeClass& c = control->classes[klass];
  if (dw_status s = LockClass(r, klass); s != DW_OK) return s;
  NextOf(r, payload)->store(c.free_head.load(std::memory_order_relaxed), std::memory_order_relaxed);
  CrashPoint("heap.free.linked");
  c.free_head.store(payload, std::memory_order_release);
  c.free_blocks.fetch_add(1, std::memory_order_relaxed);
  UnlockRobust(&c.mutex);
  control->used_bytes.fetch_sub(block_size, std::memory_order_relaxed);
  control->free_bytes.fetch_add(block_size, std::memory_order_relaxed);
  control->frees.fetch_add(1, std::memory_order_relaxed);
  return DW_OK;
}

uint64_t PayloadCapacity(const Region& r, uint64_t payload) noexcept {
  return HeaderOf(r, payload)->block_size - L::kBlockHeaderSize;
}

HeapStatistics ReadHeapStatistics(const Region& r) noexcept {
  const L::HeapControl* control = Control(r);
  HeapStatistics s;
  s.heap_bytes = r.header()->heap_end - r.header()->heap_offset;
  const uint64_t top = control->top.load(std::memory_order_relaxed);
  s.never_used = top < r.header()->heap_end ? r.header()->heap_end - top : 0;
  s.used_bytes = control->used_bytes.load(std::memory_order_relaxed);
  s.free_bytes = control->free_bytes.load(std::memory_order_relaxed);
  s.allocations = control->allocations.load(std::memory_order_relaxed);
  s.frees = control->frees.load(std::memory_order_relaxed);
  return s;
}

}  // namespace dw
