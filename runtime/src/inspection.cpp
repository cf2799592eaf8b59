#include "inspection.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "dotnet_workers/objects_layout.h"
#include "dotnet_workers/queue_layout.h"
#include "dotnet_workers/service_layout.h"
#include "last_error.h"

namespace dw {
namespace L = layout;

namespace {

void CopyName(dw_object_info* info, const void* name, uint32_t length) {
  info->name_length = std::min<uint32_t>(length, sizeof info->name);
  std::memcpy(info->name, name, info->name_length);
}

template <typename Entry>
const Entry* Slot(const Region& r, uint64_t table_offset, uint32_t index) {
  return r.At<Entry>(table_offset) + index;
}

}  // namespace

dw_status InspectObject(const Region& r, uint32_t table, uint32_t index, dw_object_info* info) noexcept {
  std::memset(info, 0, sizeof *info);
  info->table = table;
  switch (table) {
    case DW_INSPECT_BUFFERS: {
      if (index >= L::kBufferCapacity) break;
      const auto* b = Slot<L::BufferEntry>(r, r.header()->buffers_offset, index);
      if (b->state.load(std::memory_order_acquire) != L::kSlotLive) return FailQuietly(DW_E_NOT_FOUND, "empty");
      if (!r.InHeap(b->name_offset, b->name_length)) return FailQuietly(DW_E_NOT_FOUND, "changing");
      CopyName(info, r.At<uint8_t>(b->name_offset), b->name_length);
      info->values[0] = b->size;
      info->values[1] = b->refs.load(std::memory_order_relaxed);
      info->values[2] = b->generation;
      return DW_OK;
    }
    case DW_INSPECT_LOCKS: {
      if (index >= L::kLockCapacity) break;
      const auto* l = Slot<L::LockEntry>(r, r.header()->locks_offset, index);
      if (l->state.load(std::memory_order_acquire) != L::kSlotLive) return FailQuietly(DW_E_NOT_FOUND, "empty");
      CopyName(info, l->name, std::min<uint32_t>(l->name_length, L::kMaxNameLength));
      info->values[0] = l->kind;
      info->values[1] =
          l->word.load(std::memory_order_relaxed);  // mutex: holder id + 1 (0: free); semaphore: permits left
      info->values[2] = l->max_count;
      info->values[3] = l->waiters.load(std::memory_order_relaxed);
      return DW_OK;
    }
    case DW_INSPECT_QUEUES: {
      if (index >= L::kQueueCapacity) break;
      const auto* q = Slot<L::QueueEntry>(r, r.header()->queues_offset, index);
      if (q->state.load(std::memory_order_acquire) != L::kSlotLive) return FailQuietly(DW_E_NOT_FOUND, "empty");
      CopyName(info, q->name, std::min<uint32_t>(q->name_length, sizeof q->name));
      const uint64_t head = q->head.load(std::memory_order_acquire);
      const uint64_t tail = q->tail.load(std::memory_order_acquire);
      info->values[0] = tail > head ? tail - head : 0;
      info->values[1] = q->capacity;
      info->values[2] = q->slot_size;
      info->values[3] = q->completed.load(std::memory_order_acquire);
      return DW_OK;
    }
    case DW_INSPECT_SERVICES: {
      if (index >= L::kServiceCapacity) break;
      const auto* s = Slot<L::ServiceEntry>(r, r.header()->services_offset, index);
      if (s->state.load(std::memory_order_acquire) != L::kSlotLive) return FailQuietly(DW_E_NOT_FOUND, "empty");
      CopyName(info, s->name, std::min<uint32_t>(s->name_length, L::kMaxServiceNameLength));
      for (uint32_t w = 0; w < L::kProcessSetWords; ++w)
        info->members[w] = s->servers.words[w].load(std::memory_order_acquire);
      return DW_OK;
    }
    default: return Fail(DW_E_INVALID_ARGUMENT, "no table %u to inspect", table);
  }
  return Fail(DW_E_INVALID_ARGUMENT, "slot %u is past the end of table %u", index, table);
}

}  // namespace dw
