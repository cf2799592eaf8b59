// dotnet-workers: the RPC service registry (normative text: docs/protocol.md, "Services").
//
// One entry per service name (an interface's full name): which processes serve it, one bit
// per process id. A caller picks a server among those bits; the launcher clears a dead
// process's bits. Entries are never deleted.
#ifndef DOTNET_WORKERS_SERVICE_LAYOUT_H
#define DOTNET_WORKERS_SERVICE_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "process_set_layout.h"

namespace dw::layout {

inline constexpr uint32_t kServiceCapacity = 1024;      // services in a cluster
inline constexpr uint32_t kMaxServiceNameLength = 256;  // bytes of UTF-8
inline constexpr uint64_t kAnyType = UINT64_MAX;        // OpenService: find an entry of any type, create none

struct ServiceEntry {
  uint64_t name_hash;                //   0
  std::atomic<uint32_t> state;       //   8 atomic: kSlot* (objects_layout.h)
  uint32_t name_length;              //  12
  ProcessSet servers;                //  16 atomic: the processes that serve it (members, for a topic)
  uint64_t type_tag;                 // 144 a topic's value type identity (0: untyped, RPC services); set at creation
  std::atomic<uint64_t> generation;  // 152 atomic: +1 after every change of `servers` (callers cache their pick)
  uint8_t reserved[96];              // 160
  char name[kMaxServiceNameLength];  // 256
};                                   // 512

static_assert(offsetof(ServiceEntry, state) == 8);
static_assert(offsetof(ServiceEntry, servers) == 16);
static_assert(offsetof(ServiceEntry, type_tag) == 144);
static_assert(offsetof(ServiceEntry, generation) == 152);
static_assert(offsetof(ServiceEntry, name) == 256);
static_assert(sizeof(ServiceEntry) == 512);

}  // namespace dw::layout

#endif
