// The C ABI (dotnet_workers/dw.h) over the C++ core. Every body is noexcept and guarded:
// no C++ exception may cross into the managed runtime.
#include "dotnet_workers/dw.h"

#include <cstddef>
#include <cstring>
#include <memory>

#include <unistd.h>

#include "last_error.h"
#include "process_table.h"
#include "region.h"
#include "shutdown.h"

namespace L = dw::layout;

namespace {

dw::Region* Unwrap(dw_region* region) { return reinterpret_cast<dw::Region*>(region); }
const dw::Region* Unwrap(const dw_region* region) {
  return reinterpret_cast<const dw::Region*>(region);
}
dw_region* Wrap(dw::Region* region) { return reinterpret_cast<dw_region*>(region); }

// Runs `body`, turning any escaping exception into DW_E_SYSTEM.
template <typename F>
dw_status Guard(F&& body) noexcept {
  try {
    dw::ClearLastError();
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
    default: return UINT64_MAX;
  }
}

dw_status dw_region_create(uint64_t size, uint32_t worker_count, uint32_t flags,
                           dw_region** out_region) {
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
      return dw::Fail(DW_E_BAD_DESCRIPTOR, "%s='%.200s' is not a region descriptor", DW_REGION_ENV,
                      descriptor);
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
      return dw::Fail(DW_E_NOT_FOUND, "process id %u is outside the table (0..%u)", id,
                      L::kProcessCapacity - 1);
    }
    if (!dw::ProcessReady(Unwrap(region)->process(id), pid)) {
      return dw::Fail(DW_E_NOT_FOUND, "the launcher started no process with id %u", id);
    }
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
    return DW_OK;
  });
}

const char* dw_last_error(void) { return dw::LastError(); }

}  // extern "C"
