// dotnet-workers: the table of value type names (normative text: docs/protocol.md, "Type names").
//
// Stored values, queue messages and events carry a 64-bit type identity (a hash of the
// .NET type's name, computed by the managed side); a reader asking for another type is
// told which type is there. This table turns an identity back into that name, for the
// message: every process registers the types it writes, once each. Entries are never
// removed; a full table only makes messages less precise ("an unknown type").
#ifndef DOTNET_WORKERS_TYPE_NAMES_LAYOUT_H
#define DOTNET_WORKERS_TYPE_NAMES_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace dw::layout {

inline constexpr uint32_t kTypeNameCapacity = 1024;  // distinct value types in a cluster
inline constexpr uint32_t kMaxTypeNameLength = 240;  // bytes of UTF-8 kept of a name (longer ones are cut)

struct TypeNameEntry {
  std::atomic<uint64_t> identity;  //   0 atomic: 0 = free (ends a probe); claimed by a compare-and-swap from 0
  std::atomic<uint32_t> ready;     //   8 atomic: 1 once `name` is written (the claimer may die before)
  uint32_t length;                 //  12 bytes of `name`
  char name[kMaxTypeNameLength];   //  16 UTF-8, not NUL-terminated
};                                 // 256

static_assert(offsetof(TypeNameEntry, ready) == 8);
static_assert(offsetof(TypeNameEntry, name) == 16);
static_assert(sizeof(TypeNameEntry) == 256);

}  // namespace dw::layout

#endif
