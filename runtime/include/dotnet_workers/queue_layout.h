// dotnet-workers: named queues and per-process doorbells (normative text: docs/protocol.md,
// "Queues", "Doorbells").
//
// A queue is a ring of `capacity` cells (a power of two) in a heap block. A cell is a
// 16-byte header (a sequence number in the style of Vyukov's bounded queue, the message
// length, flags) and `slot_size` bytes; a message that does not fit is "spilled" to a heap
// block whose offset the slot holds. Writers take the write mutex, readers the read mutex:
// both robust, so a writer killed mid-message never blocks readers, and the next writer
// repairs the tail.
#ifndef DOTNET_WORKERS_QUEUE_LAYOUT_H
#define DOTNET_WORKERS_QUEUE_LAYOUT_H

#include "mutex_layout.h"
#include "process_set_layout.h"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace dw::layout {

inline constexpr uint32_t kQueueCapacity = 256;       // named queues in a cluster
inline constexpr uint32_t kMaxQueueCells = 1u << 20;  // cells in one queue
inline constexpr uint32_t kMaxSlotSize = 64 * 1024;   // bytes inline in a cell
inline constexpr uint64_t kCellHeaderSize = 16;

// QueueCell::flags.
inline constexpr uint32_t kCellSpilled = 1u << 0;  // the slot holds the u64 offset of a heap block with the message

struct QueueCell {
  std::atomic<uint64_t> sequence;  //  0 atomic: == position: free for the writer of that position;
                                   //    == position + 1: holds that position's message
  uint32_t length;                 //  8 the message's bytes
  uint32_t flags;                  // 12 kCell*
};                                 // 16; the slot follows

// One queue. Cache lines: 0 the description, 1 writers, 2 readers, 3 wake-ups, 4-5 the
// processes with async readers waiting, 6-7 the name, 8-9 the processes with async writers
// waiting.
struct QueueEntry {
  // line 0
  uint64_t name_hash;               //   0
  std::atomic<uint32_t> state;      //   8 atomic: kSlot* (objects_layout.h)
  uint32_t capacity;                //  12 cells, a power of two
  uint32_t slot_size;               //  16 bytes inline per cell (a multiple of 16)
  uint32_t name_length;             //  20
  uint64_t cells_offset;            //  24 heap payload: capacity x (16 + slot_size) bytes
  std::atomic<uint32_t> completed;  //  32 atomic: 1 once a writer said no more messages will come
  uint32_t reserved0;               //  36
  uint64_t type_tag;                //  40 the messages' type identity (0: untyped bytes); set at creation
  uint64_t error_offset;            //  48 heap payload: u32 length, then the bytes of the error the queue
                                    //     was completed with (0: none); written before `completed`
  uint64_t reserved0b;              //  56
  // line 1: writers
  MutexSlot write_mutex;       //  64 robust, process-shared
  std::atomic<uint64_t> tail;  // 112 atomic: the next position to write
  uint64_t reserved1;          // 120
  // line 2: readers
  MutexSlot read_mutex;        // 128 robust, process-shared
  std::atomic<uint64_t> head;  // 176 atomic: the next position to read
  uint64_t reserved2;          // 184
  // line 3: blocking waits
  std::atomic<uint32_t> not_empty;        // 192 atomic, futex: bumped when a message is committed and readers wait
  std::atomic<uint32_t> readers_waiting;  // 196 atomic
  std::atomic<uint32_t> not_full;         // 200 atomic, futex: bumped when a cell is freed and writers wait
  std::atomic<uint32_t> writers_waiting;  // 204 atomic
  uint32_t reserved3[12];                 // 208
  // lines 4-5: the processes whose dispatcher waits for this queue's messages
  ProcessSet message_watchers;  // 256 atomic
  // lines 6-7
  char name[128];  // 384
  // lines 8-9: the processes whose dispatcher waits for room in this queue
  ProcessSet room_watchers;  // 512 atomic
};

// One per process: its dispatcher sleeps on `ring` and is woken by a writer that committed
// a message to a queue it watches (and by shutdown, local stop, a process dying).
// `polling` counts the process's threads that are reading its inbox in a spin right now (a
// caller waiting for its answer, a chain runner waiting for more work): while one does, a
// message needs no kernel wake-up, so ringers skip it (see docs/protocol.md, "Doorbells").
// `calls_in_flight` lives here too, on a line of its own: callers read it to send a call to
// the least busy server, and the server changes it twice per call; on the line every
// message's sender writes (`ring`), those changes would bounce it between cores.
struct Doorbell {
  // line 0: written by senders, read by them and by the owner
  std::atomic<uint32_t> ring;      //   0 atomic, futex: +1 per ring
  std::atomic<uint32_t> sleeping;  //   4 atomic: 1 while the dispatcher sleeps (ringers only call the kernel then)
  std::atomic<uint32_t> polling;   //   8 atomic: threads polling the inbox now
  uint8_t reserved0[52];           //  12
  // line 1: written by the owner, read by callers choosing a server and by Cluster.Workers
  std::atomic<uint32_t> calls_in_flight;  //  64 atomic: RPC calls this process is serving now
  uint32_t reserved1;                     //  68
  std::atomic<uint64_t> calls_served;     //  72 atomic: RPC calls it has answered (with the decrement above)
  std::atomic<uint64_t> gc_heap_bytes;    //  80 atomic: its managed heap, published about once a second
  uint8_t reserved2[40];                  //  88
};

static_assert(sizeof(QueueCell) == kCellHeaderSize);
static_assert(sizeof(QueueEntry) == 640);
static_assert(offsetof(QueueEntry, completed) == 32);
static_assert(offsetof(QueueEntry, type_tag) == 40);
static_assert(offsetof(QueueEntry, error_offset) == 48);
static_assert(offsetof(QueueEntry, write_mutex) == 64);
static_assert(offsetof(QueueEntry, tail) == 112);
static_assert(offsetof(QueueEntry, read_mutex) == 128);
static_assert(offsetof(QueueEntry, head) == 176);
static_assert(offsetof(QueueEntry, not_empty) == 192);
static_assert(offsetof(QueueEntry, message_watchers) == 256);
static_assert(offsetof(QueueEntry, room_watchers) == 512);
static_assert(offsetof(QueueEntry, name) == 384);
static_assert(offsetof(Doorbell, polling) == 8);
static_assert(offsetof(Doorbell, calls_in_flight) == 64);
static_assert(offsetof(Doorbell, calls_served) == 72);
static_assert(offsetof(Doorbell, gc_heap_bytes) == 80);
static_assert(sizeof(Doorbell) == 128);

}  // namespace dw::layout

#endif
