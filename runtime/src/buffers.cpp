#include "buffers.h"

#include <cinttypes>
#include <cstring>

#include "hash.h"
#include "heap.h"
#include "holdings.h"
#include "last_error.h"
#include "name_table.h"
#include "robust_lock.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

L::BufferEntry* Table(const Region& r) { return r.At<L::BufferEntry>(r.header()->buffers_offset); }
L::MutexSlot* TableMutex(const Region& r) {
  return &r.At<L::ObjectsControl>(r.header()->objects_control_offset)->buffers_mutex;
}

void FreeEntry(Region& r, L::BufferEntry& e);

// A holder that died inside OpenBuffer or ReleaseBuffer may have changed an entry's
// reference count without recording its holding, or removed the holding without the count
// (both happen under the table's mutex, in that order on purpose: a count too high leaks,
// never frees early). The holdings are the truth of who holds what: every live entry's
// count is set from them, and an entry nobody holds is freed. A dead process's own
// holdings are counted too: the launcher's clean-up takes them away afterwards, as for any
// death (it takes this mutex to do so). Rare (a death inside the table's mutex), so a scan
// of every process's holdings is fine here.
void RecountReferences(Region& r) {
  static_assert(L::kBufferCapacity <= 4096, "the counts live on the stack");
  uint32_t counts[L::kBufferCapacity] = {};
  for (uint32_t id = 0; id < L::kProcessCapacity; ++id) {
    const L::Holding* slots = HoldingsOf(r, id);
    for (uint32_t i = 0; i < L::kHoldingsPerProcess; ++i) {
      if (slots[i].kind.load(std::memory_order_acquire) != L::kHoldBuffer) continue;
      const uint64_t index = slots[i].ref.load(std::memory_order_relaxed);
      if (index < L::kBufferCapacity) counts[index] += slots[i].count.load(std::memory_order_relaxed);
    }
  }
  L::BufferEntry* table = Table(r);
  for (uint32_t i = 0; i < L::kBufferCapacity; ++i) {
    L::BufferEntry& e = table[i];
    if (e.state.load(std::memory_order_acquire) != L::kSlotLive) continue;
    e.refs.store(counts[i], std::memory_order_release);
    if (counts[i] == 0) FreeEntry(r, e);
  }
}

// Holds the table's mutex; repairs the reference counts when its last holder died in it.
class TableLock {
 public:
  explicit TableLock(Region& r) : r_(r) {}
  TableLock(const TableLock&) = delete;
  TableLock& operator=(const TableLock&) = delete;
  dw_status Take() {
    if (dw_status s = LockRepairing(r_, TableMutex(r_), "the buffers table's lock is unrecoverable",
                                    [this] { RecountReferences(r_); });
        s != DW_OK)
      return s;
    held_ = true;
    return DW_OK;
  }
  ~TableLock() {
    if (held_) UnlockRobust(TableMutex(r_));
  }

 private:
  Region& r_;
  bool held_ = false;
};

bool NameMatches(const Region& r, const L::BufferEntry& e, uint64_t hash, const uint8_t* name, uint32_t length) {
  return e.name_hash == hash && e.name_length == length && r.InHeap(e.name_offset, length) &&
         std::memcmp(r.At<uint8_t>(e.name_offset), name, length) == 0;
}

void FreeEntry(Region& r, L::BufferEntry& e) {
  e.state.store(L::kSlotDeleted, std::memory_order_release);  // first: nobody finds it from here
  CrashPoint("buffers.entry.deleted");
  Free(r, e.data_offset);
  Free(r, e.name_offset);
  ++e.generation;
}

}  // namespace

dw_status OpenBuffer(Region& r, const uint8_t* name, uint32_t name_length, uint64_t size, BufferView* view) noexcept {
  if (name == nullptr || name_length == 0 || name_length > L::kMaxNameLength) {
    return Fail(DW_E_INVALID_ARGUMENT, "a buffer name is 1 to %u bytes of UTF-8", L::kMaxNameLength);
  }
  if (r.header()->corrupt.load(std::memory_order_relaxed))
    return Fail(DW_E_CORRUPT, "the shared region is marked corrupt");
  const uint64_t hash = HashBytes(name, name_length, r.header()->hash_seed);
  TableLock lock(r);
  if (dw_status s = lock.Take(); s != DW_OK) return s;

  L::BufferEntry* table = Table(r);
  const NameProbe probe = ProbeNames(table, L::kBufferCapacity, hash, [&](const L::BufferEntry& e) {
    return NameMatches(r, e, hash, name, name_length);
  });
  if (probe.found != NameProbe::kNone) {
    const uint32_t i = probe.found;
    L::BufferEntry& e = table[i];
    if (size != 0 && size != e.size) {
      return Fail(DW_E_CONFLICT, "the buffer '%.*s' exists with %" PRIu64 " bytes; asked for %" PRIu64,
                  static_cast<int>(name_length), name, e.size, size);
    }
    e.refs.fetch_add(1, std::memory_order_acq_rel);  // first: a crash before the holding leaks, never frees early
    if (dw_status s = AddHolding(r, L::kHoldBuffer, i, 1); s != DW_OK) {
      e.refs.fetch_sub(1, std::memory_order_acq_rel);
      return s;
    }
    *view = {e.data_offset, e.size, i, e.generation, false};
    return DW_OK;
  }
  if (size == 0) return Fail(DW_E_NOT_FOUND, "no buffer is named '%.*s'", static_cast<int>(name_length), name);
  if (probe.vacant == NameProbe::kNone)
    return Fail(DW_E_CAPACITY, "the cluster already has %u buffers", L::kBufferCapacity);
  L::BufferEntry* vacant = &table[probe.vacant];

  uint64_t name_offset = 0, data_offset = 0;
  if (dw_status s = Allocate(r, name_length, &name_offset); s != DW_OK) return s;
  if (dw_status s = Allocate(r, size, &data_offset, /*zeroed=*/true); s != DW_OK) {
    Free(r, name_offset);
    return s;
  }
  std::memcpy(r.At<uint8_t>(name_offset), name, name_length);
  L::BufferEntry& e = *vacant;
  const uint32_t index = static_cast<uint32_t>(&e - table);
  e.name_hash = hash;
  e.name_offset = name_offset;
  e.name_length = name_length;
  e.data_offset = data_offset;
  e.size = size;
  e.refs.store(1, std::memory_order_relaxed);
  e.state.store(L::kSlotLive, std::memory_order_release);  // last: complete from here
  CrashPoint("buffers.entry.live");
  if (dw_status s = AddHolding(r, L::kHoldBuffer, index, 1); s != DW_OK) {
    FreeEntry(r, e);
    return s;
  }
  *view = {data_offset, size, index, e.generation, true};
  return DW_OK;
}

dw_status ReleaseBuffer(Region& r, uint32_t index, uint32_t generation) noexcept {
  if (index >= L::kBufferCapacity) return Fail(DW_E_INVALID_ARGUMENT, "no buffer has index %u", index);
  TableLock lock(r);
  if (dw_status s = lock.Take(); s != DW_OK) return s;
  L::BufferEntry& e = Table(r)[index];
  if (e.state.load(std::memory_order_acquire) != L::kSlotLive || e.generation != generation) {
    return Fail(DW_E_NOT_OWNER, "that buffer was already released");
  }
  if (dw_status s = RemoveHolding(r, L::kHoldBuffer, index, 1); s != DW_OK) return s;  // first: see buffers.h
  CrashPoint("buffers.holding.removed");
  if (e.refs.fetch_sub(1, std::memory_order_acq_rel) == 1) FreeEntry(r, e);
  return DW_OK;
}

void ReleaseBufferReferences(Region& r, uint32_t index, uint32_t count) noexcept {
  if (index >= L::kBufferCapacity || count == 0) return;
  TableLock lock(r);
  if (lock.Take() != DW_OK) return;
  L::BufferEntry& e = Table(r)[index];
  if (e.state.load(std::memory_order_acquire) != L::kSlotLive) return;
  const uint32_t refs = e.refs.load(std::memory_order_relaxed);
  const uint32_t left = refs > count ? refs - count : 0;
  e.refs.store(left, std::memory_order_release);
  if (left == 0) FreeEntry(r, e);
}

uint32_t BufferCount(const Region& r) noexcept {
  uint32_t n = 0;
  const L::BufferEntry* table = Table(r);
  for (uint32_t i = 0; i < L::kBufferCapacity; ++i) n += table[i].state.load(std::memory_order_relaxed) == L::kSlotLive;
  return n;
}

}  // namespace dw
