// The C ABI (dotnet_workers/dw.h) over the C++ core. Every body is noexcept and guarded:
// no C++ exception may cross into the managed runtime.
#include "dotnet_workers/dw.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

#include <unistd.h>

#include "buffers.h"
#include "cleanup.h"
#include "doorbell.h"
#include "hash.h"
#include "heap.h"
#include "last_error.h"
#include "named_locks.h"
#include "process_table.h"
#include "queue.h"
#include "region.h"
#include "services.h"
#include "shutdown.h"
#include "store.h"
#include "type_names.h"

namespace L = dw::layout;

namespace {

dw::Region* Unwrap(dw_region* region) { return reinterpret_cast<dw::Region*>(region); }
const dw::Region* Unwrap(const dw_region* region) { return reinterpret_cast<const dw::Region*>(region); }
dw_region* Wrap(dw::Region* region) { return reinterpret_cast<dw_region*>(region); }

// Runs `body`, turning any escaping exception into DW_E_SYSTEM. The error message is
// written only on failure (dw_last_error is read only after one): touching the thread-local
// buffer on every call would cost a TLS lookup on the hot path.
template <typename F>
dw_status Guard(F&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return dw::Fail(DW_E_SYSTEM, "unexpected internal error");
  }
}

}  // namespace

extern "C" {

uint32_t dw_layout_version(void) { return L::kLayoutVersion; }

uint32_t dw_format_word(void) { return L::FormatWord(); }

uint64_t dw_layout_value(int32_t which) {
  switch (which) {
    case DW_LAYOUT_HEADER_SIZE: return L::kHeaderSize;
    case DW_LAYOUT_PROCESS_TABLE_OFFSET: return L::kProcessTableOffset;
    case DW_LAYOUT_PROCESS_CAPACITY: return L::kProcessCapacity;
    case DW_LAYOUT_PROCESS_ENTRY_SIZE: return L::kProcessEntrySize;
    case DW_LAYOUT_ROLE_CAPACITY: return L::kRoleCapacity;
    case DW_LAYOUT_MIN_REGION_SIZE: return L::kMinRegionSize;
    case DW_LAYOUT_OFF_MAGIC: return offsetof(L::RegionHeader, magic);
    case DW_LAYOUT_OFF_LAYOUT_VERSION: return offsetof(L::RegionHeader, layout_version);
    case DW_LAYOUT_OFF_FORMAT_WORD: return offsetof(L::RegionHeader, format_word);
    case DW_LAYOUT_OFF_REGION_SIZE: return offsetof(L::RegionHeader, region_size);
    case DW_LAYOUT_OFF_BASE_ADDRESS: return offsetof(L::RegionHeader, base_address);
    case DW_LAYOUT_OFF_LAUNCHER_PID: return offsetof(L::RegionHeader, launcher_pid);
    case DW_LAYOUT_OFF_PROCESS_CAPACITY: return offsetof(L::RegionHeader, process_capacity);
    case DW_LAYOUT_OFF_WORKER_COUNT: return offsetof(L::RegionHeader, worker_count);
    case DW_LAYOUT_OFF_FLAGS: return offsetof(L::RegionHeader, flags);
    case DW_LAYOUT_OFF_PROCESS_TABLE_OFFSET: return offsetof(L::RegionHeader, process_table_offset);
    case DW_LAYOUT_OFF_CREATED_UNIX_NS: return offsetof(L::RegionHeader, created_unix_ns);
    case DW_LAYOUT_OFF_SHUTDOWN_STATE: return offsetof(L::RegionHeader, shutdown_state);
    case DW_LAYOUT_OFF_SHUTDOWN_REASON: return offsetof(L::RegionHeader, shutdown_reason);
    case DW_LAYOUT_OFF_ENTRY_STATE: return offsetof(L::ProcessEntry, state);
    case DW_LAYOUT_OFF_ENTRY_PID: return offsetof(L::ProcessEntry, pid);
    case DW_LAYOUT_OFF_ENTRY_ID: return offsetof(L::ProcessEntry, id);
    case DW_LAYOUT_OFF_ENTRY_EXIT_STATUS: return offsetof(L::ProcessEntry, exit_status);
    case DW_LAYOUT_OFF_ENTRY_STARTED_NS: return offsetof(L::ProcessEntry, started_ns);
    case DW_LAYOUT_OFF_ENTRY_READY_NS: return offsetof(L::ProcessEntry, ready_ns);
    case DW_LAYOUT_OFF_ENTRY_ROLE: return offsetof(L::ProcessEntry, role);
    case DW_LAYOUT_MAGIC: return L::kMagic;
    case DW_LAYOUT_OFF_HOLDINGS_OFFSET: return offsetof(L::RegionHeader, holdings_offset);
    case DW_LAYOUT_OFF_HEAP_CONTROL_OFFSET: return offsetof(L::RegionHeader, heap_control_offset);
    case DW_LAYOUT_OFF_OBJECTS_CONTROL_OFFSET: return offsetof(L::RegionHeader, objects_control_offset);
    case DW_LAYOUT_OFF_STRIPES_OFFSET: return offsetof(L::RegionHeader, stripes_offset);
    case DW_LAYOUT_OFF_BUFFERS_OFFSET: return offsetof(L::RegionHeader, buffers_offset);
    case DW_LAYOUT_OFF_LOCKS_OFFSET: return offsetof(L::RegionHeader, locks_offset);
    case DW_LAYOUT_OFF_BUCKETS_OFFSET: return offsetof(L::RegionHeader, buckets_offset);
    case DW_LAYOUT_OFF_BUCKET_BITMAP_OFFSET: return offsetof(L::RegionHeader, bucket_bitmap_offset);
    case DW_LAYOUT_OFF_BUCKET_COUNT: return offsetof(L::RegionHeader, bucket_count);
    case DW_LAYOUT_OFF_CORRUPT: return offsetof(L::RegionHeader, corrupt);
    case DW_LAYOUT_OFF_HEAP_OFFSET: return offsetof(L::RegionHeader, heap_offset);
    case DW_LAYOUT_OFF_HEAP_END: return offsetof(L::RegionHeader, heap_end);
    case DW_LAYOUT_OFF_ENTRY_COUNT: return offsetof(L::RegionHeader, entry_count);
    case DW_LAYOUT_MAX_KEY_LENGTH: return L::kMaxKeyLength;
    case DW_LAYOUT_MAX_NAME_LENGTH: return L::kMaxNameLength;
    case DW_LAYOUT_MUTEX_SIZE: return sizeof(pthread_mutex_t);
    case DW_LAYOUT_STRIPE_COUNT: return L::kStripeCount;
    case DW_LAYOUT_MAX_CHAIN_LENGTH: return L::kMaxChainLength;
    case DW_LAYOUT_OFF_HASH_SEED: return offsetof(L::RegionHeader, hash_seed);
    case DW_LAYOUT_OFF_STRIPE_VERSIONS: return offsetof(L::Stripe, versions);
    case DW_LAYOUT_OFF_QUEUES_OFFSET: return offsetof(L::RegionHeader, queues_offset);
    case DW_LAYOUT_OFF_DOORBELLS_OFFSET: return offsetof(L::RegionHeader, doorbells_offset);
    case DW_LAYOUT_OFF_SERVICES_OFFSET: return offsetof(L::RegionHeader, services_offset);
    case DW_LAYOUT_QUEUE_CAPACITY: return L::kQueueCapacity;
    case DW_LAYOUT_MAX_QUEUE_CELLS: return L::kMaxQueueCells;
    case DW_LAYOUT_MAX_SLOT_SIZE: return L::kMaxSlotSize;
    case DW_LAYOUT_SERVICE_CAPACITY: return L::kServiceCapacity;
    case DW_LAYOUT_MAX_SERVICE_NAME_LENGTH: return L::kMaxServiceNameLength;
    case DW_LAYOUT_DOORBELL_SIZE: return sizeof(L::Doorbell);
    case DW_LAYOUT_OFF_DOORBELL_CALLS: return offsetof(L::Doorbell, calls_in_flight);
    case DW_LAYOUT_OFF_DOORBELL_POLLING: return offsetof(L::Doorbell, polling);
    case DW_LAYOUT_QUEUE_ENTRY_SIZE: return sizeof(L::QueueEntry);
    case DW_LAYOUT_OFF_QUEUE_WRITE_MUTEX: return offsetof(L::QueueEntry, write_mutex);
    case DW_LAYOUT_OFF_TYPE_NAMES_OFFSET: return offsetof(L::RegionHeader, type_names_offset);
    case DW_LAYOUT_TYPE_NAME_CAPACITY: return L::kTypeNameCapacity;
    case DW_LAYOUT_MAX_TYPE_NAME_LENGTH: return L::kMaxTypeNameLength;
    default: return UINT64_MAX;
  }
}

dw_status dw_region_create(uint64_t size, uint32_t worker_count, uint32_t flags, dw_region** out_region) {
  return Guard([&] {
    if (out_region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "out_region is null");
    *out_region = nullptr;
    std::unique_ptr<dw::Region> region;
    dw_status s = dw::Region::Create(size, worker_count, flags, &region);
    if (s == DW_OK) *out_region = Wrap(region.release());
    return s;
  });
}

dw_status dw_region_attach(const char* descriptor, dw_region** out_region) {
  return Guard([&] {
    if (out_region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "out_region is null");
    *out_region = nullptr;
    if (descriptor == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "descriptor is null");
    dw::RegionDescriptor d;
    if (!dw::ParseRegionDescriptor(descriptor, &d)) {
      return dw::Fail(DW_E_BAD_DESCRIPTOR, "%s='%.200s' is not a region descriptor", DW_REGION_ENV, descriptor);
    }
    std::unique_ptr<dw::Region> region;
    dw_status s = dw::Region::Attach(d, static_cast<uint32_t>(getpid()), &region);
    if (s == DW_OK) *out_region = Wrap(region.release());
    return s;
  });
}

dw_status dw_region_check(const void* base, uint64_t size) {
  return Guard([&] { return dw::Region::CheckHeader(base, size); });
}

void dw_region_close(dw_region* region) { delete Unwrap(region); }

void* dw_region_base(const dw_region* region) { return region ? Unwrap(region)->base() : nullptr; }

uint64_t dw_region_size(const dw_region* region) { return region ? Unwrap(region)->size() : 0; }

dw_status dw_shutdown_request(dw_region* region, uint32_t reason) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    dw::RequestShutdown(*Unwrap(region), reason);
    return DW_OK;
  });
}

dw_status dw_process_mark_ready(dw_region* region, uint32_t id, uint32_t pid) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    if (id >= L::kProcessCapacity) {
      return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table (0..%u)", id, L::kProcessCapacity - 1);
    }
    if (!dw::ProcessReady(Unwrap(region)->process(id), pid)) {
      return dw::Fail(DW_E_NOT_FOUND, "the launcher started no process with id %u", id);
    }
    Unwrap(region)->set_self(id);
    return DW_OK;
  });
}

dw_status dw_process_wait(dw_region* region, uint32_t id, int64_t timeout_ms, uint32_t* out_state) {
  return Guard([&] {
    if (region == nullptr || out_state == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "region or out_state is null");
    }
    if (id >= L::kProcessCapacity) return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table", id);
    // Beyond ~292 years of milliseconds the nanosecond count would overflow: no bound.
    const int64_t timeout_ns = (timeout_ms < 0 || timeout_ms > INT64_MAX / 1000000) ? -1 : timeout_ms * 1000000;
    bool ok = true;
    dw::Region* r = Unwrap(region);
    *out_state = dw::WaitWhileRunning(r->header(), r->process(id), timeout_ns, &ok);
    return ok ? DW_OK : dw::FailErrno(DW_E_SYSTEM, "futex wait failed");
  });
}

dw_status dw_process_stop(dw_region* region, uint32_t id) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    if (id >= L::kProcessCapacity) return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table", id);
    dw::ProcessStopping(Unwrap(region)->process(id));
    dw::RingDoorbell(*Unwrap(region), id, /*force=*/true);  // its dispatcher sleeps on the doorbell
    return DW_OK;
  });
}

dw_status dw_memory_statistics_read(dw_region* region, dw_memory_statistics* statistics) {
  return Guard([&] {
    if (region == nullptr || statistics == nullptr || statistics->size < sizeof(dw_memory_statistics)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "region or statistics is null, or statistics->size is too small");
    }
    const dw::Region& r = *Unwrap(region);
    const dw::HeapStatistics h = dw::ReadHeapStatistics(r);
    statistics->region_bytes = r.size();
    statistics->heap_bytes = h.heap_bytes;
    statistics->never_used = h.never_used;
    statistics->used_bytes = h.used_bytes;
    statistics->free_bytes = h.free_bytes;
    statistics->allocations = h.allocations;
    statistics->frees = h.frees;
    statistics->store_values = dw::StoreCount(r);
    statistics->buffers = dw::BufferCount(r);
    return DW_OK;
  });
}

namespace {

dw_status Key(dw_region* region, const uint8_t* bytes, uint32_t length, dw::StoreKey* key) {
  return dw::MakeStoreKey(*Unwrap(region), bytes, length, key);
}

}  // namespace

dw_status dw_store_get(dw_region* region, const uint8_t* key, uint32_t key_length, uint8_t* buffer, uint32_t capacity,
                       uint32_t* out_length, uint64_t* out_version, uint64_t* out_type) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || out_version == nullptr || out_type == nullptr ||
        (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    return dw::StoreGet(*Unwrap(region), k, buffer, capacity, out_length, out_version, out_type);
  });
}

dw_status dw_store_try_get(dw_region* region, const uint8_t* key, uint32_t key_length, uint8_t* buffer,
                           uint32_t capacity, uint32_t* out_length, uint64_t* out_version, uint64_t* out_type) {
  // No Guard, no message: nothing here throws or fails loudly; every doubt is DW_E_TIMEOUT.
  if (region == nullptr || key == nullptr || key_length == 0 || key_length > L::kMaxKeyLength ||
      out_length == nullptr || out_version == nullptr || out_type == nullptr || (buffer == nullptr && capacity > 0)) {
    return DW_E_TIMEOUT;
  }
  const dw::StoreKey k{key, key_length, dw::HashBytes(key, key_length, Unwrap(region)->header()->hash_seed)};
  return dw::StoreTryGetOnce(*Unwrap(region), k, buffer, capacity, out_length, out_version, out_type);
}

dw_status dw_store_set(dw_region* region, const uint8_t* key, uint32_t key_length, const dw_store_set_args* args,
                       uint32_t* out_applied, uint64_t* out_version) {
  return Guard([&] {
    if (region == nullptr || args == nullptr || out_applied == nullptr || out_version == nullptr ||
        args->size < sizeof(dw_store_set_args) || (args->value == nullptr && args->value_length > 0) ||
        (args->expected == nullptr && args->expected_length > 0) || args->mode > DW_SET_IF_EQUAL) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null or out of range");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    dw::SetRequest q;
    q.value = args->value;
    q.length = args->value_length;
    q.ttl_ns = args->ttl_ns;
    q.mode = static_cast<dw::SetMode>(args->mode);
    q.expected_version = args->expected_version;
    q.expected = args->expected;
    q.expected_length = args->expected_length;
    q.type = args->type_tag;
    bool applied = false;
    dw_status s = dw::StoreSet(*Unwrap(region), k, q, &applied, out_version);
    *out_applied = applied ? 1 : 0;
    return s;
  });
}

dw_status dw_store_remove(dw_region* region, const uint8_t* key, uint32_t key_length, uint32_t* out_removed) {
  return Guard([&] {
    if (region == nullptr || out_removed == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    bool removed = false;
    dw_status s = dw::StoreRemove(*Unwrap(region), k, &removed);
    *out_removed = removed ? 1 : 0;
    return s;
  });
}

dw_status dw_store_increment(dw_region* region, const uint8_t* key, uint32_t key_length, int64_t delta,
                             uint64_t type_tag, int64_t* out_value, uint64_t* out_existing_type) {
  return Guard([&] {
    if (region == nullptr || out_value == nullptr || out_existing_type == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    *out_existing_type = 0;
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    return dw::StoreIncrement(*Unwrap(region), k, delta, out_value, type_tag, out_existing_type);
  });
}

dw_status dw_store_claim(dw_region* region, const uint8_t* key, uint32_t key_length, uint64_t waited_round,
                         uint64_t type_tag, uint8_t* buffer, uint32_t capacity, uint32_t* out_length,
                         uint32_t* out_state, uint64_t* out_round, uint64_t* out_ref, uint64_t* out_type) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || out_state == nullptr || out_round == nullptr ||
        out_ref == nullptr || out_type == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    dw::ClaimState state = dw::ClaimState::kPending;
    *out_length = 0;
    *out_ref = 0;
    *out_type = 0;
    dw_status s = dw::StoreClaim(*Unwrap(region), k, waited_round, buffer, capacity, out_length, &state, out_round,
                                 out_ref, type_tag, out_type);
    *out_state = static_cast<uint32_t>(state);
    return s;
  });
}

dw_status dw_store_resolve(dw_region* region, const uint8_t* key, uint32_t key_length, uint64_t round, uint64_t ref,
                           uint32_t outcome, const uint8_t* bytes, uint32_t length, int64_t ttl_ns) {
  return Guard([&] {
    if (region == nullptr || (bytes == nullptr && length > 0) || outcome < DW_RESOLVE_VALUE ||
        outcome > DW_RESOLVE_ABANDONED) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null or out of range");
    }
    dw::StoreKey k;
    if (dw_status s = Key(region, key, key_length, &k); s != DW_OK) return s;
    return dw::StoreResolve(*Unwrap(region), k, round, ref, static_cast<dw::ClaimOutcome>(outcome), bytes, length,
                            ttl_ns);
  });
}

dw_status dw_store_keys(dw_region* region, const uint8_t* prefix, uint32_t prefix_length, uint64_t* inout_cursor,
                        uint8_t* buffer, uint32_t capacity, uint32_t* out_used, uint32_t* out_count) {
  return Guard([&] {
    if (region == nullptr || inout_cursor == nullptr || buffer == nullptr || out_used == nullptr ||
        out_count == nullptr || (prefix == nullptr && prefix_length > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    dw::Region& r = *Unwrap(region);
    if (*inout_cursor >= r.header()->bucket_count) {
      *out_used = 0;
      *out_count = 0;
      *inout_cursor = UINT64_MAX;
      return DW_OK;
    }
    dw_status s = dw::StoreKeys(r, prefix, prefix_length, inout_cursor, buffer, capacity, out_used, out_count);
    if (s == DW_OK && *inout_cursor >= r.header()->bucket_count) *inout_cursor = UINT64_MAX;
    return s;
  });
}

dw_status dw_buffer_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint64_t size,
                         dw_buffer_info* out_info) {
  return Guard([&] {
    if (region == nullptr || out_info == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    dw::BufferView view;
    dw_status s = dw::OpenBuffer(*Unwrap(region), name, name_length, size, &view);
    if (s == DW_OK) *out_info = {view.data_offset, view.size, view.index, view.generation, view.created ? 1u : 0u, 0};
    return s;
  });
}

dw_status dw_buffer_release(dw_region* region, uint32_t index, uint32_t generation) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::ReleaseBuffer(*Unwrap(region), index, generation);
  });
}

dw_status dw_lock_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t kind, uint32_t max_count,
                       uint32_t* out_index) {
  return Guard([&] {
    if (region == nullptr || out_index == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    return dw::OpenLock(*Unwrap(region), name, name_length, kind, max_count, out_index);
  });
}

dw_status dw_lock_acquire(dw_region* region, uint32_t index, int64_t timeout_ms) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::AcquireLock(*Unwrap(region), index, timeout_ms);
  });
}

dw_status dw_lock_release(dw_region* region, uint32_t index) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::ReleaseLock(*Unwrap(region), index);
  });
}

dw_status dw_queue_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t capacity,
                        uint32_t slot_size, uint64_t type_tag, uint32_t* out_index, uint64_t* out_existing_type) {
  return Guard([&] {
    if (region == nullptr || out_index == nullptr || out_existing_type == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::OpenQueue(*Unwrap(region), name, name_length, capacity, slot_size, type_tag, out_index,
                         out_existing_type);
  });
}

dw_status dw_queue_write(dw_region* region, uint32_t index, const uint8_t* bytes, uint32_t length, int64_t timeout_ms) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::Enqueue(*Unwrap(region), index, bytes, length, timeout_ms);
  });
}

dw_status dw_queue_read(dw_region* region, uint32_t index, uint8_t* buffer, uint32_t capacity, uint32_t* out_length,
                        int64_t timeout_ms) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::Dequeue(*Unwrap(region), index, buffer, capacity, out_length, timeout_ms);
  });
}

dw_status dw_queue_write_many(dw_region* region, uint32_t index, const uint8_t* records, uint32_t used, uint32_t count,
                              uint32_t* out_written) {
  return Guard([&] {
    if (region == nullptr || out_written == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    return dw::EnqueueMany(*Unwrap(region), index, records, used, count, out_written);
  });
}

dw_status dw_queue_read_many(dw_region* region, uint32_t index, uint8_t* buffer, uint32_t capacity,
                             uint32_t max_messages, uint32_t* out_count, uint32_t* out_used) {
  return Guard([&] {
    if (region == nullptr || out_count == nullptr || out_used == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::DequeueMany(*Unwrap(region), index, buffer, capacity, max_messages, out_count, out_used);
  });
}

int32_t dw_queue_may_have_message(dw_region* region, uint32_t index) {
  return region == nullptr || dw::QueueMayHaveMessage(*Unwrap(region), index) ? 1 : 0;
}

dw_status dw_queue_complete(dw_region* region, uint32_t index, const uint8_t* error, uint32_t error_length,
                            uint32_t* out_first) {
  return Guard([&] {
    if (region == nullptr || out_first == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    bool first = false;
    dw_status s = dw::CompleteQueue(*Unwrap(region), index, error, error_length, &first);
    *out_first = first ? 1 : 0;
    return s;
  });
}

dw_status dw_queue_completion_error(dw_region* region, uint32_t index, uint8_t* buffer, uint32_t capacity,
                                    uint32_t* out_length) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::QueueCompletionError(*Unwrap(region), index, buffer, capacity, out_length);
  });
}

dw_status dw_queue_watch(dw_region* region, uint32_t index, uint32_t what, uint32_t watch) {
  return Guard([&] {
    if (region == nullptr || what > DW_QUEUE_WATCH_ROOM)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null or `what` unknown");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    return dw::WatchQueue(r, index, r.self(), static_cast<dw::QueueWatch>(what), watch != 0);
  });
}

int32_t dw_queue_may_have_room(dw_region* region, uint32_t index) {
  return region == nullptr || dw::QueueMayHaveRoom(*Unwrap(region), index) ? 1 : 0;
}

dw_status dw_queue_state(dw_region* region, uint32_t index, uint64_t* out_count, uint32_t* out_completed) {
  return Guard([&] {
    if (region == nullptr || out_count == nullptr || out_completed == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    bool completed = false;
    dw_status s = dw::QueueState(*Unwrap(region), index, out_count, &completed);
    *out_completed = completed ? 1 : 0;
    return s;
  });
}

uint32_t dw_doorbell_read(dw_region* region) {
  if (region == nullptr || Unwrap(region)->self() == dw::Region::kNoProcess) return 0;
  return dw::ReadDoorbell(*Unwrap(region), Unwrap(region)->self());
}

dw_status dw_doorbell_wait(dw_region* region, uint32_t seen, int64_t spin_us, int64_t timeout_ms, uint32_t* out_ring) {
  return Guard([&] {
    if (region == nullptr || out_ring == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    const int64_t timeout_ns = (timeout_ms < 0 || timeout_ms > INT64_MAX / 1000000) ? -1 : timeout_ms * 1000000;
    const int64_t spin_ns = spin_us <= 0 ? 0 : std::min<int64_t>(spin_us, 1'000'000) * 1000;
    *out_ring = dw::WaitForDoorbell(r, r.self(), seen, spin_ns, timeout_ns);
    return DW_OK;
  });
}

dw_status dw_doorbell_ring(dw_region* region, uint32_t id) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    if (id >= L::kProcessCapacity) return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table", id);
    dw::RingDoorbell(*Unwrap(region), id, /*force=*/true);
    return DW_OK;
  });
}

void dw_doorbell_polling(dw_region* region, int32_t delta) {
  if (region == nullptr || Unwrap(region)->self() == dw::Region::kNoProcess) return;
  dw::AddPolling(*Unwrap(region), Unwrap(region)->self(), delta);
}

dw_status dw_service_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint64_t type_tag,
                          uint32_t* out_index, uint64_t* out_existing_type) {
  return Guard([&] {
    if (region == nullptr || out_index == nullptr || out_existing_type == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::OpenService(*Unwrap(region), name, name_length, type_tag, out_index, out_existing_type);
  });
}

dw_status dw_service_serve(dw_region* region, uint32_t index, uint32_t serve) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    return dw::ServeService(r, index, r.self(), serve != 0);
  });
}

dw_status dw_service_servers(dw_region* region, uint32_t index, uint64_t* out_servers16) {
  return Guard([&] {
    if (region == nullptr || out_servers16 == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    return dw::ServiceServers(*Unwrap(region), index, out_servers16);
  });
}

void dw_calls_in_flight_add(dw_region* region, int32_t delta) {
  if (region == nullptr || Unwrap(region)->self() == dw::Region::kNoProcess) return;
  dw::AddCallsInFlight(*Unwrap(region), Unwrap(region)->self(), delta);
}

uint32_t dw_calls_in_flight(dw_region* region, uint32_t id) {
  if (region == nullptr) return 0;
  return dw::CallsInFlight(*Unwrap(region), id);
}

dw_status dw_process_cleanup(dw_region* region, uint32_t dead_id) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    if (dead_id >= L::kProcessCapacity) return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table", dead_id);
    dw::CleanupProcess(*Unwrap(region), dead_id);
    return DW_OK;
  });
}

dw_status dw_type_name_register(dw_region* region, uint64_t identity, const uint8_t* name, uint32_t length) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    return dw::RegisterTypeName(*Unwrap(region), identity, name, length);
  });
}

dw_status dw_type_name_find(dw_region* region, uint64_t identity, uint8_t* buffer, uint32_t capacity,
                            uint32_t* out_length) {
  return Guard([&] {
    if (region == nullptr || out_length == nullptr || (buffer == nullptr && capacity > 0)) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    return dw::FindTypeName(*Unwrap(region), identity, buffer, capacity, out_length);
  });
}

dw_status dw_lock_watch(dw_region* region, uint32_t index, uint32_t watch) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    return dw::WatchLock(r, index, r.self(), watch != 0);
  });
}

int32_t dw_lock_may_be_free(dw_region* region, uint32_t index) {
  return region == nullptr || dw::LockMayBeFree(*Unwrap(region), index) ? 1 : 0;
}

dw_status dw_store_watch_claims(dw_region* region, uint32_t watch) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    dw::Region& r = *Unwrap(region);
    if (r.self() == dw::Region::kNoProcess)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "this attachment is not a cluster process");
    dw::WatchClaims(r, r.self(), watch != 0);
    return DW_OK;
  });
}

uint64_t dw_store_claims_settled(dw_region* region) {
  return region == nullptr ? 0 : Unwrap(region)->header()->claims_settled.load(std::memory_order_seq_cst);
}

const char* dw_last_error(void) { return dw::LastError(); }

}  // extern "C"
