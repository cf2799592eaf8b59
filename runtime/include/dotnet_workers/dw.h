/* dotnet-workers: the C ABI of the native shared-memory core (libdotnetworkers).
 *
 * Every export is prefixed dw_, returns a dw_status from dw_status.h (or a plain value
 * where it cannot fail), takes out-parameters last, and never lets a C++ exception
 * cross the boundary. When a call fails, dw_last_error() returns a message for the
 * calling thread describing the failure; it stays valid until that thread's next failure
 * (a successful call leaves it as it was).
 *
 * Thread safety: every function is safe to call from any thread of any process of the
 * cluster, except dw_region_close, which must be the last call on its region.
 */
#ifndef DOTNET_WORKERS_DW_H
#define DOTNET_WORKERS_DW_H

#include <stdint.h>

#include "dw_status.h"

#if defined(_WIN32)
#define DW_EXPORT __declspec(dllexport)
#else
#define DW_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* An attachment of this process to a region. Opaque. */
typedef struct dw_region dw_region;

/* The environment variable through which the launcher hands the region to a process. */
#define DW_REGION_ENV "DOTNET_WORKERS_REGION"

/* ---- Layout ------------------------------------------------------------------------ */

/* The layout version this library reads and writes (region_layout.h kLayoutVersion). */
DW_EXPORT uint32_t dw_layout_version(void);

/* The format word of this build: a hash of the sizes and alignments of the shared types. */
DW_EXPORT uint32_t dw_format_word(void);

/* Layout facts by number, for the managed parity test (see DW_LAYOUT_* below).
   Returns UINT64_MAX for an unknown number. */
DW_EXPORT uint64_t dw_layout_value(int32_t which);

#define DW_LAYOUT_HEADER_SIZE 0
#define DW_LAYOUT_PROCESS_TABLE_OFFSET 1
#define DW_LAYOUT_PROCESS_CAPACITY 2
#define DW_LAYOUT_PROCESS_ENTRY_SIZE 3
#define DW_LAYOUT_ROLE_CAPACITY 4
#define DW_LAYOUT_MIN_REGION_SIZE 5
#define DW_LAYOUT_OFF_MAGIC 6
#define DW_LAYOUT_OFF_LAYOUT_VERSION 7
#define DW_LAYOUT_OFF_FORMAT_WORD 8
#define DW_LAYOUT_OFF_REGION_SIZE 9
#define DW_LAYOUT_OFF_BASE_ADDRESS 10
#define DW_LAYOUT_OFF_LAUNCHER_PID 11
#define DW_LAYOUT_OFF_PROCESS_CAPACITY 12
#define DW_LAYOUT_OFF_WORKER_COUNT 13
#define DW_LAYOUT_OFF_FLAGS 14
#define DW_LAYOUT_OFF_PROCESS_TABLE_OFFSET 15
#define DW_LAYOUT_OFF_CREATED_UNIX_NS 16
#define DW_LAYOUT_OFF_SHUTDOWN_STATE 17
#define DW_LAYOUT_OFF_SHUTDOWN_REASON 18
#define DW_LAYOUT_OFF_ENTRY_STATE 19
#define DW_LAYOUT_OFF_ENTRY_PID 20
#define DW_LAYOUT_OFF_ENTRY_ID 21
#define DW_LAYOUT_OFF_ENTRY_EXIT_STATUS 22
#define DW_LAYOUT_OFF_ENTRY_STARTED_NS 23
#define DW_LAYOUT_OFF_ENTRY_READY_NS 24
#define DW_LAYOUT_OFF_ENTRY_ROLE 25
#define DW_LAYOUT_MAGIC 26
#define DW_LAYOUT_OFF_HOLDINGS_OFFSET 27
#define DW_LAYOUT_OFF_HEAP_CONTROL_OFFSET 28
#define DW_LAYOUT_OFF_OBJECTS_CONTROL_OFFSET 29
#define DW_LAYOUT_OFF_STRIPES_OFFSET 30
#define DW_LAYOUT_OFF_BUFFERS_OFFSET 31
#define DW_LAYOUT_OFF_LOCKS_OFFSET 32
#define DW_LAYOUT_OFF_BUCKETS_OFFSET 33
#define DW_LAYOUT_OFF_BUCKET_BITMAP_OFFSET 34
#define DW_LAYOUT_OFF_BUCKET_COUNT 35
#define DW_LAYOUT_OFF_CORRUPT 36
#define DW_LAYOUT_OFF_HEAP_OFFSET 37
#define DW_LAYOUT_OFF_HEAP_END 38
#define DW_LAYOUT_OFF_ENTRY_COUNT 39
#define DW_LAYOUT_MAX_KEY_LENGTH 40
#define DW_LAYOUT_MAX_NAME_LENGTH 41
#define DW_LAYOUT_MUTEX_SIZE 42
#define DW_LAYOUT_STRIPE_COUNT 43
#define DW_LAYOUT_MAX_CHAIN_LENGTH 44
#define DW_LAYOUT_OFF_HASH_SEED 45
#define DW_LAYOUT_OFF_STRIPE_VERSIONS 46
#define DW_LAYOUT_OFF_QUEUES_OFFSET 47
#define DW_LAYOUT_OFF_DOORBELLS_OFFSET 48
#define DW_LAYOUT_OFF_SERVICES_OFFSET 49
#define DW_LAYOUT_QUEUE_CAPACITY 50
#define DW_LAYOUT_MAX_QUEUE_CELLS 51
#define DW_LAYOUT_MAX_SLOT_SIZE 52
#define DW_LAYOUT_SERVICE_CAPACITY 53
#define DW_LAYOUT_MAX_SERVICE_NAME_LENGTH 54
#define DW_LAYOUT_DOORBELL_SIZE 55
#define DW_LAYOUT_OFF_DOORBELL_CALLS 56
#define DW_LAYOUT_OFF_DOORBELL_POLLING 57
#define DW_LAYOUT_QUEUE_ENTRY_SIZE 58
#define DW_LAYOUT_OFF_QUEUE_WRITE_MUTEX 59
#define DW_LAYOUT_OFF_TYPE_NAMES_OFFSET 60
#define DW_LAYOUT_TYPE_NAME_CAPACITY 61
#define DW_LAYOUT_MAX_TYPE_NAME_LENGTH 62
#define DW_LAYOUT_SERVICE_ENTRY_SIZE 63
#define DW_LAYOUT_OFF_SERVICE_GENERATION 64
#define DW_LAYOUT_OFF_ENTRY_RESTARTS 65
#define DW_LAYOUT_OFF_ENTRY_LAST_EXIT_STATUS 66
#define DW_LAYOUT_OFF_ENTRY_LAST_EXIT_CAUSE 67
#define DW_LAYOUT_OFF_DOORBELL_CALLS_SERVED 68
#define DW_LAYOUT_OFF_DOORBELL_GC_HEAP 69

/* ---- Regions ----------------------------------------------------------------------- */

/* Creates a region of `size` bytes (reserved, paid on touch) in this process and writes its
   header. Used by the launcher, by the single-process fallback (flags = DW_REGION_PRIVATE)
   and by tests. */
DW_EXPORT dw_status dw_region_create(uint64_t size, uint32_t worker_count, uint32_t flags, dw_region** out_region);

#define DW_REGION_SPAWNED 1u /* workers are started by exec (--spawn) */
#define DW_REGION_PRIVATE 2u /* a cluster of one: no launcher */

/* Binds to the region the launcher described in `descriptor` (the value of
   DOTNET_WORKERS_REGION). The region must already be mapped at its address in this process;
   its header is checked (magic, layout version, format word, size). */
DW_EXPORT dw_status dw_region_attach(const char* descriptor, dw_region** out_region);

/* Maps the region in the file at `path` (a launcher's /proc/PID/fd/N: same user only)
   read-only, at any address, after the header checks of dw_region_attach. For readers that
   must never change or block a running cluster (the CLI): only functions that read may be
   called on it (dw_region_base, dw_queue_find, dw_queue_state, ...); dw_region_close ends it. */
DW_EXPORT dw_status dw_region_open_readonly(const char* path, dw_region** out_region);

/* Checks a region header at `base` as dw_region_attach would, without binding to it. */
DW_EXPORT dw_status dw_region_check(const void* base, uint64_t size);

/* Releases this process's attachment. Unmaps the region if this attachment created it. */
DW_EXPORT void dw_region_close(dw_region* region);

DW_EXPORT void* dw_region_base(const dw_region* region);
DW_EXPORT uint64_t dw_region_size(const dw_region* region);

/* ---- Shutdown ---------------------------------------------------------------------- */

/* Marks the cluster as shutting down (reason: region_layout.h kReason*), marks every
   process stopping and wakes every waiter in every process. Idempotent: the first reason
   stays. */
DW_EXPORT dw_status dw_shutdown_request(dw_region* region, uint32_t reason);

/* ---- Process table ----------------------------------------------------------------- */

/* Records that process `id` (this process) has bound to the region: state becomes
   running, the pid and ready time are stored. DW_E_NOT_FOUND, writing nothing, if the
   launcher did not start a process with that id. */
DW_EXPORT dw_status dw_process_mark_ready(dw_region* region, uint32_t id, uint32_t pid);

/* Waits, at most once and at most timeout_ms (negative: no bound), while process `id` is
   running and the cluster is not shutting down. Returns DW_OK with the entry's state in
   *out_state (running again after a spurious wake or the timeout). */
DW_EXPORT dw_status dw_process_wait(dw_region* region, uint32_t id, int64_t timeout_ms, uint32_t* out_state);

/* Marks process `id` (this process) stopping on its own, without stopping the cluster,
   and wakes its dw_process_wait. */
DW_EXPORT dw_status dw_process_stop(dw_region* region, uint32_t id);

/* Asks the launcher to restart (kind 1), stop (kind 2) or reload (kind 4) worker `id` gracefully
   (supervisor_requests.h). DW_E_INVALID_ARGUMENT for a bad kind or id, or a region without
   a launcher; DW_E_NOT_FOUND if the launcher is gone. Returns once the request is sent. */
DW_EXPORT dw_status dw_supervisor_request(dw_region* region, uint32_t kind, uint32_t id);

/* Claims `count` free worker ids for role `role` and asks the launcher to start a process
   for each (supervisor_requests.h kind 3); their ids go to out_ids (count entries). All or
   nothing: DW_E_CAPACITY if the table has fewer free ids. Returns once the requests are
   sent; each entry then goes requested -> starting -> running. */
DW_EXPORT dw_status dw_workers_start(dw_region* region, const uint8_t* role, uint32_t role_length, uint32_t count,
                                     uint32_t* out_ids);

/* ---- Memory ------------------------------------------------------------------------ */

/* Structs that cross the ABI start with their size, so they can grow. */
typedef struct dw_memory_statistics {
  uint32_t size; /* sizeof(dw_memory_statistics), set by the caller */
  uint32_t reserved;
  uint64_t region_bytes; /* reserved for the region (--memory) */
  uint64_t heap_bytes;   /* of which the heap: what values, entries and buffers can use */
  uint64_t never_used;   /* heap bytes never touched (they cost nothing) */
  uint64_t used_bytes;   /* heap bytes in allocated blocks, headers included */
  uint64_t free_bytes;   /* heap bytes in freed blocks, ready for reuse */
  uint64_t allocations;  /* blocks ever allocated */
  uint64_t frees;        /* blocks ever freed */
  uint64_t store_values; /* values in the keyed store */
  uint64_t buffers;      /* named buffers alive */
} dw_memory_statistics;

DW_EXPORT dw_status dw_memory_statistics_read(dw_region* region, dw_memory_statistics* statistics);

/* ---- Keyed store ------------------------------------------------------------------- */
/* Keys are 1..1024 bytes (UTF-8 by convention); values any bytes. Reads never lock.   */

/* Copies the value into `buffer`; *out_type is the type identity it was stored with
   (dw_store_set_args.type_tag). DW_E_NOT_FOUND if absent or expired; DW_E_BUFFER_TOO_SMALL
   with *out_length = the size needed. Never waits for a writer. */
DW_EXPORT dw_status dw_store_get(dw_region* region, const uint8_t* key, uint32_t key_length, uint8_t* buffer,
                                 uint32_t capacity, uint32_t* out_length, uint64_t* out_version, uint64_t* out_type);

/* One attempt of dw_store_get that never waits and never records an error message: DW_OK,
   DW_E_NOT_FOUND, or DW_E_TIMEOUT meaning "call dw_store_get" (the read raced a writer's start
   or end, the value does not fit, or anything else). Safe to call without a GC transition. */
DW_EXPORT dw_status dw_store_try_get(dw_region* region, const uint8_t* key, uint32_t key_length, uint8_t* buffer,
                                     uint32_t capacity, uint32_t* out_length, uint64_t* out_version,
                                     uint64_t* out_type);

#define DW_SET_ALWAYS 0u     /* Set */
#define DW_SET_IF_ABSENT 1u  /* TryAdd */
#define DW_SET_IF_VERSION 2u /* only if the entry's version is still expected_version */
#define DW_SET_IF_EQUAL 3u   /* only if the value's bytes equal `expected` (compare-and-swap) */

typedef struct dw_store_set_args {
  uint32_t size; /* sizeof(dw_store_set_args) */
  uint32_t mode; /* DW_SET_* */
  const uint8_t* value;
  uint32_t value_length;
  uint32_t expected_length;
  int64_t ttl_ns; /* > 0: the value expires that long from now */
  uint64_t expected_version;
  const uint8_t* expected;
  uint64_t type_tag; /* the value's type identity (0: untyped); DW_SET_IF_EQUAL compares it too */
} dw_store_set_args;

/* *out_applied: 1 if the mode's condition held and the value was written. */
DW_EXPORT dw_status dw_store_set(dw_region* region, const uint8_t* key, uint32_t key_length,
                                 const dw_store_set_args* args, uint32_t* out_applied, uint64_t* out_version);

DW_EXPORT dw_status dw_store_remove(dw_region* region, const uint8_t* key, uint32_t key_length, uint32_t* out_removed);

/* Adds `delta` to the 64-bit little-endian counter under `key` (0, of type `type_tag`, if
   absent). DW_E_TYPE_MISMATCH, with the value's type in *out_existing_type, if it has another. */
DW_EXPORT dw_status dw_store_increment(dw_region* region, const uint8_t* key, uint32_t key_length, int64_t delta,
                                       uint64_t type_tag, int64_t* out_value, uint64_t* out_existing_type);

#define DW_CLAIM_VALUE 1u   /* the value was copied out */
#define DW_CLAIM_PENDING 2u /* another process computes it: wait, claim again with *out_round */
#define DW_CLAIM_OWNED 3u   /* compute it, then dw_store_resolve with *out_round and *out_ref */
#define DW_CLAIM_FAILED 4u  /* the computation waited for failed: its message was copied out */

/* GetOrSet. `waited_round`: the round this caller saw pending (0 the first time);
   `type_tag`: the type of the value it would compute (a claim keeps it for the value);
   *out_type: the type of a value found (DW_CLAIM_VALUE). */
DW_EXPORT dw_status dw_store_claim(dw_region* region, const uint8_t* key, uint32_t key_length, uint64_t waited_round,
                                   uint64_t type_tag, uint8_t* buffer, uint32_t capacity, uint32_t* out_length,
                                   uint32_t* out_state, uint64_t* out_round, uint64_t* out_ref, uint64_t* out_type);

#define DW_RESOLVE_VALUE 1u
#define DW_RESOLVE_FAILED 2u    /* bytes: the failure's message */
#define DW_RESOLVE_ABANDONED 3u /* gave up (cancelled): a waiter takes over */

DW_EXPORT dw_status dw_store_resolve(dw_region* region, const uint8_t* key, uint32_t key_length, uint64_t round,
                                     uint64_t ref, uint32_t outcome, const uint8_t* bytes, uint32_t length,
                                     int64_t ttl_ns);

/* Keys starting with `prefix`, from *inout_cursor (0 to start) on, as [uint32 length][bytes]
   records. Call again with the updated cursor until it comes back as UINT64_MAX. */
DW_EXPORT dw_status dw_store_keys(dw_region* region, const uint8_t* prefix, uint32_t prefix_length,
                                  uint64_t* inout_cursor, uint8_t* buffer, uint32_t capacity, uint32_t* out_used,
                                  uint32_t* out_count);

/* As dw_store_keys, with each record followed by the value's length (uint32) and its
   expiry (int64, CLOCK_MONOTONIC ns; 0: never): what `dotnet-workers inspect` lists. */
DW_EXPORT dw_status dw_store_keys_detailed(dw_region* region, const uint8_t* prefix, uint32_t prefix_length,
                                           uint64_t* inout_cursor, uint8_t* buffer, uint32_t capacity,
                                           uint32_t* out_used, uint32_t* out_count);

/* ---- Inspection (read-only; works on dw_region_open_readonly) ------------------------- */

#define DW_INSPECT_BUFFERS 1 /* values: size, references, generation */
#define DW_INSPECT_LOCKS                                                                                  \
  2                           /* values: kind (1 mutex, 2 semaphore), word (mutex: holder id + 1, 0 free; \
                                 semaphore: permits left), permits in all, waiting threads */
#define DW_INSPECT_QUEUES 3   /* values: messages waiting, capacity, inline bytes per message, completed */
#define DW_INSPECT_SERVICES 4 /* members: the serving (or subscribed) processes, 16 words of bits */

typedef struct dw_object_info {
  uint32_t table;
  uint32_t name_length;
  uint64_t values[4];
  uint64_t members[16];
  uint8_t name[256];
} dw_object_info;

/* Slot `index` of table `table`: DW_OK if it holds a live object, DW_E_NOT_FOUND if it is
   empty (go on to the next), DW_E_INVALID_ARGUMENT past the table's end (stop). */
DW_EXPORT dw_status dw_inspect_object(dw_region* region, uint32_t table, uint32_t index, dw_object_info* out_info);

/* ---- Named buffers ----------------------------------------------------------------- */

typedef struct dw_buffer_info {
  uint64_t data_offset; /* region offset of the bytes (base + offset is the same in every process) */
  uint64_t size;
  uint32_t index; /* with generation: what dw_buffer_release takes */
  uint32_t generation;
  uint32_t created; /* 1 if this call created it (zeroed) */
  uint32_t reserved;
} dw_buffer_info;

/* Opens `name`, creating it with `size` zeroed bytes if absent; size 0 opens whatever exists.
   DW_E_CONFLICT if it exists with another size. Each open is one reference. */
DW_EXPORT dw_status dw_buffer_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint64_t size,
                                   dw_buffer_info* out_info);

/* Gives back one reference; the last one frees the bytes. */
DW_EXPORT dw_status dw_buffer_release(dw_region* region, uint32_t index, uint32_t generation);

/* ---- Named locks ------------------------------------------------------------------- */

#define DW_LOCK_MUTEX 1u
#define DW_LOCK_SEMAPHORE 2u

/* Opens (or creates) a named lock. A mutex has 1 permit; a semaphore `max_count`. */
DW_EXPORT dw_status dw_lock_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t kind,
                                 uint32_t max_count, uint32_t* out_index);

/* Waits at most timeout_ms (0: try; negative: no bound). DW_E_TIMEOUT; DW_E_ABANDONED means
   acquired, from a holder that died. */
DW_EXPORT dw_status dw_lock_acquire(dw_region* region, uint32_t index, int64_t timeout_ms);

DW_EXPORT dw_status dw_lock_release(dw_region* region, uint32_t index);

/* ---- Queues ------------------------------------------------------------------------ */
/* Named bounded queues of byte messages, many writers and many readers in any processes. */

/* Opens (or creates) a queue of `capacity` messages (rounded up to a power of two) keeping
   up to `slot_size` bytes inline per message (bigger ones spill to the heap), for messages
   of type identity `type_tag` (0: untyped bytes). DW_E_TYPE_MISMATCH, with the queue's own
   identity in *out_existing_type, if it was created for another type. */
DW_EXPORT dw_status dw_queue_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t capacity,
                                  uint32_t slot_size, uint64_t type_tag, uint32_t* out_index,
                                  uint64_t* out_existing_type);

/* The queue named `name` if one exists (DW_E_NOT_FOUND otherwise); creates nothing, takes no lock. */
DW_EXPORT dw_status dw_queue_find(dw_region* region, const uint8_t* name, uint32_t name_length, uint32_t* out_index);

/* Writes one message, waiting at most timeout_ms for room (0: never; negative: no bound).
   DW_E_TIMEOUT if full; DW_E_CLOSED once completed. */
DW_EXPORT dw_status dw_queue_write(dw_region* region, uint32_t index, const uint8_t* bytes, uint32_t length,
                                   int64_t timeout_ms);

/* Reads one message, waiting at most timeout_ms. DW_E_TIMEOUT if empty; DW_E_CLOSED if empty
   and completed; DW_E_BUFFER_TOO_SMALL with *out_length (the message stays first). */
DW_EXPORT dw_status dw_queue_read(dw_region* region, uint32_t index, uint8_t* buffer, uint32_t capacity,
                                  uint32_t* out_length, int64_t timeout_ms);

/* Writes up to `count` messages under one lock, without waiting for room, from `records`
   (`used` bytes of packed records: a little-endian u32 length, then the bytes); stops when
   the queue is full or before a message bigger than the inline slot (write that one with
   dw_queue_write). *out_written tells how many. DW_E_TIMEOUT if full before the first (a
   first message too big to go inline: DW_OK, *out_written 0); DW_E_CLOSED once completed. */
DW_EXPORT dw_status dw_queue_write_many(dw_region* region, uint32_t index, const uint8_t* records, uint32_t used,
                                        uint32_t count, uint32_t* out_written);

/* Reads up to max_messages messages (at most 64) under one lock, without waiting, into
   buffer (at least 4 bytes) as packed records of a little-endian u32 length then the bytes; *out_count and
   *out_used tell how many and how many bytes. Stops before a message that does not fit.
   DW_E_TIMEOUT if empty; DW_E_CLOSED if empty and completed; DW_E_BUFFER_TOO_SMALL with
   *out_used = the capacity the first message needs (it stays first). */
DW_EXPORT dw_status dw_queue_read_many(dw_region* region, uint32_t index, uint8_t* buffer, uint32_t capacity,
                                       uint32_t max_messages, uint32_t* out_count, uint32_t* out_used);

/* 0 if the queue is certainly empty and not completed, else 1 (also for a bad index: the
   other calls report it). A few atomic loads: no lock, no wait, no error message, so it is
   safe without a GC transition; a poll asks it before a read that locks the queue. */
DW_EXPORT int32_t dw_queue_may_have_message(dw_region* region, uint32_t index);

/* No more messages: writers get DW_E_CLOSED, readers once the queue is empty. `error`
   (optional, `error_length` bytes): what the queue was completed with, for every reader.
   *out_first: 1 if this call completed it, 0 if it already was (its first error stays). */
DW_EXPORT dw_status dw_queue_complete(dw_region* region, uint32_t index, const uint8_t* error, uint32_t error_length,
                                      uint32_t* out_first);

/* The error the queue was completed with. DW_E_NOT_FOUND if none; DW_E_BUFFER_TOO_SMALL
   with *out_length = the size needed. */
DW_EXPORT dw_status dw_queue_completion_error(dw_region* region, uint32_t index, uint8_t* buffer, uint32_t capacity,
                                              uint32_t* out_length);

#define DW_QUEUE_WATCH_MESSAGES 0u /* a message committed, or the queue completed */
#define DW_QUEUE_WATCH_ROOM 1u     /* a cell freed, or the queue completed */

/* Rings this process's doorbell on `what` (DW_QUEUE_WATCH_*) in the queue (watch = 1), or
   stops it (watch = 0). */
DW_EXPORT dw_status dw_queue_watch(dw_region* region, uint32_t index, uint32_t what, uint32_t watch);

/* 0 if the queue is certainly full and not completed, else 1: as dw_queue_may_have_message,
   lock-free and safe without a GC transition. */
DW_EXPORT int32_t dw_queue_may_have_room(dw_region* region, uint32_t index);

/* Messages waiting (a snapshot) and whether the queue was completed. */
DW_EXPORT dw_status dw_queue_state(dw_region* region, uint32_t index, uint64_t* out_count, uint32_t* out_completed);

/* ---- Doorbells --------------------------------------------------------------------- */
/* One word per process that its dispatcher sleeps on; rung by queues it watches, shutdown,
   a local stop, and the launcher when a process dies. Only one thread per process waits. */

DW_EXPORT uint32_t dw_doorbell_read(dw_region* region);

/* Waits until this process's ring differs from `seen`: spinning up to spin_us, then
   sleeping at most timeout_ms (negative: no bound). */
DW_EXPORT dw_status dw_doorbell_wait(dw_region* region, uint32_t seen, int64_t spin_us, int64_t timeout_ms,
                                     uint32_t* out_ring);

/* Rings process `id`'s doorbell, waking its dispatcher whatever else polls. */
DW_EXPORT dw_status dw_doorbell_ring(dw_region* region, uint32_t id);

/* A thread of this process starts (+1) or stops (-1) polling the process's inbox in a spin;
   while any does, messages skip the kernel wake-up. After -1, drain the inbox once more. */
DW_EXPORT void dw_doorbell_polling(dw_region* region, int32_t delta);

/* ---- RPC services ------------------------------------------------------------------ */
/* Which processes serve which service; how many calls each is serving now. */

/* Finds or creates the entry `name`; its members exchange values of type identity
   `type_tag` (a topic's; 0 for RPC services). DW_E_TYPE_MISMATCH, with the entry's own
   identity in *out_existing_type, if it was created with another. With type_tag UINT64_MAX
   it only finds an entry, of any type (DW_E_NOT_FOUND if there is none). */
DW_EXPORT dw_status dw_service_open(dw_region* region, const uint8_t* name, uint32_t name_length, uint64_t type_tag,
                                    uint32_t* out_index, uint64_t* out_existing_type);

/* This process serves (serve = 1) or stops serving (serve = 0) the service. */
DW_EXPORT dw_status dw_service_serve(dw_region* region, uint32_t index, uint32_t serve);

/* The serving processes: 16 words, bit id % 64 of word id / 64. */
DW_EXPORT dw_status dw_service_servers(dw_region* region, uint32_t index, uint64_t* out_servers16);

/* This process starts serving a call, or has answered one (counted as served). */
DW_EXPORT void dw_call_started(dw_region* region);
DW_EXPORT void dw_call_answered(dw_region* region);

DW_EXPORT uint32_t dw_calls_in_flight(dw_region* region, uint32_t id);

/* ---- Supervision ------------------------------------------------------------------- */

/* Process `dead_id` is dead (reaped): gives back its locks, buffer references and pending
   GetOrSet claims. The launcher calls it (in a forked helper) after reaping any process,
   unless it is killing every process at once. */
DW_EXPORT dw_status dw_process_cleanup(dw_region* region, uint32_t dead_id);

/* ---- Async waits ------------------------------------------------------------------- */
/* A process whose tasks wait without a thread asks for its doorbell to be rung when what
   they wait for may have changed; its dispatcher then has them look again. The "may" calls
   are a few atomic loads: no lock, no wait, safe without a GC transition. */

/* Rings this process's doorbell whenever a hold of the lock comes free (watch = 1), or stops. */
DW_EXPORT dw_status dw_lock_watch(dw_region* region, uint32_t index, uint32_t watch);

/* 0 if no hold of the lock is free now, else 1 (also for a bad index). */
DW_EXPORT int32_t dw_lock_may_be_free(dw_region* region, uint32_t index);

/* Rings this process's doorbell whenever a GetOrSet claim ends (watch = 1), or stops. */
DW_EXPORT dw_status dw_store_watch_claims(dw_region* region, uint32_t watch);

/* How many GetOrSet claims have ended in the cluster so far: a waiter compares it with the
   count it read before its claim. */
DW_EXPORT uint64_t dw_store_claims_settled(dw_region* region);

/* ---- Type names -------------------------------------------------------------------- */
/* Stored values, queues and topics carry a type identity (a 64-bit hash of the type's name,
   computed by the caller); this table turns an identity back into a name for messages. */

/* Records `name` for `identity` (non-zero) unless it is recorded already. DW_E_CAPACITY if
   the table is full (the names are only for messages: callers may ignore it). */
DW_EXPORT dw_status dw_type_name_register(dw_region* region, uint64_t identity, const uint8_t* name, uint32_t length);

/* Copies the name recorded for `identity`. DW_E_NOT_FOUND if none is; DW_E_BUFFER_TOO_SMALL
   with *out_length the size needed. */
DW_EXPORT dw_status dw_type_name_find(dw_region* region, uint64_t identity, uint8_t* buffer, uint32_t capacity,
                                      uint32_t* out_length);

/* ---- Errors ------------------------------------------------------------------------ */

/* The calling thread's message for its last failed call (empty if none). */
DW_EXPORT const char* dw_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
