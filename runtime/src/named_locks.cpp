#include "named_locks.h"

#include <cstring>

#include "clock.h"
#include "doorbell.h"
#include "futex.h"
#include "hash.h"
#include "last_error.h"
#include "name_table.h"
#include "process_set.h"
#include "robust_lock.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

L::LockEntry* Table(const Region& r) { return r.At<L::LockEntry>(r.header()->locks_offset); }

// Per lock, the semaphore permits each process holds.
std::atomic<uint16_t>* Held(const Region& r, uint32_t index) {
  return r.At<std::atomic<uint16_t>>(r.header()->locks_offset + uint64_t{L::kLockCapacity} * sizeof(L::LockEntry) +
                                     uint64_t{index} * L::kProcessCapacity * sizeof(uint16_t));
}

L::MutexSlot* TableMutex(const Region& r) {
  return &r.At<L::ObjectsControl>(r.header()->objects_control_offset)->locks_mutex;
}

dw_status TakeRobust(Region& r, L::MutexSlot* mutex, void (*repair)(Region&, uint32_t), uint32_t index) {
  return LockRepairing(r, mutex, "a lock's mutex is unrecoverable", [&] {
    if (repair != nullptr) repair(r, index);
  });
}

// A semaphore whose last operator died mid-way: recount from the per-process holds.
void RecountSemaphore(Region& r, uint32_t index) {
  L::LockEntry& e = Table(r)[index];
  uint64_t held = 0;
  for (uint32_t p = 0; p < L::kProcessCapacity; ++p) held += Held(r, index)[p].load(std::memory_order_relaxed);
  e.word.store(held >= e.max_count ? 0 : static_cast<uint32_t>(e.max_count - held), std::memory_order_release);
}

int64_t RemainingNs(uint64_t deadline) {
  const uint64_t now = MonotonicNs();
  return now >= deadline ? 0 : static_cast<int64_t>(deadline - now);
}

// Sleeps while `word` still reads `seen`, at most until `deadline` (0: no bound).
void SleepOn(L::LockEntry& e, uint32_t seen, uint64_t deadline) {
  e.waiters.fetch_add(1, std::memory_order_acq_rel);
  FutexWait(&e.word, seen, deadline == 0 ? -1 : RemainingNs(deadline));
  e.waiters.fetch_sub(1, std::memory_order_acq_rel);
}

// A hold came free: wake threads asleep on the word, and ring the processes whose async
// acquirers wait (they look again; one of them, or a thread, gets it).
void WakeWaiters(Region& r, L::LockEntry& e, int count) {
  if (e.waiters.load(std::memory_order_acquire) > 0) FutexWake(&e.word, count);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // the release before the look at the watchers
  RingWatchers(r, e.watchers);
}

dw_status TryMutex(Region& r, L::LockEntry& e, bool* done) {
  uint32_t w = e.word.load(std::memory_order_acquire);
  *done = false;
  if (w != L::kMutexFree && w != L::kMutexAbandoned) return DW_OK;
  if (!e.word.compare_exchange_strong(w, r.self() + 1, std::memory_order_acq_rel)) return DW_OK;
  *done = true;
  return w == L::kMutexAbandoned ? Fail(DW_E_ABANDONED, "acquired a mutex whose previous owner died holding it")
                                 : DW_OK;
}

dw_status TrySemaphore(Region& r, uint32_t index, bool* done) {
  L::LockEntry& e = Table(r)[index];
  *done = false;
  if (e.word.load(std::memory_order_acquire) == 0) return DW_OK;  // nothing to take: don't lock
  if (dw_status s = TakeRobust(r, &e.mutex, RecountSemaphore, index); s != DW_OK) return s;
  dw_status result = DW_OK;
  const uint32_t available = e.word.load(std::memory_order_relaxed);
  if (available > 0) {
    Held(r, index)[r.self()].fetch_add(1, std::memory_order_relaxed);
    CrashPoint("locks.semaphore.held");
    e.word.store(available - 1, std::memory_order_release);
    *done = true;
    uint32_t abandoned = e.abandoned.load(std::memory_order_relaxed);
    if (abandoned > 0) {
      e.abandoned.store(abandoned - 1, std::memory_order_relaxed);
      result = Fail(DW_E_ABANDONED, "acquired a semaphore permit returned from a holder that died");
    }
  }
  UnlockRobust(&e.mutex);
  return result;
}

}  // namespace

dw_status OpenLock(Region& r, const uint8_t* name, uint32_t name_length, uint32_t kind, uint32_t max_count,
                   uint32_t* index) noexcept {
  if (name == nullptr || name_length == 0 || name_length > L::kMaxNameLength) {
    return Fail(DW_E_INVALID_ARGUMENT, "a lock name is 1 to %u bytes of UTF-8", L::kMaxNameLength);
  }
  if (kind != L::kLockMutex && kind != L::kLockSemaphore)
    return Fail(DW_E_INVALID_ARGUMENT, "unknown lock kind %u", kind);
  if (kind == L::kLockMutex) max_count = 1;
  if (max_count == 0 || max_count > UINT16_MAX) {
    return Fail(DW_E_INVALID_ARGUMENT, "a semaphore has 1 to %u permits; asked for %u", UINT16_MAX, max_count);
  }
  const uint64_t hash = HashBytes(name, name_length, r.header()->hash_seed);
  if (dw_status s = TakeRobust(r, TableMutex(r), nullptr, 0); s != DW_OK) return s;
  L::LockEntry* table = Table(r);
  dw_status result = Fail(DW_E_CAPACITY, "the cluster already has %u named locks", L::kLockCapacity);
  const NameProbe probe = ProbeNames(table, L::kLockCapacity, hash, [&](const L::LockEntry& e) {
    return e.name_hash == hash && e.name_length == name_length && std::memcmp(e.name, name, name_length) == 0;
  });
  if (probe.found != NameProbe::kNone) {
    const L::LockEntry& e = table[probe.found];
    if (e.kind != kind || e.max_count != max_count) {
      result = Fail(DW_E_CONFLICT, "the lock '%.*s' exists as a %s with %u permits", static_cast<int>(name_length),
                    name, e.kind == L::kLockMutex ? "mutex" : "semaphore", e.max_count);
    } else {
      *index = probe.found;
      result = DW_OK;
    }
  } else if (probe.vacant != NameProbe::kNone) {  // locks are never deleted: the vacant slot is an empty one
    L::LockEntry& e = table[probe.vacant];
    e.name_hash = hash;
    e.kind = kind;
    e.max_count = max_count;
    e.name_length = name_length;
    std::memcpy(e.name, name, name_length);
    e.word.store(kind == L::kLockMutex ? L::kMutexFree : max_count, std::memory_order_relaxed);
    e.state.store(L::kSlotLive, std::memory_order_release);  // last: complete from here
    *index = probe.vacant;
    result = DW_OK;
  }
  UnlockRobust(TableMutex(r));
  return result;
}

dw_status AcquireLock(Region& r, uint32_t index, int64_t timeout_ms) noexcept {
  if (index >= L::kLockCapacity) return Fail(DW_E_INVALID_ARGUMENT, "no lock has index %u", index);
  if (r.self() == Region::kNoProcess) return Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
  L::LockEntry& e = Table(r)[index];
  if (e.state.load(std::memory_order_acquire) != L::kSlotLive)
    return Fail(DW_E_INVALID_ARGUMENT, "no lock has index %u", index);
  // Beyond ~292 years the nanoseconds would overflow: that is no bound.
  const uint64_t deadline = (timeout_ms < 0 || timeout_ms > INT64_MAX / 1'000'000)
                                ? 0
                                : MonotonicNs() + static_cast<uint64_t>(timeout_ms) * 1'000'000ull;
  for (;;) {
    bool done = false;
    dw_status s = e.kind == L::kLockMutex ? TryMutex(r, e, &done) : TrySemaphore(r, index, &done);
    if (done || (s != DW_OK && s != DW_E_ABANDONED)) return s;
    if (timeout_ms == 0 || (deadline != 0 && RemainingNs(deadline) == 0)) {
      return Fail(DW_E_TIMEOUT, "the lock '%.*s' is held", static_cast<int>(e.name_length), e.name);
    }
    const uint32_t seen = e.word.load(std::memory_order_acquire);
    const bool free = e.kind == L::kLockMutex ? (seen == L::kMutexFree || seen == L::kMutexAbandoned) : seen > 0;
    if (!free) SleepOn(e, seen, deadline);
  }
}

dw_status ReleaseLock(Region& r, uint32_t index) noexcept {
  if (index >= L::kLockCapacity) return Fail(DW_E_INVALID_ARGUMENT, "no lock has index %u", index);
  if (r.self() == Region::kNoProcess) return Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
  L::LockEntry& e = Table(r)[index];
  if (e.kind == L::kLockMutex) {
    uint32_t mine = r.self() + 1;
    if (!e.word.compare_exchange_strong(mine, L::kMutexFree, std::memory_order_acq_rel)) {
      return Fail(DW_E_NOT_OWNER, "this process does not hold the mutex '%.*s'", static_cast<int>(e.name_length),
                  e.name);
    }
    WakeWaiters(r, e, 1);
    return DW_OK;
  }
  if (dw_status s = TakeRobust(r, &e.mutex, RecountSemaphore, index); s != DW_OK) return s;
  std::atomic<uint16_t>& held = Held(r, index)[r.self()];
  if (held.load(std::memory_order_relaxed) == 0) {
    UnlockRobust(&e.mutex);
    return Fail(DW_E_NOT_OWNER, "this process holds no permit of the semaphore '%.*s'", static_cast<int>(e.name_length),
                e.name);
  }
  held.fetch_sub(1, std::memory_order_relaxed);
  e.word.fetch_add(1, std::memory_order_release);
  UnlockRobust(&e.mutex);
  WakeWaiters(r, e, 1);
  return DW_OK;
}

void ReleaseLocksOf(Region& r, uint32_t dead_id) noexcept {
  L::LockEntry* table = Table(r);
  for (uint32_t i = 0; i < L::kLockCapacity; ++i) {
    L::LockEntry& e = table[i];
    const uint32_t state = e.state.load(std::memory_order_acquire);
    if (state != L::kSlotLive) continue;
    if (e.kind == L::kLockMutex) {
      uint32_t owner = dead_id + 1;
      if (e.word.compare_exchange_strong(owner, L::kMutexAbandoned, std::memory_order_acq_rel)) {
        WakeWaiters(r, e, 1);
      }
      SetMember(e.watchers, dead_id, false);
      continue;
    }
    SetMember(e.watchers, dead_id, false);
    std::atomic<uint16_t>& held = Held(r, i)[dead_id];
    if (held.load(std::memory_order_relaxed) == 0) continue;
    if (TakeRobust(r, &e.mutex, RecountSemaphore, i) != DW_OK) continue;
    const uint32_t n = held.exchange(0, std::memory_order_relaxed);
    e.word.fetch_add(n, std::memory_order_release);
    e.abandoned.fetch_add(n, std::memory_order_relaxed);
    UnlockRobust(&e.mutex);
    WakeWaiters(r, e, static_cast<int>(n));
  }
}

dw_status WatchLock(Region& r, uint32_t index, uint32_t id, bool watch) noexcept {
  if (index >= L::kLockCapacity || id >= L::kProcessCapacity ||
      Table(r)[index].state.load(std::memory_order_acquire) != L::kSlotLive) {
    return Fail(DW_E_INVALID_ARGUMENT, "no lock has index %u", index);
  }
  SetMember(Table(r)[index].watchers, id, watch);
  return DW_OK;
}

bool LockMayBeFree(const Region& r, uint32_t index) noexcept {
  if (index >= L::kLockCapacity) return true;  // the acquire reports it
  const L::LockEntry& e = Table(r)[index];
  const uint32_t w = e.word.load(std::memory_order_acquire);
  return e.kind == L::kLockMutex ? (w == L::kMutexFree || w == L::kMutexAbandoned) : w > 0;
}

}  // namespace dw
