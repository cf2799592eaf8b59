#include "heap.h"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstring>

#include <sys/mman.h>

#include "last_error.h"
#include "robust_lock.h"
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

// Locks a small free list (the large one: LockLarge). A holder that died left the list
// well formed (single-store updates); the head is still checked before it is trusted again.
dw_status LockClass(Region& r, uint32_t klass) {
  L::SizeClass& c = Control(r)->classes[klass];
  return LockRepairing(r, &c.mutex, "a heap free list's lock is unrecoverable", [&] {
    const uint64_t head = c.free_head.load(std::memory_order_acquire);
    if (head != 0 && !ValidBlock(r, head, klass, true)) {
      c.free_head.store(0, std::memory_order_release);  // drop the list: leak, never follow damage
    }
  });
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
                  "the shared region is full: asked for %" PRIu64 " bytes, %" PRIu64 " bytes left (%" PRIu64
                  " never used, %" PRIu64 " free in blocks of other sizes)",
                  asked, never_used + free_bytes, never_used, free_bytes);
    }
  } while (
      !control->top.compare_exchange_weak(top, top + block_size, std::memory_order_acq_rel, std::memory_order_relaxed));
  L::BlockHeader* b = r.At<L::BlockHeader>(top);
  b->tag = L::kBlockTag | klass;
  b->block_size = block_size;
  b->state.store(L::kBlockAllocated, std::memory_order_release);
  *payload = top + L::kBlockHeaderSize;
  return DW_OK;
}

// An allocation of `block_size` bytes, `from_free` of which were on a free list.
void Account(L::HeapControl* control, uint64_t block_size, uint64_t from_free) {
  control->used_bytes.fetch_add(block_size, std::memory_order_relaxed);
  if (from_free != 0) control->free_bytes.fetch_sub(from_free, std::memory_order_relaxed);
  control->allocations.fetch_add(1, std::memory_order_relaxed);
}

dw_status AllocateSmall(Region& r, uint64_t bytes, uint64_t block_size, uint64_t* payload, bool* reused) {
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
    Account(Control(r), block_size, block_size);
    *payload = head;
    *reused = true;
    return DW_OK;
  }
  UnlockRobust(&c.mutex);
  if (dw_status s = CarveFromTop(r, block_size, klass, bytes, payload); s != DW_OK) return s;
  Account(Control(r), block_size, 0);
  *reused = false;
  return DW_OK;
}

// ---- Pages ----------------------------------------------------------------------------
//
// A free large block keeps the page its header and next link are on, and the part page
// its end falls in; every whole page in between is punched out of the memfd (it reads as
// zero and costs nothing until written again).

constexpr uint64_t kFreeMetadata = L::kBlockHeaderSize + 8;  // header + next link

uint64_t PageDown(uint64_t at) { return at / L::kPage * L::kPage; }
uint64_t PageUp(uint64_t at) { return PageDown(at + L::kPage - 1); }

// Punches the pages of [lo, hi) that are whole pages inside free block [start, end) and
// not the one holding its header and link. Only dead bytes live there: safe at any time
// the block is free and its list's lock is held (or the block is the caller's own).
void PunchInside(Region& r, uint64_t start, uint64_t end, uint64_t lo, uint64_t hi) {
  const uint64_t from = std::max(PageDown(lo), PageUp(start + kFreeMetadata));
  const uint64_t to = std::min(PageUp(hi), PageDown(end));
  if (to > from) madvise(r.At<char>(from), to - from, MADV_REMOVE);
}

// ---- The large list ---------------------------------------------------------------------
//
// Address-ordered, singly linked through the first 8 bytes of each block's payload, and
// guarded by classes[kLargeClass].mutex. Only the lock's holder changes a block on it.
// A free large block merges with its neighbours *on the list*: the block before it ends
// where it starts, the block after it starts where it ends. Nothing is read from memory
// beside a block (no boundary tags): what lies there may be an allocated block's payload,
// a small block, a block a dead process was taking, or a header another process is still
// writing; list membership is the only thing trusted, and it is checked on every walk.
// The price: a free walks the list up to its block's place (as an allocation's first fit
// walks it), and merging keeps the list short: free blocks never touch.
//
// Every change a holder makes is a sequence of single aligned stores, ordered so that a
// holder killed between any two of them leaves one of these states:
//   - the list well formed (sorted, no overlaps), the block being freed not yet in it, its
//     offset in `pending`: the next locker links it (InsertLarge with `repair`);
//   - the block being freed in it, or covered by the block before it (merge done), and
//     `pending` still set: InsertLarge with `repair` sees that and does nothing more;
//   - the block before has grown over the block being freed and the one after, which the
//     list still holds: the next locker drops a block lying inside the one before it;
//   - the block being freed has grown over the one after it but is not linked yet: the next
//     locker links it, dropping the block it covers, in one store;
//   - an allocation's block unlinked or split off but not handed out, or the top grown for
//     it: that block is lost (what a dead process was taking), nothing else.
// free_blocks is recounted by the repair; free_bytes/used_bytes may stay off by one block.

uint64_t StartOf(uint64_t payload) { return payload - L::kBlockHeaderSize; }
uint64_t EndOf(const Region& r, uint64_t payload) { return StartOf(payload) + HeaderOf(r, payload)->block_size; }

// Bounds every walk: more steps than the heap could hold large blocks is a cycle.
uint64_t MaxLargeBlocks(const Region& r) {
  return (r.header()->heap_end - r.header()->heap_offset) / L::kLargeBlockGranule + 1;
}

// One aligned 8-byte store: a process killed around it leaves the old size or the new.
void SetSize(L::BlockHeader* b, uint64_t size) {
  std::atomic_ref<uint64_t>(b->block_size).store(size, std::memory_order_release);
}

// A block on (or for) the large list: well formed, marked free, whole granules, below the top.
bool ValidFreeLarge(const Region& r, uint64_t at) {
  if (!ValidBlock(r, at, L::kLargeClass, true)) return false;
  const uint64_t size = HeaderOf(r, at)->block_size;
  return size % L::kLargeBlockGranule == 0 && StartOf(at) + size <= Control(r)->top.load(std::memory_order_acquire);
}

enum class Insert { kLinked, kAlreadyIn, kOverlaps, kDamaged };

// Links free large block `b` (a payload offset, not on the list) in address order, merged
// with the free blocks that touch it. The caller holds the lock and has put `b` in
// `pending`. With `repair`, `b` is the pending block of a holder that died: it may be in
// already (linked, or covered by the block before it), or may have grown over blocks the
// list holds (they are dropped as it is linked); without, any of that is damage.
Insert InsertLarge(Region& r, uint64_t b, bool repair) {
  L::SizeClass& c = Control(r)->classes[L::kLargeClass];
  const uint64_t b_start = StartOf(b);
  const uint64_t b_end = EndOf(r, b);
  uint64_t steps = MaxLargeBlocks(r);
  std::atomic<uint64_t>* link = &c.free_head;  // where b goes: free_head or the block before's link
  uint64_t prev = 0;
  uint64_t prev_end = 0;
  uint64_t at = link->load(std::memory_order_acquire);
  for (; at != 0 && at < b; at = link->load(std::memory_order_acquire)) {
    if (steps-- == 0 || !ValidFreeLarge(r, at) || StartOf(at) < prev_end) return Insert::kDamaged;
    prev = at;
    prev_end = EndOf(r, at);
    link = NextOf(r, at);
  }
  if (prev != 0 && prev_end > b_start) {
    if (!repair || prev_end < b_end) return Insert::kOverlaps;
    HeaderOf(r, b)->tag = 0;  // the dead holder merged it into the block before: a dead header
    return Insert::kAlreadyIn;
  }
  if (at == b) return repair ? Insert::kAlreadyIn : Insert::kDamaged;
  // Blocks starting inside b: only a dead holder's b can have grown over them.
  const uint64_t first_inside = at;
  uint64_t inside = 0;
  for (; at != 0 && StartOf(at) < b_end; at = NextOf(r, at)->load(std::memory_order_acquire)) {
    if (!repair) return Insert::kOverlaps;
    if (steps-- == 0 || !ValidFreeLarge(r, at) || EndOf(r, at) > b_end) return Insert::kOverlaps;
    ++inside;
  }
  if (at != 0 && !ValidFreeLarge(r, at)) return Insert::kDamaged;
  // `at`: the first block at or after b's end; `link` points at the block just before it.
  const bool merge_prev = prev != 0 && prev_end == b_start;
  const bool merge_next = at != 0 && StartOf(at) == b_end;
  const uint64_t after = merge_next ? NextOf(r, at)->load(std::memory_order_acquire) : at;
  const uint64_t end = merge_next ? EndOf(r, at) : b_end;
  const uint64_t start = merge_prev ? StartOf(prev) : b_start;
  if (merge_prev) {
    // The block before grows over b (and the block after): one store. A crash here leaves
    // the list holding blocks inside the one before them, which the repair drops.
    SetSize(HeaderOf(r, prev), end - start);
    CrashPoint("heap.large.grown");
    link->store(after, std::memory_order_release);  // drops the blocks it now covers
  } else {
    // b is nobody's but ours until the link store: set it up, then link it (one store:
    // b is in, the blocks it covers are out).
    NextOf(r, b)->store(after, std::memory_order_relaxed);
    if (end != b_end) {
      SetSize(HeaderOf(r, b), end - start);
      CrashPoint("heap.large.sized");
    }
    link->store(b, std::memory_order_release);
  }
  CrashPoint("heap.large.merged");
  c.free_blocks.fetch_add((merge_prev ? 0 : 1) - (merge_next ? 1 : 0) - inside, std::memory_order_relaxed);
  // The headers now inside the merged block are dead: clear their tags (a stale header
  // would pass for a block), then give back the pages the two frees kept around them.
  if (merge_prev) HeaderOf(r, b)->tag = 0;
  if (merge_next) HeaderOf(r, at)->tag = 0;
  for (uint64_t x = first_inside; inside-- > 0;) {  // repair only; their pages are left be
    const uint64_t next = NextOf(r, x)->load(std::memory_order_relaxed);
    HeaderOf(r, x)->tag = 0;
    x = next;
  }
  if (merge_prev) PunchInside(r, start, end, b_start, b_start + kFreeMetadata);
  if (merge_next) PunchInside(r, start, end, b_end, b_end + kFreeMetadata);
  return Insert::kLinked;
}

// The next locker after a holder died inside: checks the whole list, cutting it at the first
// damaged block (a leak, never a guess), drops blocks a half-done merge left inside the
// block before them, recounts it, and finishes the dead holder's pending free.
void RepairLarge(Region& r) {
  L::SizeClass& c = Control(r)->classes[L::kLargeClass];
  std::atomic<uint64_t>* link = &c.free_head;
  uint64_t prev_start = 0;
  uint64_t prev_end = 0;
  uint64_t count = 0;
  uint64_t steps = MaxLargeBlocks(r);
  for (uint64_t at = link->load(std::memory_order_acquire); at != 0; at = link->load(std::memory_order_acquire)) {
    if (steps-- == 0 || !ValidFreeLarge(r, at) || (count != 0 && StartOf(at) <= prev_start) ||
        (StartOf(at) < prev_end && EndOf(r, at) > prev_end)) {
      link->store(0, std::memory_order_release);
      break;
    }
    if (StartOf(at) < prev_end) {  // inside the block before: that block grew over it
      const uint64_t next = NextOf(r, at)->load(std::memory_order_acquire);
      HeaderOf(r, at)->tag = 0;
      link->store(next, std::memory_order_release);
      continue;
    }
    prev_start = StartOf(at);
    prev_end = EndOf(r, at);
    ++count;
    link = NextOf(r, at);
  }
  c.free_blocks.store(count, std::memory_order_relaxed);
  const uint64_t b = c.pending.load(std::memory_order_acquire);
  if (b != 0) {
    if (ValidFreeLarge(r, b)) InsertLarge(r, b, true);  // else: lost (at most that block)
    c.pending.store(0, std::memory_order_release);
  }
}

dw_status LockLarge(Region& r) {
  return LockRepairing(r, &Control(r)->classes[L::kLargeClass].mutex,
                       "the heap's large free list's lock is unrecoverable", [&] { RepairLarge(r); });
}

// First fit in address order. A bigger block is split: the front is taken, the tail (whole
// granules, as both sizes are) stays on the list in its place. If no block is big enough
// and the highest free block ends at the top, the top grows over what it lacks.
dw_status AllocateLarge(Region& r, uint64_t bytes, uint64_t block_size, uint64_t* payload, bool* reused) {
  L::HeapControl* control = Control(r);
  L::SizeClass& c = control->classes[L::kLargeClass];
  if (dw_status s = LockLarge(r); s != DW_OK) return s;
  std::atomic<uint64_t>* link = &c.free_head;
  std::atomic<uint64_t>* last_link = nullptr;  // the link to the highest block
  uint64_t last = 0;
  uint64_t prev_end = 0;
  uint64_t steps = MaxLargeBlocks(r);
  for (uint64_t at = link->load(std::memory_order_acquire); at != 0; at = link->load(std::memory_order_acquire)) {
    if (steps-- == 0 || !ValidFreeLarge(r, at) || StartOf(at) < prev_end) {
      UnlockRobust(&c.mutex);
      return r.Corrupt("the heap's large free list is damaged");
    }
    L::BlockHeader* b = HeaderOf(r, at);
    const uint64_t size = b->block_size;
    if (size >= block_size) {
      const uint64_t next = NextOf(r, at)->load(std::memory_order_relaxed);
      if (size > block_size) {
        // The tail becomes a free block inside this one (nobody sees it yet), then takes
        // this one's place in the list (one store); this one, off the list, shrinks. Killed
        // in between, we lose the front (what we were taking), never the tail.
        const uint64_t tail = at + block_size;
        L::BlockHeader* t = HeaderOf(r, tail);
        t->tag = L::kBlockTag | L::kLargeClass;
        t->block_size = size - block_size;
        t->state.store(L::kBlockFree, std::memory_order_relaxed);
        NextOf(r, tail)->store(next, std::memory_order_relaxed);
        link->store(tail, std::memory_order_release);
        CrashPoint("heap.large.split");
        SetSize(b, block_size);
      } else {
        link->store(next, std::memory_order_release);
        c.free_blocks.fetch_sub(1, std::memory_order_relaxed);
      }
      CrashPoint("heap.large.unlinked");
      UnlockRobust(&c.mutex);
      b->state.store(L::kBlockAllocated, std::memory_order_release);
      Account(control, block_size, block_size);
      *payload = at;
      *reused = true;
      return DW_OK;
    }
    last = at;
    last_link = link;
    prev_end = StartOf(at) + size;
    link = NextOf(r, at);
  }
  if (last != 0 && StartOf(last) + block_size <= r.header()->heap_end) {
    uint64_t top = prev_end;  // only if the highest free block ends at the top
    if (control->top.compare_exchange_strong(top, StartOf(last) + block_size, std::memory_order_acq_rel,
                                             std::memory_order_relaxed)) {
      CrashPoint("heap.large.extended");  // lost if we die now: the bytes the top grew by
      L::BlockHeader* b = HeaderOf(r, last);
      const uint64_t had = b->block_size;
      last_link->store(0, std::memory_order_release);  // it was the last
      c.free_blocks.fetch_sub(1, std::memory_order_relaxed);
      SetSize(b, block_size);
      UnlockRobust(&c.mutex);
      b->state.store(L::kBlockAllocated, std::memory_order_release);
      Account(control, block_size, had);
      *payload = last;
      *reused = true;
      return DW_OK;
    }
  }
  UnlockRobust(&c.mutex);
  if (dw_status s = CarveFromTop(r, block_size, L::kLargeClass, bytes, payload); s != DW_OK) return s;
  Account(control, block_size, 0);
  *reused = false;
  return DW_OK;
}

// Gives large block `payload` (already marked free, its pages punched) back to the list.
dw_status FreeLarge(Region& r, uint64_t payload) {
  L::SizeClass& c = Control(r)->classes[L::kLargeClass];
  if (dw_status s = LockLarge(r); s != DW_OK) return s;
  c.pending.store(payload, std::memory_order_release);
  CrashPoint("heap.large.pending");
  const Insert result = InsertLarge(r, payload, false);
  c.pending.store(0, std::memory_order_release);
  UnlockRobust(&c.mutex);
  return result == Insert::kLinked ? DW_OK : r.Corrupt("the heap's large free list is damaged");
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

// Clears a reused block's payload. A large block's whole pages are punched out (they read
// as zero and cost nothing until written: most of them were punched when it was freed, and
// punching a hole again is cheap), its partial pages at either end cleared. This depends on
// nothing a crash could have left half done in the free block (a merge that stopped before
// giving back the pages around a former boundary).
void ClearReused(Region& r, uint64_t payload, uint64_t bytes, bool large) {
  const uint64_t end = payload + bytes;
  const uint64_t lo = large ? std::min(PageUp(payload), end) : end;
  const uint64_t hi = std::max(lo, PageDown(end));
  if (hi > lo && madvise(r.At<char>(lo), hi - lo, MADV_REMOVE) != 0) std::memset(r.At<char>(lo), 0, hi - lo);
  std::memset(r.At<char>(payload), 0, lo - payload);
  if (end > hi) std::memset(r.At<char>(hi), 0, end - hi);
}

}  // namespace

dw_status Allocate(Region& r, uint64_t bytes, uint64_t* payload, bool zeroed) noexcept {
  if (r.header()->corrupt.load(std::memory_order_relaxed))
    return Fail(DW_E_CORRUPT, "the shared region is marked corrupt");
  if (bytes > r.header()->heap_end) {
    const HeapStatistics h = ReadHeapStatistics(r);
    return Fail(DW_E_EXHAUSTED,
                "the shared region is full: asked for %" PRIu64 " bytes, more than the whole region (%" PRIu64
                " bytes); %" PRIu64 " bytes left",
                bytes, r.header()->heap_end, h.never_used + h.free_bytes);
  }
  const uint64_t block_size = BlockSizeFor(bytes);
  const bool large = block_size > L::kMaxSmallBlockSize;
  bool reused = false;
  dw_status s = large ? AllocateLarge(r, bytes, block_size, payload, &reused)
                      : AllocateSmall(r, bytes, block_size, payload, &reused);
  // Blocks cut from the top are fresh memfd pages: zero already. Reused ones are not.
  if (s == DW_OK && zeroed && reused) ClearReused(r, *payload, bytes, large);
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
  if (klass == L::kLargeClass &&
      (b->block_size % L::kLargeBlockGranule != 0 ||
       b->block_size > Control(r)->top.load(std::memory_order_acquire) - (payload - L::kBlockHeaderSize))) {
    return r.Corrupt("freeing a large block that is not whole pages below the top");
  }
  uint32_t expected = L::kBlockAllocated;
  if (!b->state.compare_exchange_strong(expected, L::kBlockFree, std::memory_order_acq_rel)) {
    return Fail(DW_E_INVALID_ARGUMENT, "the block at %" PRIu64 " is freed twice", payload);
  }
  const uint64_t block_size = b->block_size;
  L::HeapControl* control = Control(r);
  if (klass == L::kLargeClass) {
    // Give the pages back: the memfd punches a hole, and the block costs nothing until reused.
    PunchInside(r, payload - L::kBlockHeaderSize, payload - L::kBlockHeaderSize + block_size, payload,
                payload - L::kBlockHeaderSize + block_size);
    if (dw_status s = FreeLarge(r, payload); s != DW_OK) return s;
  } else {
    L::SizeClass& c = control->classes[klass];
    if (dw_status s = LockClass(r, klass); s != DW_OK) return s;
    NextOf(r, payload)->store(c.free_head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    CrashPoint("heap.free.linked");
    c.free_head.store(payload, std::memory_order_release);
    c.free_blocks.fetch_add(1, std::memory_order_relaxed);
    UnlockRobust(&c.mutex);
  }
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
