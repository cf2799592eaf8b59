// dotnet-workers: a set of processes, one bit per process id (normative text:
// docs/protocol.md, "Process sets"). The one shape of every "which processes ..." field in the
// region: the servers of a service, the members of a topic, the processes whose doorbell
// rings when a queue gets a message or room, a lock is released, a GetOrSet claim settles.
#ifndef DOTNET_WORKERS_PROCESS_SET_LAYOUT_H
#define DOTNET_WORKERS_PROCESS_SET_LAYOUT_H

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace dw::layout {

inline constexpr uint32_t kProcessSetWords = 16;  // 16 x 64 bits: process ids 0..1023

// Bit id % 64 of word id / 64 is process `id`. Each word is changed with one atomic
// read-modify-write (seq_cst), so members join and leave concurrently.
struct ProcessSet {
  std::atomic<uint64_t> words[kProcessSetWords];
};

static_assert(sizeof(ProcessSet) == 128);

}  // namespace dw::layout

#endif
