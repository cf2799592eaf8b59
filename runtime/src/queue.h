// Named bounded queues of byte messages between processes: many writers, many readers.
//
// A writer holds the write mutex for one message: waits for a free cell, writes it (or
// spills a big message to a heap block it allocated before locking), commits it by storing
// the cell's sequence, advances the tail. A reader holds the read mutex likewise. Both
// mutexes are robust: a writer killed mid-message leaves an uncommitted cell that the next
// writer simply overwrites, or a committed one it finds and steps past; readers are never
// blocked by a writer's lock. See docs/protocol.md, "Queues".
#pragma once

#include <cstdint>

#include "dotnet_workers/dw_status.h"
#include "region.h"

namespace dw {

// The queue named `name` if it exists, without creating it or taking a lock (queues are
// never deleted and become live last): DW_E_NOT_FOUND otherwise. For readers that must
// not create what they look at (Cluster.Workers reading an inbox's depth).
dw_status FindQueue(const Region& region, const uint8_t* name, uint32_t name_length, uint32_t* index) noexcept;

// Opens (or creates) the queue `name` with `capacity` cells (rounded up to a power of two)
// of `slot_size` inline bytes (rounded up to 16), for messages of type identity `type_tag`
// (0: untyped). DW_E_CONFLICT if it exists with another shape; DW_E_TYPE_MISMATCH with
// *existing_type if it was created for another type; DW_E_CAPACITY if the table is full.
dw_status OpenQueue(Region& region, const uint8_t* name, uint32_t name_length, uint32_t capacity, uint32_t slot_size,
                    uint64_t type_tag, uint32_t* index, uint64_t* existing_type) noexcept;

// Writes one message, waiting at most timeout_ms for room (0: never wait; negative: no
// bound). DW_E_TIMEOUT if still full; DW_E_CLOSED if the queue was completed.
dw_status Enqueue(Region& region, uint32_t index, const uint8_t* bytes, uint32_t length, int64_t timeout_ms) noexcept;

// Writes up to `count` messages from `records` (`used` bytes of packed records: a u32 length,
// then the bytes, as DequeueMany reads them) under one lock, without waiting: as many as
// there is room for, in order, stopping before one bigger than the inline slot (write that
// one alone: it spills). *written tells how many. DW_E_TIMEOUT if the queue was full before
// the first (a first message too big to go inline is DW_OK with *written 0); DW_E_CLOSED if
// the queue was completed.
dw_status EnqueueMany(Region& region, uint32_t index, const uint8_t* records, uint32_t used, uint32_t count,
                      uint32_t* written) noexcept;

// Reads one message into `buffer`, waiting at most timeout_ms for one. DW_E_TIMEOUT if
// still empty; DW_E_CLOSED if empty and completed; DW_E_BUFFER_TOO_SMALL with *length =
// the size needed (the message stays first in the queue).
dw_status Dequeue(Region& region, uint32_t index, uint8_t* buffer, uint32_t capacity, uint32_t* length,
                  int64_t timeout_ms) noexcept;

// Reads up to max_messages messages (at most 64) under one lock, without waiting, into
// `buffer` (at least 4 bytes) as records of a u32 length then the bytes, packed; *count and
// *used tell how many and how many bytes. It stops before a message that does not fit the rest of the
// buffer. DW_E_TIMEOUT if empty; DW_E_CLOSED if empty and completed; DW_E_BUFFER_TOO_SMALL
// with *used = the capacity the first message needs (it stays first).
dw_status DequeueMany(Region& region, uint32_t index, uint8_t* buffer, uint32_t capacity, uint32_t max_messages,
                      uint32_t* count, uint32_t* used) noexcept;

// False only if the queue is certainly empty and not completed: no lock, no clock, no error
// message (a few atomic loads), so callers may skip the locked read. True also for an
// index with no queue: the locked path reports that.
bool QueueMayHaveMessage(const Region& region, uint32_t index) noexcept;

// No more messages will be written: writers get DW_E_CLOSED, readers get it once empty.
// `error` (optional): the bytes of the error it was completed with, for every reader.
// *first (optional) says whether this call completed it (false if it already was: the
// first completion's error stays).
dw_status CompleteQueue(Region& region, uint32_t index, const uint8_t* error = nullptr, uint32_t error_length = 0,
                        bool* first = nullptr) noexcept;

// The error the queue was completed with. DW_E_NOT_FOUND if it was not (or without one);
// DW_E_BUFFER_TOO_SMALL with *length the size needed.
dw_status QueueCompletionError(Region& region, uint32_t index, uint8_t* buffer, uint32_t capacity,
                               uint32_t* length) noexcept;

// What a process watches a queue for.
enum class QueueWatch : uint32_t {
  kMessages = 0,  // a message committed (or the queue completed): async readers
  kRoom = 1,      // a cell freed (or the queue completed): async writers
};

// Asks for process `id`'s doorbell to be rung on `what`; `watch` false stops it.
dw_status WatchQueue(Region& region, uint32_t index, uint32_t id, QueueWatch what, bool watch) noexcept;

// False only if the queue is certainly full and not completed (as QueueMayHaveMessage).
bool QueueMayHaveRoom(const Region& region, uint32_t index) noexcept;

// Messages waiting (a snapshot), and whether the queue was completed.
dw_status QueueState(const Region& region, uint32_t index, uint64_t* count, bool* completed) noexcept;

// The launcher, for a dead process: stops ringing it for any queue.
void UnwatchAllQueues(Region& region, uint32_t dead_id) noexcept;

}  // namespace dw
