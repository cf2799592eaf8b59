#include "services.h"

#include <cstring>

#include "hash.h"
#include "last_error.h"
#include "name_table.h"
#include "process_set.h"
#include "robust_lock.h"
#include "robust_mutex.h"

namespace dw {
namespace L = layout;

namespace {

L::ServiceEntry* Table(const Region& r) { return r.At<L::ServiceEntry>(r.header()->services_offset); }

L::MutexSlot* TableMutex(const Region& r) {
  return &r.At<L::ObjectsControl>(r.header()->objects_control_offset)->services_mutex;
}

L::ServiceEntry* Live(const Region& r, uint32_t index) {
  if (index >= L::kServiceCapacity) return nullptr;
  L::ServiceEntry* s = &Table(r)[index];
  return s->state.load(std::memory_order_acquire) == L::kSlotLive ? s : nullptr;
}

L::Doorbell* DoorbellOf(const Region& r, uint32_t id) { return r.At<L::Doorbell>(r.header()->doorbells_offset) + id; }

}  // namespace

namespace {

// An entry found: the caller's type identity must be the one it was created with.
dw_status Found(const L::ServiceEntry& s, uint32_t i, uint64_t type_tag, uint32_t* index, uint64_t* existing_type) {
  if (type_tag != L::kAnyType && s.type_tag != type_tag) {
    *existing_type = s.type_tag;
    return Fail(DW_E_TYPE_MISMATCH, "'%.*s' was created for another type of value", static_cast<int>(s.name_length),
                s.name);
  }
  *index = i;
  return DW_OK;
}

}  // namespace

dw_status OpenService(Region& r, const uint8_t* name, uint32_t name_length, uint64_t type_tag, uint32_t* index,
                      uint64_t* existing_type) noexcept {
  *existing_type = 0;
  if (name == nullptr || name_length == 0 || name_length > L::kMaxServiceNameLength) {
    return Fail(DW_E_INVALID_ARGUMENT, "a service name is 1 to %u bytes of UTF-8", L::kMaxServiceNameLength);
  }
  const uint64_t hash = HashBytes(name, name_length, r.header()->hash_seed);
  L::ServiceEntry* table = Table(r);
  auto matches = [&](const L::ServiceEntry& s) {
    return s.name_hash == hash && s.name_length == name_length && std::memcmp(s.name, name, name_length) == 0;
  };
  // A look-up without the lock first: entries are never deleted and become live last.
  if (NameProbe probe = ProbeNames(table, L::kServiceCapacity, hash, matches); probe.found != NameProbe::kNone) {
    return Found(table[probe.found], probe.found, type_tag, index, existing_type);
  }
  if (type_tag == L::kAnyType) return FailQuietly(DW_E_NOT_FOUND, "no such entry");
  if (dw_status s = LockRepairing(r, TableMutex(r), "the services table's mutex is unrecoverable"); s != DW_OK)
    return s;
  dw_status result = Fail(DW_E_CAPACITY, "the cluster already has %u services", L::kServiceCapacity);
  const NameProbe probe = ProbeNames(table, L::kServiceCapacity, hash, matches);  // again, under the lock
  if (probe.found != NameProbe::kNone) {
    // Another process created it between the look-up and the lock.
    result = Found(table[probe.found], probe.found, type_tag, index, existing_type);
  } else if (probe.vacant != NameProbe::kNone) {
    L::ServiceEntry& s = table[probe.vacant];
    s.name_hash = hash;
    s.type_tag = type_tag;
    s.name_length = name_length;
    std::memcpy(s.name, name, name_length);
    s.state.store(L::kSlotLive, std::memory_order_release);  // last: complete from here
    *index = probe.vacant;
    result = DW_OK;
  }
  UnlockRobust(TableMutex(r));
  return result;
}

dw_status ServeService(Region& r, uint32_t index, uint32_t id, bool serve) noexcept {
  L::ServiceEntry* s = Live(r, index);
  if (s == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no service has index %u", index);
  if (id >= L::kProcessCapacity) return Fail(DW_E_NOT_FOUND, "process id %u is outside the table", id);
  // After the change (a caller that reads the old generation then the new members refreshes
  // again on its next call), and only for a change: serving twice moves no caller's pick.
  if (SetMember(s->servers, id, serve)) s->generation.fetch_add(1, std::memory_order_seq_cst);
  return DW_OK;
}

dw_status ServiceServers(const Region& r, uint32_t index, uint64_t servers[16]) noexcept {
  L::ServiceEntry* s = Live(r, index);
  if (s == nullptr) return Fail(DW_E_INVALID_ARGUMENT, "no service has index %u", index);
  ReadMembers(s->servers, servers);
  return DW_OK;
}

void AddCallsInFlight(Region& r, uint32_t id, int32_t delta) noexcept {
  if (id >= L::kProcessCapacity) return;
  DoorbellOf(r, id)->calls_in_flight.fetch_add(static_cast<uint32_t>(delta), std::memory_order_relaxed);
}

void CallAnswered(Region& r, uint32_t id) noexcept {
  if (id >= L::kProcessCapacity) return;
  L::Doorbell* d = DoorbellOf(r, id);
  d->calls_in_flight.fetch_sub(1, std::memory_order_relaxed);
  d->calls_served.fetch_add(1, std::memory_order_relaxed);
}

uint32_t CallsInFlight(const Region& r, uint32_t id) noexcept {
  if (id >= L::kProcessCapacity) return 0;
  return DoorbellOf(r, id)->calls_in_flight.load(std::memory_order_relaxed);
}

void UnserveAll(Region& r, uint32_t dead_id) noexcept {
  if (dead_id >= L::kProcessCapacity) return;
  for (uint32_t i = 0; i < L::kServiceCapacity; ++i) {
    if (Live(r, i) != nullptr) ServeService(r, i, dead_id, false);
  }
  DoorbellOf(r, dead_id)->calls_in_flight.store(0, std::memory_order_relaxed);
  DoorbellOf(r, dead_id)->calls_served.store(0, std::memory_order_relaxed);  // the next process of the id starts at 0
  DoorbellOf(r, dead_id)->gc_heap_bytes.store(0, std::memory_order_relaxed);
  DoorbellOf(r, dead_id)->polling.store(0, std::memory_order_relaxed);
}

}  // namespace dw
