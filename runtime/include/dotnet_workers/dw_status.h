/* dotnet-workers: status codes returned by every dw_ export.
 *
 * Append-only: a code is never renumbered or reused. A retired code stays in the
 * table marked "unused" so old managed builds keep mapping numbers correctly.
 * The managed mirror is managed/src/DotnetWorkers/Native/DwStatus.cs.
 */
#ifndef DOTNET_WORKERS_DW_STATUS_H
#define DOTNET_WORKERS_DW_STATUS_H

#include <stdint.h>

typedef int32_t dw_status;

#define DW_OK 0                   /* success */
#define DW_E_INVALID_ARGUMENT 1   /* a null, empty or out-of-range argument */
#define DW_E_SYSTEM 2             /* a system call failed; dw_last_error() has errno's text */
#define DW_E_BAD_MAGIC 3          /* the memory does not start with a dotnet-workers region header */
#define DW_E_LAYOUT_VERSION 4     /* the region was written by a build with another layout version */
#define DW_E_FORMAT_WORD 5        /* same layout version, but the builds disagree on type sizes */
#define DW_E_NOT_MAPPED 6         /* the region's address is not mapped in this process */
#define DW_E_BAD_DESCRIPTOR 7     /* DOTNET_WORKERS_REGION could not be parsed */
#define DW_E_TIMEOUT 8            /* a bounded wait ended before its condition became true */
#define DW_E_REGION_UNAVAILABLE 9 /* the region could not be created or reserved (memfd, ftruncate, mmap) */
#define DW_E_SIZE_MISMATCH 10     /* the header's size disagrees with the descriptor */
#define DW_E_NOT_FOUND 11         /* no such entry (e.g. a process id outside the table) */
#define DW_E_ADDRESS_IN_USE 12    /* the region's address is taken in this process (spawn mode) */
#define DW_E_NOT_THIS_PROCESS 13  /* the descriptor was written for another process (inherited env) */
#define DW_E_EXHAUSTED 14         /* the region has no room left for an allocation */
#define DW_E_CORRUPT 15           /* a consistency check failed; the region is marked corrupt for good */
#define DW_E_BUFFER_TOO_SMALL 16  /* the caller's buffer is smaller than the value; the size needed is returned */
#define DW_E_NOT_A_COUNTER 17     /* an increment on a value that is not 8 bytes */
#define DW_E_CONFLICT 18          /* a named object exists with another size or count, or a version moved */
#define DW_E_CAPACITY 19          /* a fixed table is full (buffers, locks, a process's holdings) */
#define DW_E_ABANDONED 20         /* acquired, but the previous holder died holding it */
#define DW_E_NOT_OWNER 21         /* released a lock or buffer this process does not hold */
#define DW_E_CLOSED 22            /* the queue was completed (and, for a reader, is empty) */
#define DW_E_TYPE_MISMATCH 23     /* a value, queue or topic holds another type than the caller asked for */

#endif
