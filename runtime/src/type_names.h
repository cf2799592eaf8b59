// The table of value type names: identity -> the .NET type's name, for error messages that
// name the type a value really has. Lock-free: an entry is claimed by a compare-and-swap of
// its identity from 0, then written, then marked ready. See docs/protocol.md, "Type names".
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

// Records `name` (cut to kMaxTypeNameLength bytes) for `identity` (non-zero), unless some
// process did already. DW_E_CAPACITY if the table is full.
dw_status RegisterTypeName(Region& region, uint64_t identity, const uint8_t* name, uint32_t length) noexcept;

// Copies the name recorded for `identity`. DW_E_NOT_FOUND if none is (or not yet);
// DW_E_BUFFER_TOO_SMALL with *length the size needed.
dw_status FindTypeName(const Region& region, uint64_t identity, uint8_t* buffer, uint32_t capacity,
                       uint32_t* length) noexcept;

}  // namespace dw
