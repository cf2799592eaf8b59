// dotnet-workers: the slot every process-shared robust mutex of the region lives in
// (normative text: docs/protocol.md, "Robust mutexes").
//
// glibc's pthread_mutex_t is 40 bytes on x86-64 and 48 on aarch64. The region's layouts put
// other fields right after their mutexes (a store stripe's sequence, a free list's head), so
// the mutex sits in a slot of one fixed size on every architecture: the offsets, the
// managed mirror and docs/protocol.md stay the same whichever one the core is built for.
#ifndef DOTNET_WORKERS_MUTEX_LAYOUT_H
#define DOTNET_WORKERS_MUTEX_LAYOUT_H

#include <pthread.h>

#include <cstdint>

namespace dw::layout {

inline constexpr uint32_t kMutexSlotSize = 48;

// Only robust_mutex.h touches `mutex`; the layouts see a 48-byte, 8-aligned field.
union MutexSlot {
  pthread_mutex_t mutex;
  uint8_t bytes[kMutexSlotSize];
};

static_assert(sizeof(pthread_mutex_t) <= kMutexSlotSize, "this libc's pthread_mutex_t does not fit its slot");
static_assert(sizeof(MutexSlot) == kMutexSlotSize);
static_assert(alignof(MutexSlot) == 8);

}  // namespace dw::layout

#endif
