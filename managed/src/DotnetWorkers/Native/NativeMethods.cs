using System.Runtime.InteropServices;
using DotnetWorkers.Region;

namespace DotnetWorkers.Native;

/// <summary>
/// The C ABI of libdotnetworkers (runtime/include/dotnet_workers/dw.h). Blittable
/// signatures only; strings cross as UTF-8.
/// </summary>
internal static unsafe partial class NativeMethods
{
    /// <summary>
    /// The exact file name, so the runtime finds it in the app's folder at the first try
    /// instead of probing name variants in every search directory (each miss is a failed
    /// dlopen, paid by every process of the cluster at bind).
    /// </summary>
    private const string Library = "libdotnetworkers.so";

    [LibraryImport(Library, EntryPoint = "dw_layout_version")]
    [SuppressGCTransition]
    internal static partial uint LayoutVersion();

    [LibraryImport(Library, EntryPoint = "dw_format_word")]
    [SuppressGCTransition]
    internal static partial uint FormatWord();

    [LibraryImport(Library, EntryPoint = "dw_layout_value")]
    [SuppressGCTransition]
    internal static partial ulong LayoutValue(int which);

    [LibraryImport(Library, EntryPoint = "dw_region_create")]
    internal static partial DwStatus RegionCreate(ulong size, uint workerCount, uint flags, out nint region);

    /// <param name="descriptor">NUL-terminated ASCII (see <see cref="SharedRegion.AttachIfOwn"/>: the string marshaller would bring the UTF-8 encoder, ~1.5 ms at every bind).</param>
    /// <param name="region">The attached region.</param>
    [LibraryImport(Library, EntryPoint = "dw_region_attach")]
    internal static partial DwStatus RegionAttach(byte* descriptor, out nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_open_readonly", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DwStatus RegionOpenReadOnly(string path, out nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_check")]
    internal static partial DwStatus RegionCheck(void* regionBase, ulong size);

    [LibraryImport(Library, EntryPoint = "dw_region_close")]
    internal static partial void RegionClose(nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_base")]
    [SuppressGCTransition]
    internal static partial byte* RegionBase(nint region);

    [LibraryImport(Library, EntryPoint = "dw_region_size")]
    [SuppressGCTransition]
    internal static partial ulong RegionSize(nint region);

    // Calls that take the region take its SafeHandle: the marshaller holds a reference for
    // the duration of the call, so disposing the region cannot free it under a caller
    // (the lifetime thread sleeps inside dw_process_wait).

    [LibraryImport(Library, EntryPoint = "dw_shutdown_request")]
    internal static partial DwStatus ShutdownRequest(RegionHandle region, uint reason);

    [LibraryImport(Library, EntryPoint = "dw_process_mark_ready")]
    internal static partial DwStatus ProcessMarkReady(RegionHandle region, uint id, uint pid);

    /// <summary>Blocks in the kernel (futex): never call with SuppressGCTransition.</summary>
    [LibraryImport(Library, EntryPoint = "dw_process_wait")]
    internal static partial DwStatus ProcessWait(RegionHandle region, uint id, long timeoutMs, out uint state);

    [LibraryImport(Library, EntryPoint = "dw_process_stop")]
    internal static partial DwStatus ProcessStop(RegionHandle region, uint id);

    // Store, buffers and locks take the raw handle: they are the hot path, and the region
    // they use lives as long as the process (only tests release one, after its last use).

    [LibraryImport(Library, EntryPoint = "dw_memory_statistics_read")]
    internal static partial DwStatus MemoryStatisticsRead(nint region, MemoryStatisticsNative* statistics);

    [LibraryImport(Library, EntryPoint = "dw_store_get")]
    internal static partial DwStatus StoreGet(nint region, byte* key, uint keyLength, byte* buffer, uint capacity, uint* length, ulong* version,
        ulong* type);

    /// <summary>One attempt that never waits (dw_store_try_get): so no GC transition is needed.</summary>
    [LibraryImport(Library, EntryPoint = "dw_store_try_get")]
    [SuppressGCTransition]
    internal static partial DwStatus StoreTryGet(nint region, byte* key, uint keyLength, byte* buffer, uint capacity, uint* length, ulong* version,
        ulong* type);

    [LibraryImport(Library, EntryPoint = "dw_store_set")]
    internal static partial DwStatus StoreSet(nint region, byte* key, uint keyLength, StoreSetArgs* args, uint* applied, ulong* version);

    [LibraryImport(Library, EntryPoint = "dw_store_remove")]
    internal static partial DwStatus StoreRemove(nint region, byte* key, uint keyLength, uint* removed);

    [LibraryImport(Library, EntryPoint = "dw_store_increment")]
    internal static partial DwStatus StoreIncrement(nint region, byte* key, uint keyLength, long delta, ulong typeTag, long* value,
        ulong* existingType);

    [LibraryImport(Library, EntryPoint = "dw_store_claim")]
    internal static partial DwStatus StoreClaim(nint region, byte* key, uint keyLength, ulong waitedRound, ulong typeTag, byte* buffer,
        uint capacity, uint* length, uint* state, ulong* round, ulong* reference, ulong* type);

    [LibraryImport(Library, EntryPoint = "dw_store_resolve")]
    internal static partial DwStatus StoreResolve(nint region, byte* key, uint keyLength, ulong round, ulong reference, uint outcome,
        byte* bytes, uint length, long ttlNs);

    [LibraryImport(Library, EntryPoint = "dw_store_keys")]
    internal static partial DwStatus StoreKeys(nint region, byte* prefix, uint prefixLength, ulong* cursor, byte* buffer, uint capacity,
        uint* used, uint* count);

    [LibraryImport(Library, EntryPoint = "dw_buffer_open")]
    internal static partial DwStatus BufferOpen(nint region, byte* name, uint nameLength, ulong size, BufferInfo* info);

    [LibraryImport(Library, EntryPoint = "dw_buffer_release")]
    internal static partial DwStatus BufferRelease(nint region, uint index, uint generation);

    [LibraryImport(Library, EntryPoint = "dw_lock_open")]
    internal static partial DwStatus LockOpen(nint region, byte* name, uint nameLength, uint kind, uint maxCount, uint* index);

    /// <summary>May block in the kernel up to <paramref name="timeoutMs"/>.</summary>
    [LibraryImport(Library, EntryPoint = "dw_lock_acquire")]
    internal static partial DwStatus LockAcquire(nint region, uint index, long timeoutMs);

    [LibraryImport(Library, EntryPoint = "dw_lock_release")]
    internal static partial DwStatus LockRelease(nint region, uint index);

    [LibraryImport(Library, EntryPoint = "dw_process_cleanup")]
    internal static partial DwStatus ProcessCleanup(nint region, uint deadId);

    [LibraryImport(Library, EntryPoint = "dw_last_error")]
    internal static partial byte* LastError();

    internal const uint SetAlways = 0;
    internal const uint SetIfAbsent = 1;
    internal const uint SetIfVersion = 2;
    internal const uint SetIfEqual = 3;

    internal const uint ClaimValue = 1;
    internal const uint ClaimPending = 2;
    internal const uint ClaimOwned = 3;
    internal const uint ClaimFailed = 4;

    internal const uint ResolveValue = 1;
    internal const uint ResolveFailed = 2;
    internal const uint ResolveAbandoned = 3;

    internal const uint LockMutex = 1;
    internal const uint LockSemaphore = 2;

    /// <summary>dw_store_set_args.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StoreSetArgs
    {
        public uint Size;
        public uint Mode;
        public byte* Value;
        public uint ValueLength;
        public uint ExpectedLength;
        public long TtlNs;
        public ulong ExpectedVersion;
        public byte* Expected;
        public ulong TypeTag;
    }

    /// <summary>dw_buffer_info.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct BufferInfo
    {
        public ulong DataOffset;
        public ulong Size;
        public uint Index;
        public uint Generation;
        public uint Created;
        public uint Reserved;
    }

    /// <summary>dw_memory_statistics.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MemoryStatisticsNative
    {
        public uint Size;
        public uint Reserved;
        public ulong RegionBytes;
        public ulong HeapBytes;
        public ulong NeverUsed;
        public ulong UsedBytes;
        public ulong FreeBytes;
        public ulong Allocations;
        public ulong Frees;
        public ulong StoreValues;
        public ulong Buffers;
    }

    /// <summary>The calling thread's message for its last failed call.</summary>
    internal static string LastErrorMessage()
    {
        byte* message = LastError();
        return message is null ? string.Empty : Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
    }

    // Queues, doorbells and the service registry (dw.h): the messaging hot path, raw handle.

    [LibraryImport(Library, EntryPoint = "dw_queue_open")]
    internal static partial DwStatus QueueOpen(nint region, byte* name, uint nameLength, uint capacity, uint slotSize, ulong typeTag,
        out uint index, out ulong existingTypeTag);

    // The queue and doorbell calls below keep their GC transition even when they do not wait
    // for room or a message: they take the queue's process-shared mutexes (held, perhaps, by
    // a process that is stopped or preempted), may allocate under the heap's lock and make
    // futex calls. Code running without a transition holds up every GC of this process, so
    // only calls that provably never wait skip it (QueueMayHaveMessage, QueueState, ...).

    /// <summary>Writes a message; with timeoutMs = 0 it does not wait for room (it may wait for the write lock).</summary>
    [LibraryImport(Library, EntryPoint = "dw_queue_write")]
    internal static partial DwStatus QueueTryWrite(nint region, uint index, byte* bytes, uint length, long timeoutMs = 0);

    /// <summary>Reads a message; with timeoutMs = 0 it does not wait for one (it may wait for the read lock).</summary>
    [LibraryImport(Library, EntryPoint = "dw_queue_read")]
    internal static partial DwStatus QueueTryRead(nint region, uint index, byte* buffer, uint capacity, out uint length, long timeoutMs = 0);

    /// <summary>Reads up to 64 messages under one lock of the queue (it may wait for that lock, never for messages).</summary>
    [LibraryImport(Library, EntryPoint = "dw_queue_read_many")]
    internal static partial DwStatus QueueTryReadMany(nint region, uint index, byte* buffer, uint capacity, uint maxMessages, out uint count, out uint used);

    /// <summary>
    /// False if the queue is certainly empty (and not completed): a few loads, no lock, no
    /// error message, so no GC transition. The inbox poll asks this before it locks.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "dw_queue_may_have_message")]
    [SuppressGCTransition]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool QueueMayHaveMessage(nint region, uint index);

    [LibraryImport(Library, EntryPoint = "dw_queue_complete")]
    internal static partial DwStatus QueueComplete(nint region, uint index, byte* error, uint errorLength, out uint first);

    [LibraryImport(Library, EntryPoint = "dw_queue_completion_error")]
    internal static partial DwStatus QueueCompletionError(nint region, uint index, byte* buffer, uint capacity, out uint length);

    /// <summary>Writes up to <paramref name="count"/> packed records (u32 length, bytes) under one lock; never waits for room.</summary>
    [LibraryImport(Library, EntryPoint = "dw_queue_write_many")]
    internal static partial DwStatus QueueTryWriteMany(nint region, uint index, byte* records, uint used, uint count, out uint written);

    internal const uint QueueWatchMessages = 0;
    internal const uint QueueWatchRoom = 1;

    [LibraryImport(Library, EntryPoint = "dw_queue_watch")]
    internal static partial DwStatus QueueWatch(nint region, uint index, uint what, uint watch);

    /// <summary>False if the queue is certainly full (and not completed): a few loads, no lock, no GC transition.</summary>
    [LibraryImport(Library, EntryPoint = "dw_queue_may_have_room")]
    [SuppressGCTransition]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool QueueMayHaveRoom(nint region, uint index);

    [LibraryImport(Library, EntryPoint = "dw_queue_state")]
    [SuppressGCTransition]
    internal static partial DwStatus QueueState(nint region, uint index, out ulong count, out uint completed);

    [LibraryImport(Library, EntryPoint = "dw_doorbell_read")]
    [SuppressGCTransition]
    internal static partial uint DoorbellRead(nint region);

    [LibraryImport(Library, EntryPoint = "dw_doorbell_wait")]
    internal static partial DwStatus DoorbellWait(RegionHandle region, uint seen, long spinUs, long timeoutMs, out uint ring);

    /// <summary>A futex wake may follow: a system call, so with a GC transition.</summary>
    [LibraryImport(Library, EntryPoint = "dw_doorbell_ring")]
    internal static partial DwStatus DoorbellRing(nint region, uint id);

    [LibraryImport(Library, EntryPoint = "dw_doorbell_polling")]
    [SuppressGCTransition]
    internal static partial void DoorbellPolling(nint region, int delta);

    [LibraryImport(Library, EntryPoint = "dw_service_open")]
    internal static partial DwStatus ServiceOpen(nint region, byte* name, uint nameLength, ulong typeTag, out uint index, out ulong existingTypeTag);

    [LibraryImport(Library, EntryPoint = "dw_service_serve")]
    internal static partial DwStatus ServiceServe(nint region, uint index, uint serve);

    [LibraryImport(Library, EntryPoint = "dw_service_servers")]
    [SuppressGCTransition]
    internal static partial DwStatus ServiceServers(nint region, uint index, ulong* servers16);

    [LibraryImport(Library, EntryPoint = "dw_store_keys_detailed")]
    internal static partial DwStatus StoreKeysDetailed(nint region, byte* prefix, uint prefixLength, ref ulong cursor, byte* buffer, uint capacity, out uint used, out uint count);

    [LibraryImport(Library, EntryPoint = "dw_inspect_object")]
    [SuppressGCTransition]
    internal static partial DwStatus InspectObject(nint region, uint table, uint index, ObjectInfo* info);

    [LibraryImport(Library, EntryPoint = "dw_queue_find")]
    [SuppressGCTransition]
    internal static partial DwStatus QueueFind(nint region, byte* name, uint nameLength, out uint index);

    [LibraryImport(Library, EntryPoint = "dw_workers_start")]
    internal static partial DwStatus WorkersStart(nint region, byte* role, uint roleLength, uint count, uint* ids);

    [LibraryImport(Library, EntryPoint = "dw_supervisor_request")]
    internal static partial DwStatus SupervisorRequest(nint region, uint kind, uint id);

    [LibraryImport(Library, EntryPoint = "dw_call_started")]
    [SuppressGCTransition]
    internal static partial void CallStarted(nint region);

    [LibraryImport(Library, EntryPoint = "dw_call_answered")]
    [SuppressGCTransition]
    internal static partial void CallAnswered(nint region);

    [LibraryImport(Library, EntryPoint = "dw_calls_in_flight")]
    [SuppressGCTransition]
    internal static partial uint CallsInFlight(nint region, uint id);

    [LibraryImport(Library, EntryPoint = "dw_type_name_register")]
    internal static partial DwStatus TypeNameRegister(nint region, ulong identity, byte* name, uint length);

    [LibraryImport(Library, EntryPoint = "dw_type_name_find")]
    internal static partial DwStatus TypeNameFind(nint region, ulong identity, byte* buffer, uint capacity, out uint length);

    [LibraryImport(Library, EntryPoint = "dw_lock_watch")]
    internal static partial DwStatus LockWatch(nint region, uint index, uint watch);

    /// <summary>False if no hold of the lock is free now: one load, no GC transition.</summary>
    [LibraryImport(Library, EntryPoint = "dw_lock_may_be_free")]
    [SuppressGCTransition]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool LockMayBeFree(nint region, uint index);

    [LibraryImport(Library, EntryPoint = "dw_store_watch_claims")]
    internal static partial DwStatus StoreWatchClaims(nint region, uint watch);

    /// <summary>How many GetOrSet claims have ended in the cluster: one load, no GC transition.</summary>
    [LibraryImport(Library, EntryPoint = "dw_store_claims_settled")]
    [SuppressGCTransition]
    internal static partial ulong StoreClaimsSettled(nint region);
}
