// The RPC service registry: which processes serve which service (an interface's full name).
// A process registers before it takes calls; callers read the server bits to pick one; the
// launcher clears a dead process's bits. See docs/protocol.md, "Services".
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

// Finds or creates the entry for `name`, whose members exchange values of type identity
// `type_tag` (a topic's; 0 for an RPC service). DW_E_TYPE_MISMATCH with *existing_type if the
// entry was created with another identity; DW_E_CAPACITY if the table is full. With
// `type_tag` kAnyType it only finds an entry, of any type: DW_E_NOT_FOUND if there is none.
dw_status OpenService(Region& region, const uint8_t* name, uint32_t name_length, uint64_t type_tag, uint32_t* index,
                      uint64_t* existing_type) noexcept;

// Process `id` serves (serve true) or stops serving the service at `index`.
dw_status ServeService(Region& region, uint32_t index, uint32_t id, bool serve) noexcept;

// The processes serving it: 16 words, bit id % 64 of word id / 64.
dw_status ServiceServers(const Region& region, uint32_t index, uint64_t servers[16]) noexcept;

// Calls process `id` is serving now (callers send to the least busy); `delta` is +1 or -1.
void AddCallsInFlight(Region& region, uint32_t id, int32_t delta) noexcept;

// Process `id` answered a call: one fewer in flight, one more served (both on its doorbell's
// owner line, which only it writes: no other cache line is touched).
void CallAnswered(Region& region, uint32_t id) noexcept;
uint32_t CallsInFlight(const Region& region, uint32_t id) noexcept;

// The launcher, for a dead process: it serves nothing and has nothing in flight.
void UnserveAll(Region& region, uint32_t dead_id) noexcept;

}  // namespace dw
