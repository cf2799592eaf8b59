// The C ABI of messaging: queues, doorbells, services and calls in flight.
#include "dotnet_workers/dw.h"

#include <algorithm>

#include "doorbell.h"
#include "exports_guard.h"
#include "last_error.h"
#include "queue.h"
#include "services.h"

namespace L = dw::layout;
using dw::exports::Guard;
using dw::exports::Unwrap;
using dw::exports::Wrap;

extern "C" {

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

dw_status dw_queue_find(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t* out_index) {
  return Guard([&] {
    if (region == nullptr || out_index == nullptr)
      return dw::Fail(DW_E_INVALID_ARGUMENT, "a required argument is null");
    return dw::FindQueue(*Unwrap(region), name, name_length, out_index);
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

void dw_call_started(dw_region* region) {
  if (region == nullptr || Unwrap(region)->self() == dw::Region::kNoProcess) return;
  dw::AddCallsInFlight(*Unwrap(region), Unwrap(region)->self(), +1);
}

void dw_call_answered(dw_region* region) {
  if (region == nullptr || Unwrap(region)->self() == dw::Region::kNoProcess) return;
  dw::CallAnswered(*Unwrap(region), Unwrap(region)->self());
}

uint32_t dw_calls_in_flight(dw_region* region, uint32_t id) {
  if (region == nullptr) return 0;
  return dw::CallsInFlight(*Unwrap(region), id);
}

}  // extern "C"
