// Named shared buffers: a block of the heap under a name, reference counted across
// processes. Opening and releasing take the buffers table's robust mutex; reading and
// writing the bytes take nothing (they are the caller's to coordinate).
//
// A reference is counted in the entry (`refs`) and in the holder's holdings, refs first
// when taking and last when giving back, so a process killed in between leaves refs one
// too high, never too low: the buffer is never freed under someone who still uses it. The
// next holder of the table's mutex recounts refs from the holdings (the crash was inside
// it), and the launcher gives a dead process's references back.
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

struct BufferView {
  uint64_t data_offset = 0;  // region offset of the bytes
  uint64_t size = 0;
  uint32_t index = 0;  // table slot: with generation, identifies the buffer
  uint32_t generation = 0;
  bool created = false;  // this call created it (its bytes are zero)
};

// Opens the buffer `name`, creating it with `size` zeroed bytes if it does not exist.
// `size` 0: open an existing buffer whatever its size (DW_E_NOT_FOUND if none).
// DW_E_CONFLICT if it exists with another size.
dw_status OpenBuffer(Region& region, const uint8_t* name, uint32_t name_length, uint64_t size,
                     BufferView* view) noexcept;

// Gives back one reference this process holds; the last one frees the bytes.
dw_status ReleaseBuffer(Region& region, uint32_t index, uint32_t generation) noexcept;

// The launcher: `count` references of a dead process.
void ReleaseBufferReferences(Region& region, uint32_t index, uint32_t count) noexcept;

// Buffers alive now.
uint32_t BufferCount(const Region& region) noexcept;

}  // namespace dw
