// The one look-up of the region's named-object tables (buffers, locks, queues, services):
// open addressing from hash % capacity over entries with a `state` (objects_layout.h
// kSlot*: empty ends a probe sequence, live entries are compared by name, deleted ones are
// skipped but may be reused). Each table supplies how to compare a live entry's name; the
// caller holds the table's mutex to create, or reads without it where entries become live
// last and are never deleted (services, and queues for FindQueue).
#pragma once

#include <atomic>
#include <cstdint>

#include "dotnet_workers/objects_layout.h"

namespace dw {

struct NameProbe {
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t found = kNone;   // the live entry with the name
  uint32_t vacant = kNone;  // the first slot a new entry may take (deleted or empty), if `found` is none
};

// Probes `table` (`capacity` entries) for the name `matches(entry)` accepts.
template <typename Entry, typename Matches>
NameProbe ProbeNames(Entry* table, uint32_t capacity, uint64_t hash, Matches matches) {
  NameProbe probe;
  for (uint32_t step = 0; step < capacity; ++step) {
    const uint32_t i = static_cast<uint32_t>((hash + step) % capacity);
    Entry& e = table[i];
    const uint32_t state = e.state.load(std::memory_order_acquire);
    if (state == layout::kSlotLive && matches(e)) {
      probe.found = i;
      return probe;
    }
    if (state != layout::kSlotLive && probe.vacant == NameProbe::kNone) probe.vacant = i;
    if (state == layout::kSlotEmpty) break;  // never used: the name is nowhere further
  }
  return probe;
}

}  // namespace dw
