/* dotnet-workers: the C ABI of the native shared-memory core (libdotnetworkers).
 *
 * Every export is prefixed dw_, returns a dw_status from dw_status.h (or a plain value
 * where it cannot fail), takes out-parameters last, and never lets a C++ exception
 * cross the boundary. When a call fails, dw_last_error() returns a message for the
 * calling thread describing the failure; it stays valid until that thread's next call.
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

#define DW_LAYOUT_HEADER_SIZE                 0
#define DW_LAYOUT_PROCESS_TABLE_OFFSET        1
#define DW_LAYOUT_PROCESS_CAPACITY            2
#define DW_LAYOUT_PROCESS_ENTRY_SIZE          3
#define DW_LAYOUT_ROLE_CAPACITY               4
#define DW_LAYOUT_MIN_REGION_SIZE             5
#define DW_LAYOUT_OFF_MAGIC                   6
#define DW_LAYOUT_OFF_LAYOUT_VERSION          7
#define DW_LAYOUT_OFF_FORMAT_WORD             8
#define DW_LAYOUT_OFF_REGION_SIZE             9
#define DW_LAYOUT_OFF_BASE_ADDRESS           10
#define DW_LAYOUT_OFF_LAUNCHER_PID           11
#define DW_LAYOUT_OFF_PROCESS_CAPACITY       12
#define DW_LAYOUT_OFF_WORKER_COUNT           13
#define DW_LAYOUT_OFF_FLAGS                  14
#define DW_LAYOUT_OFF_PROCESS_TABLE_OFFSET   15
#define DW_LAYOUT_OFF_CREATED_UNIX_NS        16
#define DW_LAYOUT_OFF_SHUTDOWN_STATE         17
#define DW_LAYOUT_OFF_SHUTDOWN_REASON        18
#define DW_LAYOUT_OFF_ENTRY_STATE            19
#define DW_LAYOUT_OFF_ENTRY_PID              20
#define DW_LAYOUT_OFF_ENTRY_ID               21
#define DW_LAYOUT_OFF_ENTRY_EXIT_STATUS      22
#define DW_LAYOUT_OFF_ENTRY_STARTED_NS       23
#define DW_LAYOUT_OFF_ENTRY_READY_NS         24
#define DW_LAYOUT_OFF_ENTRY_ROLE             25
#define DW_LAYOUT_MAGIC                      26

/* ---- Regions ----------------------------------------------------------------------- */

/* Creates a region of `size` bytes (reserved, paid on touch) in this process and writes its
   header. Used by the launcher, by the single-process fallback (flags = DW_REGION_PRIVATE)
   and by tests. */
DW_EXPORT dw_status dw_region_create(uint64_t size, uint32_t worker_count, uint32_t flags,
                                     dw_region** out_region);

#define DW_REGION_SPAWNED 1u /* workers are started by exec (--spawn) */
#define DW_REGION_PRIVATE 2u /* a cluster of one: no launcher */

/* Binds to the region the launcher described in `descriptor` (the value of
   DOTNET_WORKERS_REGION). The region must already be mapped at its address in this process;
   its header is checked (magic, layout version, format word, size). */
DW_EXPORT dw_status dw_region_attach(const char* descriptor, dw_region** out_region);

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
DW_EXPORT dw_status dw_process_wait(dw_region* region, uint32_t id, int64_t timeout_ms,
                                    uint32_t* out_state);

/* Marks process `id` (this process) stopping on its own, without stopping the cluster,
   and wakes its dw_process_wait. */
DW_EXPORT dw_status dw_process_stop(dw_region* region, uint32_t id);

/* ---- Errors ------------------------------------------------------------------------ */

/* The calling thread's message for its last failed call (empty if none). */
DW_EXPORT const char* dw_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
