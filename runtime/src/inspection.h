// Read-only views of the region's named objects for the CLI's `inspect`: one table slot at
// a time, copied out without a lock (a slot that changes meanwhile is read again). Nothing
// here writes to the region: it works on a mapping opened read-only.
#pragma once

#include <cstdint>

#include "dotnet_workers/dw.h"
#include "region.h"

namespace dw {

// Slot `index` of `table` (DW_INSPECT_*): DW_OK with *info filled if it holds a live object,
// DW_E_NOT_FOUND if it is empty, DW_E_INVALID_ARGUMENT past the table's end.
dw_status InspectObject(const Region& region, uint32_t table, uint32_t index, dw_object_info* info) noexcept;

}  // namespace dw
