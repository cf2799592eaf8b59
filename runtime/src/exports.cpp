// The C ABI (dotnet_workers/dw.h) over the C++ core: layout, region, processes, shutdown,
// memory statistics, clean-up, errors. Every body is noexcept and guarded: no C++ exception
// may cross into the managed runtime. The store and named objects: exports_store.cpp;
// messaging: exports_messaging.cpp.
#include "dotnet_workers/dw.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <memory>

#include <unistd.h>

#include "buffers.h"
#include "cleanup.h"
#include "doorbell.h"
#include "dotnet_workers/supervisor_requests.h"
#include "exports_guard.h"
#include "heap.h"
#include "last_error.h"
#include "process_table.h"
#include "region.h"
#include "shutdown.h"
#include "store.h"

namespace L = dw::layout;
using dw::exports::Guard;
using dw::exports::Unwrap;
using dw::exports::Wrap;

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
    case DW_LAYOUT_MUTEX_SIZE: return sizeof(L::MutexSlot);
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
    case DW_LAYOUT_SERVICE_ENTRY_SIZE: return sizeof(L::ServiceEntry);
    case DW_LAYOUT_OFF_SERVICE_GENERATION: return offsetof(L::ServiceEntry, generation);
    case DW_LAYOUT_OFF_ENTRY_RESTARTS: return offsetof(L::ProcessEntry, restarts);
    case DW_LAYOUT_OFF_ENTRY_LAST_EXIT_STATUS: return offsetof(L::ProcessEntry, last_exit_status);
    case DW_LAYOUT_OFF_ENTRY_LAST_EXIT_CAUSE: return offsetof(L::ProcessEntry, last_exit_cause);
    case DW_LAYOUT_OFF_DOORBELL_CALLS_SERVED: return offsetof(L::Doorbell, calls_served);
    case DW_LAYOUT_OFF_DOORBELL_GC_HEAP: return offsetof(L::Doorbell, gc_heap_bytes);
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

dw_status dw_region_open_readonly(const char* path, dw_region** out_region) {
  return Guard([&] {
    if (out_region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "out_region is null");
    *out_region = nullptr;
    std::unique_ptr<dw::Region> region;
    dw_status s = dw::Region::OpenReadOnly(path, &region);
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

dw_status dw_supervisor_request(dw_region* region, uint32_t kind, uint32_t id) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    if (kind != L::kRequestRestart && kind != L::kRequestStop && kind != L::kRequestReload)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "no request kind %u", kind);
    if (id == 0 || id >= L::kProcessCapacity) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "process %u is not a worker (1 to %u)", id, L::kProcessCapacity - 1);
    }
    const pid_t launcher = static_cast<pid_t>(Unwrap(region)->header()->launcher_pid);
    if (launcher == 0) return dw::Fail(DW_E_INVALID_ARGUMENT, "this cluster has no launcher (a cluster of one)");
    sigval value{};
    value.sival_int = L::EncodeRequest(kind, id);
    if (sigqueue(launcher, L::RequestSignal(), value) != 0) {
      return dw::FailErrno(errno == ESRCH ? DW_E_NOT_FOUND : DW_E_SYSTEM, "cannot reach the launcher (pid %d)",
                           launcher);
    }
    return DW_OK;
  });
}

dw_status dw_workers_start(dw_region* region, const uint8_t* role, uint32_t role_length, uint32_t count,
                           uint32_t* out_ids) {
  return Guard([&] {
    if (region == nullptr || role == nullptr || out_ids == nullptr) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    }
    const std::string_view name(reinterpret_cast<const char*>(role), role_length);
    if (!dw::IsValidRoleName(name) || name == "primary") {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "'%.*s' is not a worker role: 1-31 letters, digits, '_', '-' or '.'",
                      static_cast<int>(role_length), role);
    }
    if (count == 0 || count >= L::kProcessCapacity) {
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a cluster starts 1 to %u workers at once", L::kProcessCapacity - 1);
    }
    dw::Region& r = *Unwrap(region);
    const pid_t launcher = static_cast<pid_t>(r.header()->launcher_pid);
    if (launcher == 0) return dw::Fail(DW_E_INVALID_ARGUMENT, "this cluster has no launcher (a cluster of one)");
    const uint32_t first = r.header()->worker_count + 1;  // the cluster's own workers may not be started yet
    if (dw_status s = dw::ClaimWorkerIds(r.process(0), first, name, count, out_ids); s != DW_OK) return s;
    for (uint32_t i = 0; i < count; ++i) {
      sigval value{};
      value.sival_int = L::EncodeRequest(L::kRequestStart, out_ids[i]);
      if (sigqueue(launcher, L::RequestSignal(), value) != 0) {
        const int saved = errno;
        for (uint32_t j = i; j < count; ++j) dw::ReleaseWorkerId(r.process(out_ids[j]));  // never asked for
        errno = saved;
        return dw::FailErrno(errno == ESRCH ? DW_E_NOT_FOUND : DW_E_SYSTEM, "cannot reach the launcher (pid %d)",
                             launcher);
      }
    }
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

dw_status dw_process_cleanup(dw_region* region, uint32_t dead_id) {
  return Guard([&] {
    if (region == nullptr) return dw::Fail(DW_E_INVALID_ARGUMENT, "region is null");
    if (dead_id >= L::kProcessCapacity) return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table", dead_id);
    dw::CleanupProcess(*Unwrap(region), dead_id);
    return DW_OK;
  });
}

const char* dw_last_error(void) { return dw::LastError(); }

}  // extern "C"
