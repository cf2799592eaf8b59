#include "queue.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>

#include "clock.h"
#include "doorbell.h"
#include "futex.h"
#include "hash.h"
#include "heap.h"
#include "last_error.h"
#include "name_table.h"
#include "process_set.h"
#include "robust_lock.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

// A blocked writer or reader spins this long before it sleeps in the kernel.
constexpr uint64_t kSpinNs = 20'000;

// DequeueMany reads at most this many messages per lock (their spill blocks are freed after
// unlocking, from a list on the stack).
constexpr uint32_t kMaxMessagesPerRead = 64;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

L::QueueEntry* Table(const Region& r) { return r.At<L::QueueEntry>(r.header()->queues_offset); }

L::MutexSlot* TableMutex(const Region& r) {
  return &r.At<L::ObjectsControl>(r.header()->objects_control_offset)->queues_mutex;
}

uint64_t CellSize(const L::QueueEntry& q) { return L::kCellHeaderSize + q.slot_size; }

L::QueueCell* CellAt(const Region& r, const L::QueueEntry& q, uint64_t position) {
  return r.At<L::QueueCell>(q.cells_offset + (position & (q.capacity - 1)) * CellSize(q));
}

uint8_t* SlotOf(L::QueueCell* cell) { return reinterpret_cast<uint8_t*>(cell) + L::kCellHeaderSize; }

L::QueueEntry* Live(const Region& r, uint32_t index) {
  if (index >= L::kQueueCapacity) return nullptr;
  L::QueueEntry* q = &Table(r)[index];
  return q->state.load(std::memory_order_acquire) == L::kSlotLive ? q : nullptr;
}

uint64_t DeadlineFor(int64_t timeout_ms) {
  if (timeout_ms < 0 || timeout_ms > INT64_MAX / 1'000'000) return UINT64_MAX;
  return MonotonicNs() + static_cast<uint64_t>(timeout_ms) * 1'000'000ull;
}

// Waits until `ready()` (a look at one cell, no lock) or the deadline. Spins first, watching
// the cell itself (so nobody makes wake-up system calls for a waiter that only spins); then
// announces itself in `waiting`, looks once more, and sleeps on `word`. The other side
// changes the cell, then (after a full fence) bumps `word` and wakes if anyone is waiting:
// either this sees the change in its last look, or that side sees it waiting. False if the
// deadline passed first.
template <typename Ready>
bool WaitFor(std::atomic<uint32_t>* word, std::atomic<uint32_t>* waiting, uint64_t deadline, Ready ready) {
  const uint64_t start = MonotonicNs();
  if (start >= deadline) return false;
  const uint64_t spin_until = std::min(deadline, start + kSpinNs);
  do {
    for (int i = 0; i < 32; ++i) CpuRelax();
    if (ready()) return true;
  } while (MonotonicNs() < spin_until);
  waiting->fetch_add(1, std::memory_order_seq_cst);
  const uint32_t seen = word->load(std::memory_order_seq_cst);
  if (!ready()) {
    const uint64_t now = MonotonicNs();
    if (now >= deadline) {
      waiting->fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    FutexWait(word, seen, deadline == UINT64_MAX ? -1 : static_cast<int64_t>(deadline - now));
  }
  waiting->fetch_sub(1, std::memory_order_relaxed);
  return true;
}

// Someone may be waiting for this queue: sleepers on the futex, and dispatchers watching.
// Called after the commit's store: the fence orders it before the loads of who waits.
void NotifyReaders(Region& r, L::QueueEntry& q) {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with WatchQueue / WaitFor
  if (q.readers_waiting.load(std::memory_order_relaxed) > 0) {
    q.not_empty.fetch_add(1, std::memory_order_release);
    FutexWake(&q.not_empty, kWakeAll);
  }
  RingWatchers(r, q.message_watchers);
}

// Likewise for room: writers asleep on the futex, and dispatchers of async writers.
void NotifyWriters(Region& r, L::QueueEntry& q) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (q.writers_waiting.load(std::memory_order_relaxed) > 0) {
    q.not_full.fetch_add(1, std::memory_order_release);
    FutexWake(&q.not_full, kWakeAll);
  }
  RingWatchers(r, q.room_watchers);
}

// A writer that died after committing its cell but before advancing the tail: step past it.
// (One that died before committing left a cell the next writer overwrites.) Readers do not
// look at the tail, so the message may be read (the cell freed) by now: with a current
// tail, the cell's sequence is at most `tail`, so anything above it means a stale tail.
dw_status LockWriters(Region& r, L::QueueEntry& q) {
  return LockRepairing(r, &q.write_mutex, "a queue's write lock is unrecoverable", [&] {
    const uint64_t tail = q.tail.load(std::memory_order_relaxed);
    if (CellAt(r, q, tail)->sequence.load(std::memory_order_acquire) > tail) {
      q.tail.store(tail + 1, std::memory_order_release);
    }
  });
}

// A reader that died after freeing its cell but before advancing the head: step past it.
// (One that died before freeing it left the message first in line: the next reader gets it.)
// Writers do not look at the head, so a writer may have filled the freed cell again by now:
// with a current head, the cell's sequence is at most `head + 1`, so a whole lap on means
// a stale head.
dw_status LockReaders(Region& r, L::QueueEntry& q) {
  return LockRepairing(r, &q.read_mutex, "a queue's read lock is unrecoverable", [&] {
    const uint64_t head = q.head.load(std::memory_order_relaxed);
    if (CellAt(r, q, head)->sequence.load(std::memory_order_acquire) >= head + q.capacity) {
      q.head.store(head + 1, std::memory_order_release);
    }
  });
}

// A try on an empty queue (most looks of a poll) takes no lock: the cell at the head still
// free for that position's writer means nothing to read. Anything else (a message, or a cell
// freed by a reader that has not moved the head yet, perhaps one that died there and left
// the repair to the next locker) goes through the lock.
bool LooksEmpty(const Region& r, const L::QueueEntry& q) {
  if (q.completed.load(std::memory_order_acquire)) return false;  // the locked path tells closed from empty
  const uint64_t head = q.head.load(std::memory_order_acquire);
  return CellAt(r, q, head)->sequence.load(std::memory_order_acquire) == head;
}

// Completed, and nothing left to read. A tail behind the head counts too: it is stale (its
// writer died after committing, a reader took the message), and on a completed queue no
// writer takes the write lock again to repair it.
bool CompletedAndDrained(const L::QueueEntry& q) {
  return q.completed.load(std::memory_order_acquire) &&
         q.tail.load(std::memory_order_acquire) <= q.head.load(std::memory_order_acquire);
}

enum class Take { kTaken, kEmpty, kTooSmall, kCorrupt };

// Under the read lock: takes the message at the head into `buffer` (up to `capacity`
// bytes), frees its cell and moves the head. *length is the message's size (also when it
// does not fit: it then stays first); *spill the heap block to free once unlocked, or 0;
// *seen the head cell's sequence (for a waiter, when empty).
Take TakeHead(Region& r, L::QueueEntry& q, uint8_t* buffer, uint32_t capacity, uint32_t* length, uint64_t* spill,
              uint64_t* seen) {
  const uint64_t head = q.head.load(std::memory_order_relaxed);
  L::QueueCell* cell = CellAt(r, q, head);
  *seen = cell->sequence.load(std::memory_order_acquire);
  *spill = 0;
  if (*seen != head + 1) return Take::kEmpty;
  const uint32_t n = cell->length;
  const bool spilled = (cell->flags & L::kCellSpilled) != 0;
  uint64_t block = 0;
  if (spilled) std::memcpy(&block, SlotOf(cell), sizeof block);
  if ((spilled && !r.InHeap(block, n)) || (!spilled && n > q.slot_size)) return Take::kCorrupt;
  *length = n;
  if (n > capacity) return Take::kTooSmall;
  if (n > 0) std::memcpy(buffer, spilled ? r.At<uint8_t>(block) : SlotOf(cell), n);
  CrashPoint("queue.dequeue.copied");
  cell->sequence.store(head + q.capacity, std::memory_order_release);  // the cell is free for the next lap
  CrashPoint("queue.dequeue.freed");
  q.head.store(head + 1, std::memory_order_release);
  *spill = block;  // freed after unlocking, once the cell is free: a reader dying before that re-reads it
  return Take::kTaken;
}

// At least 2: with one cell, "committed at position p" (p + 1) would read as "free for the
// writer of position p + 1".
uint32_t RoundUpToPowerOfTwo(uint32_t n) {
  uint32_t p = 2;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

dw_status FindQueue(const Region& r, const uint8_t* name, uint32_t name_length, uint32_t* index) noexcept {
  if (name == nullptr || name_length == 0 || name_length > L::kMaxNameLength) {
    return Fail(DW_E_INVALID_ARGUMENT, "a queue name is 1 to %u bytes of UTF-8", L::kMaxNameLength);
  }
  const uint64_t hash = HashBytes(name, name_length, r.header()->hash_seed);
  L::QueueEntry* table = Table(r);
  const NameProbe probe = ProbeNames(table, L::kQueueCapacity, hash, [&](const L::QueueEntry& q) {
    return q.name_hash == hash && q.name_length == name_length && std::memcmp(q.name, name, name_length) == 0;
  });
  if (probe.found == NameProbe::kNone) return FailQuietly(DW_E_NOT_FOUND, "no such queue");
  *index = probe.found;
  return DW_OK;
}

dw_status OpenQueue(Region& r, const uint8_t* name, uint32_t name_length, uint32_t capacity, uint32_t slot_size,
                    uint64_t type_tag, uint32_t* index, uint64_t* existing_type) noexcept {
  *existing_type = 0;
  if (name == nullptr || name_length == 0 || name_length > L::kMaxNameLength) {
    return Fail(DW_E_INVALID_ARGUMENT, "a queue name is 1 to %u bytes of UTF-8", L::kMaxNameLength);
  }
  if (capacity == 0 || capacity > L::kMaxQueueCells) {
    return Fail(DW_E_INVALID_ARGUMENT, "a queue holds 1 to %u messages; asked for %u", L::kMaxQueueCells, capacity);
  }
  if (slot_size == 0 || slot_size > L::kMaxSlotSize) {
    return Fail(DW_E_INVALID_ARGUMENT, "a queue's inline message size is 1 to %u bytes; asked for %u", L::kMaxSlotSize,
                slot_size);
  }
  capacity = RoundUpToPowerOfTwo(capacity);
  slot_size = (slot_size + 15) & ~15u;
  const uint64_t hash = HashBytes(name, name_length, r.header()->hash_seed);
  if (dw_status s = LockRepairing(r, TableMutex(r), "the queues table's mutex is unrecoverable"); s != DW_OK) return s;
  dw_status result = Fail(DW_E_CAPACITY, "the cluster already has %u queues", L::kQueueCapacity);
  L::QueueEntry* table = Table(r);
  const NameProbe probe = ProbeNames(table, L::kQueueCapacity, hash, [&](const L::QueueEntry& q) {
    return q.name_hash == hash && q.name_length == name_length && std::memcmp(q.name, name, name_length) == 0;
  });
  if (probe.found != NameProbe::kNone) {
    const L::QueueEntry& q = table[probe.found];
    if (q.type_tag != type_tag) {
      *existing_type = q.type_tag;
      result = Fail(DW_E_TYPE_MISMATCH, "the queue '%.*s' was created for another type of message",
                    static_cast<int>(name_length), name);
    } else if (q.capacity != capacity || q.slot_size != slot_size) {
      result = Fail(DW_E_CONFLICT, "the queue '%.*s' exists with %u cells of %u bytes", static_cast<int>(name_length),
                    name, q.capacity, q.slot_size);
    } else {
      *index = probe.found;
      result = DW_OK;
    }
  } else if (probe.vacant != NameProbe::kNone) {  // queues are never deleted: the vacant slot is an empty one
    L::QueueEntry& q = table[probe.vacant];
    uint64_t cells = 0;
    result = Allocate(r, uint64_t{capacity} * (L::kCellHeaderSize + slot_size), &cells, /*zeroed=*/true);
    if (result == DW_OK) {
      q.name_hash = hash;
      q.type_tag = type_tag;
      q.capacity = capacity;
      q.slot_size = slot_size;
      q.name_length = name_length;
      std::memcpy(q.name, name, name_length);
      q.cells_offset = cells;
      for (uint64_t p = 0; p < capacity; ++p) CellAt(r, q, p)->sequence.store(p, std::memory_order_relaxed);
      q.state.store(L::kSlotLive, std::memory_order_release);  // last: complete from here
      *index = probe.vacant;
    }
  }
  UnlockRobust(TableMutex(r));
  return result;
}

dw_status Enqueue(Region& r, uint32_t index, const uint8_t* bytes, uint32_t length, int64_t timeout_ms) noexcept {
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  if (bytes == nullptr && length > 0) return Fail(DW_E_INVALID_ARGUMENT, "message bytes are null");
  // A big message goes to its own heap block, written before the lock is taken.
  uint64_t spill = 0;
  if (length > q->slot_size) {
    if (dw_status s = Allocate(r, length, &spill); s != DW_OK) return s;
    std::memcpy(r.At<uint8_t>(spill), bytes, length);
  }
  uint64_t deadline = 0;  // read from the clock before the first wait only: a try reads no clock
  for (;;) {
    if (q->completed.load(std::memory_order_acquire)) {
      if (spill != 0) Free(r, spill);
      return Fail(DW_E_CLOSED, "the queue '%.*s' was completed", static_cast<int>(q->name_length), q->name);
    }
    if (dw_status s = LockWriters(r, *q); s != DW_OK) {
      if (spill != 0) Free(r, spill);
      return s;
    }
    if (q->completed.load(std::memory_order_acquire)) {  // completion takes this lock: nothing is written after it
      UnlockRobust(&q->write_mutex);
      continue;
    }
    const uint64_t tail = q->tail.load(std::memory_order_relaxed);
    L::QueueCell* cell = CellAt(r, *q, tail);
    const uint64_t seen_sequence = cell->sequence.load(std::memory_order_acquire);
    if (seen_sequence == tail) {
      if (spill != 0) {
        std::memcpy(SlotOf(cell), &spill, sizeof spill);
        cell->flags = L::kCellSpilled;
      } else {
        if (length > 0) std::memcpy(SlotOf(cell), bytes, length);
        cell->flags = 0;
      }
      cell->length = length;
      CrashPoint("queue.enqueue.written");
      cell->sequence.store(tail + 1, std::memory_order_release);  // commit
      CrashPoint("queue.enqueue.committed");
      q->tail.store(tail + 1, std::memory_order_release);
      UnlockRobust(&q->write_mutex);
      NotifyReaders(r, *q);
      return DW_OK;
    }
    // Full: the cell still holds the message from the previous lap.
    UnlockRobust(&q->write_mutex);
    // Ready on any change of the cell, not only "free for us": sequences only grow, and a
    // change means a reader freed it (room) or another writer got there first (look again).
    auto room = [&] {
      return cell->sequence.load(std::memory_order_seq_cst) != seen_sequence ||
             q->completed.load(std::memory_order_acquire);
    };
    if (timeout_ms == 0) {
      if (spill != 0) Free(r, spill);
      return FailQuietly(DW_E_TIMEOUT, "the queue is full");
    }
    if (deadline == 0) deadline = DeadlineFor(timeout_ms);
    if (!WaitFor(&q->not_full, &q->writers_waiting, deadline, room)) {
      if (spill != 0) Free(r, spill);
      return Fail(DW_E_TIMEOUT, "the queue '%.*s' is full", static_cast<int>(q->name_length), q->name);
    }
  }
}

dw_status EnqueueMany(Region& r, uint32_t index, const uint8_t* records, uint32_t used, uint32_t count,
                      uint32_t* written) noexcept {
  *written = 0;
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  if (records == nullptr && used > 0) return Fail(DW_E_INVALID_ARGUMENT, "records are null");
  if (q->completed.load(std::memory_order_acquire)) {
    return Fail(DW_E_CLOSED, "the queue '%.*s' was completed", static_cast<int>(q->name_length), q->name);
  }
  if (dw_status s = LockWriters(r, *q); s != DW_OK) return s;
  if (q->completed.load(std::memory_order_acquire)) {
    UnlockRobust(&q->write_mutex);
    return Fail(DW_E_CLOSED, "the queue '%.*s' was completed", static_cast<int>(q->name_length), q->name);
  }
  uint32_t offset = 0;
  dw_status result = DW_OK;
  bool full = false;
  while (*written < count) {
    uint32_t n = 0;
    if (used - offset < sizeof n) {
      result = Fail(DW_E_INVALID_ARGUMENT, "the records end before message %u", *written);
      break;
    }
    std::memcpy(&n, records + offset, sizeof n);
    if (n > used - offset - sizeof n) {
      result = Fail(DW_E_INVALID_ARGUMENT, "message %u runs past the records", *written);
      break;
    }
    if (n > q->slot_size) break;  // too big to go inline: the caller writes it alone (it spills)
    const uint64_t tail = q->tail.load(std::memory_order_relaxed);
    L::QueueCell* cell = CellAt(r, *q, tail);
    if (cell->sequence.load(std::memory_order_acquire) != tail) {
      full = true;
      break;
    }
    if (n > 0) std::memcpy(SlotOf(cell), records + offset + sizeof n, n);
    cell->flags = 0;
    cell->length = n;
    // As Enqueue, per message: commit, then the tail. A writer dying between the two leaves
    // one committed cell past the tail, which the next locker steps over (LockWriters).
    cell->sequence.store(tail + 1, std::memory_order_release);
    CrashPoint("queue.enqueue_many.committed");
    q->tail.store(tail + 1, std::memory_order_release);
    offset += static_cast<uint32_t>(sizeof n) + n;
    ++*written;
  }
  UnlockRobust(&q->write_mutex);
  if (*written > 0) NotifyReaders(r, *q);
  if (result != DW_OK) return result;
  // Stopped before a message too big to go inline, even the first one: not full, DW_OK
  // (the caller writes that one alone). Full before writing any: DW_E_TIMEOUT.
  return full && *written == 0 ? FailQuietly(DW_E_TIMEOUT, "the queue is full") : DW_OK;
}

dw_status Dequeue(Region& r, uint32_t index, uint8_t* buffer, uint32_t capacity, uint32_t* length,
                  int64_t timeout_ms) noexcept {
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  uint64_t deadline = 0;  // read from the clock before the first wait only: a try reads no clock
  if (timeout_ms == 0 && LooksEmpty(r, *q)) return FailQuietly(DW_E_TIMEOUT, "the queue is empty");
  for (;;) {
    if (dw_status s = LockReaders(r, *q); s != DW_OK) return s;
    const uint64_t head = q->head.load(std::memory_order_relaxed);
    L::QueueCell* cell = CellAt(r, *q, head);
    uint64_t spill = 0, seen_sequence = 0;
    switch (TakeHead(r, *q, buffer, capacity, length, &spill, &seen_sequence)) {
      case Take::kTaken:
        UnlockRobust(&q->read_mutex);
        if (spill != 0) Free(r, spill);
        NotifyWriters(r, *q);
        return DW_OK;
      case Take::kTooSmall:
        UnlockRobust(&q->read_mutex);
        return Fail(DW_E_BUFFER_TOO_SMALL, "the message is %u bytes", *length);
      case Take::kCorrupt: UnlockRobust(&q->read_mutex); return r.Corrupt("a queue cell is damaged");
      case Take::kEmpty: break;
    }
    UnlockRobust(&q->read_mutex);
    if (q->completed.load(std::memory_order_acquire)) {
      // Completed, but a writer may have committed in the meantime: look once more.
      if (CompletedAndDrained(*q)) {
        return Fail(DW_E_CLOSED, "the queue '%.*s' is completed and empty", static_cast<int>(q->name_length), q->name);
      }
      continue;
    }
    // Ready on any change of the cell, not only "committed": sequences only grow, and another
    // reader may take the message between two looks (the next one is then in a cell this
    // reader does not watch), so a change means "look again under the lock".
    auto message = [&] {
      return cell->sequence.load(std::memory_order_seq_cst) != seen_sequence ||
             q->completed.load(std::memory_order_acquire);
    };
    if (timeout_ms == 0) return FailQuietly(DW_E_TIMEOUT, "the queue is empty");
    if (deadline == 0) deadline = DeadlineFor(timeout_ms);
    if (!WaitFor(&q->not_empty, &q->readers_waiting, deadline, message)) {
      return Fail(DW_E_TIMEOUT, "the queue '%.*s' is empty", static_cast<int>(q->name_length), q->name);
    }
  }
}

dw_status DequeueMany(Region& r, uint32_t index, uint8_t* buffer, uint32_t capacity, uint32_t max_messages,
                      uint32_t* count, uint32_t* used) noexcept {
  *count = 0;
  *used = 0;
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  if (max_messages == 0) return Fail(DW_E_INVALID_ARGUMENT, "max_messages is 0");
  if (capacity < sizeof(uint32_t)) return Fail(DW_E_INVALID_ARGUMENT, "a batch needs room for a length (4 bytes)");
  max_messages = std::min(max_messages, kMaxMessagesPerRead);
  if (LooksEmpty(r, *q)) return FailQuietly(DW_E_TIMEOUT, "the queue is empty");
  if (dw_status s = LockReaders(r, *q); s != DW_OK) return s;
  uint64_t spills[kMaxMessagesPerRead];
  uint32_t spill_count = 0;
  uint32_t offset = 0;
  Take last = Take::kEmpty;
  uint32_t n = 0;
  while (*count < max_messages && capacity - offset >= sizeof n) {
    uint64_t spill = 0, seen = 0;
    last = TakeHead(r, *q, buffer + offset + sizeof n, capacity - offset - static_cast<uint32_t>(sizeof n), &n, &spill,
                    &seen);
    if (last != Take::kTaken) break;
    std::memcpy(buffer + offset, &n, sizeof n);
    offset += static_cast<uint32_t>(sizeof n) + n;
    ++*count;
    if (spill != 0) spills[spill_count++] = spill;
  }
  UnlockRobust(&q->read_mutex);
  for (uint32_t i = 0; i < spill_count; ++i) Free(r, spills[i]);
  if (*count > 0) {
    *used = offset;
    NotifyWriters(r, *q);
    return DW_OK;  // what stopped the batch (a message too big for the rest, damage) is the next call's answer
  }
  switch (last) {
    case Take::kTooSmall:
      *used = static_cast<uint32_t>(sizeof n) + n;
      return Fail(DW_E_BUFFER_TOO_SMALL, "the message needs %u bytes", *used);
    case Take::kCorrupt: return r.Corrupt("a queue cell is damaged");
    default: break;
  }
  if (CompletedAndDrained(*q)) {
    return Fail(DW_E_CLOSED, "the queue '%.*s' is completed and empty", static_cast<int>(q->name_length), q->name);
  }
  return FailQuietly(DW_E_TIMEOUT, "the queue is empty");
}

dw_status QueueCompletionError(Region& r, uint32_t index, uint8_t* buffer, uint32_t capacity,
                               uint32_t* length) noexcept {
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  if (!q->completed.load(std::memory_order_acquire) || q->error_offset == 0) {
    return FailQuietly(DW_E_NOT_FOUND, "the queue was not completed with an error");
  }
  const uint64_t block = q->error_offset;
  uint32_t n = 0;
  if (!r.InHeap(block, sizeof n)) return r.Corrupt("a queue's error is damaged");
  std::memcpy(&n, r.At<uint8_t>(block), sizeof n);
  if (!r.InHeap(block + sizeof n, n)) return r.Corrupt("a queue's error is damaged");
  *length = n;
  if (n > capacity) return Fail(DW_E_BUFFER_TOO_SMALL, "the error is %u bytes", n);
  if (n > 0) std::memcpy(buffer, r.At<uint8_t>(block + sizeof n), n);
  return DW_OK;
}

bool QueueMayHaveMessage(const Region& r, uint32_t index) noexcept {
  const L::QueueEntry* q = Live(r, index);
  return q == nullptr || !LooksEmpty(r, *q);
}

dw_status CompleteQueue(Region& r, uint32_t index, const uint8_t* error, uint32_t error_length, bool* first) noexcept {
  if (first != nullptr) *first = false;
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  if (error == nullptr && error_length > 0) return Fail(DW_E_INVALID_ARGUMENT, "the error's bytes are null");
  uint64_t block = 0;  // the error's text, written before the lock (allocation may be slow)
  if (error_length > 0) {
    if (dw_status s = Allocate(r, uint64_t{error_length} + sizeof error_length, &block); s != DW_OK) return s;
    std::memcpy(r.At<uint8_t>(block), &error_length, sizeof error_length);
    std::memcpy(r.At<uint8_t>(block + sizeof error_length), error, error_length);
  }
  // Under the write lock: no message is committed after completion, and of two completions
  // exactly one is first (its error is the queue's).
  if (dw_status s = LockWriters(r, *q); s != DW_OK) {
    if (block != 0) Free(r, block);
    return s;
  }
  const bool was_completed = q->completed.load(std::memory_order_relaxed) != 0;
  if (!was_completed) {
    q->error_offset = block;
    q->completed.store(1, std::memory_order_release);  // publishes error_offset
  }
  UnlockRobust(&q->write_mutex);
  if (was_completed) {
    if (block != 0) Free(r, block);
    return DW_OK;
  }
  if (first != nullptr) *first = true;
  q->not_empty.fetch_add(1, std::memory_order_release);
  FutexWake(&q->not_empty, kWakeAll);
  q->not_full.fetch_add(1, std::memory_order_release);
  FutexWake(&q->not_full, kWakeAll);
  NotifyReaders(r, *q);
  RingWatchers(r, q->room_watchers);  // writers waiting for room learn that none will come
  return DW_OK;
}

dw_status WatchQueue(Region& r, uint32_t index, uint32_t id, QueueWatch what, bool watch) noexcept {
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr || id >= L::kProcessCapacity) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  SetMember(what == QueueWatch::kRoom ? q->room_watchers : q->message_watchers, id, watch);
  return DW_OK;
}

bool QueueMayHaveRoom(const Region& r, uint32_t index) noexcept {
  const L::QueueEntry* q = Live(r, index);
  if (q == nullptr || q->completed.load(std::memory_order_acquire)) return true;  // the write reports it
  // Full only while cell `tail` still holds the previous lap's unread message (its sequence
  // is behind `tail`). Free for this writer (== tail), or committed by a writer that died
  // before moving the tail (> tail: a write takes the lock and repairs it), is "may".
  const uint64_t tail = q->tail.load(std::memory_order_acquire);
  const uint64_t sequence = CellAt(r, *q, tail)->sequence.load(std::memory_order_acquire);
  return static_cast<int64_t>(sequence - tail) >= 0;
}

dw_status QueueState(const Region& r, uint32_t index, uint64_t* count, bool* completed) noexcept {
  L::QueueEntry* q = Live(r, index);
  if (q == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no queue has index %u", index);
  // `completed` first: completion happens under the write lock after the last tail store,
  // so a look that sees it completed sees the final tail ("completed and empty" is then
  // true, never a message written just before the completion missed).
  *completed = q->completed.load(std::memory_order_acquire) != 0;
  const uint64_t head = q->head.load(std::memory_order_acquire);
  const uint64_t tail = q->tail.load(std::memory_order_acquire);
  *count = tail > head ? tail - head : 0;
  return DW_OK;
}

void UnwatchAllQueues(Region& r, uint32_t dead_id) noexcept {
  if (dead_id >= L::kProcessCapacity) return;
  for (uint32_t i = 0; i < L::kQueueCapacity; ++i) {
    if (Live(r, i) != nullptr) {
      WatchQueue(r, i, dead_id, QueueWatch::kMessages, false);
      WatchQueue(r, i, dead_id, QueueWatch::kRoom, false);
    }
  }
}

}  // namespace dw
