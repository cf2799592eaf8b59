// Operations on a layout::ProcessSet (process_set_layout.h): join, leave, read.
#pragma once

#include <cstdint>

#include "dotnet_workers/process_set_layout.h"

namespace dw {

// Adds (`member` true) or removes process `id` (below kProcessCapacity); true if that
// changed the set. seq_cst: a writer that changes what the set watches, then reads the set
// (after a full fence), either sees the member or the member sees the change in its look
// after joining.
inline bool SetMember(layout::ProcessSet& set, uint32_t id, bool member) noexcept {
  const uint64_t bit = uint64_t{1} << (id % 64);
  const uint64_t before = member ? set.words[id / 64].fetch_or(bit, std::memory_order_seq_cst)
                                 : set.words[id / 64].fetch_and(~bit, std::memory_order_seq_cst);
  return ((before & bit) != 0) != member;
}

// The members, as 16 words of bits.
inline void ReadMembers(const layout::ProcessSet& set, uint64_t out[layout::kProcessSetWords]) noexcept {
  for (uint32_t w = 0; w < layout::kProcessSetWords; ++w) out[w] = set.words[w].load(std::memory_order_acquire);
}

// Calls `visit(id)` for every member (relaxed loads: the caller fenced).
template <typename Visit>
void ForEachMember(const layout::ProcessSet& set, Visit visit) {
  for (uint32_t w = 0; w < layout::kProcessSetWords; ++w) {
    uint64_t bits = set.words[w].load(std::memory_order_relaxed);
    while (bits != 0) {
      const uint32_t bit = static_cast<uint32_t>(__builtin_ctzll(bits));
      bits &= bits - 1;
      visit(w * 64 + bit);
    }
  }
}

}  // namespace dw
