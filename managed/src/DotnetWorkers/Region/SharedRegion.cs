using System.Text;
using DotnetWorkers.Native;

namespace DotnetWorkers.Region;

/// <summary>
/// The shared region as this process sees it: its base address, its header fields and its
/// process table. Every read of a field that other processes change is a single aligned
/// volatile load of that field, never a struct copy that could tear.
/// </summary>
internal sealed unsafe class SharedRegion : IDisposable
{
    private readonly RegionHandle _handle;

    private SharedRegion(nint handle)
    {
        _handle = new RegionHandle(handle);
        Base = NativeMethods.RegionBase(handle);
        Size = NativeMethods.RegionSize(handle);
    }

    /// <summary>Where the region is mapped: the same address in every process of the cluster.</summary>
    internal byte* Base { get; }

    /// <summary>The bytes reserved for the region.</summary>
    internal ulong Size { get; }

    /// <summary>The native handle for calls into libdotnetworkers.</summary>
    internal RegionHandle Handle => _handle;

    internal bool IsPrivate => (ReadUInt32(RegionLayout.FlagsOffset) & RegionLayout.FlagPrivate) != 0;

    internal bool IsSpawned => (ReadUInt32(RegionLayout.FlagsOffset) & RegionLayout.FlagSpawned) != 0;

    internal int WorkerCount => (int)ReadUInt32(RegionLayout.WorkerCountOffset);

    internal bool IsShutdownRequested => Volatile.Read(ref *(uint*)(Base + RegionLayout.ShutdownStateOffset)) != RegionLayout.Running;

    /// <summary>The raw state word of process <paramref name="id"/>'s entry.</summary>
    internal uint ProcessState(int id) =>
        Volatile.Read(ref *(uint*)(Base + RegionLayout.ProcessTableOffset + ((long)id * RegionLayout.ProcessEntrySize) + RegionLayout.EntryStateOffset));

    /// <summary>
    /// The generation of service entry <paramref name="index"/> (an index the native library
    /// returned): it grows after every change of the entry's members.
    /// </summary>
    internal ulong ServiceGeneration(uint index) =>
        Volatile.Read(ref *(ulong*)(Base + ReadUInt64(RegionLayout.ServicesOffsetOffset) + ((long)index * RegionLayout.ServiceEntrySize) + RegionLayout.ServiceGenerationOffset));

    /// <summary>The operating-system pid in process <paramref name="id"/>'s entry (0 before it forked).</summary>
    internal uint ProcessPid(int id) =>
        Volatile.Read(ref *(uint*)(Base + RegionLayout.ProcessTableOffset + ((long)id * RegionLayout.ProcessEntrySize) + RegionLayout.EntryPidOffset));

    /// <summary>
    /// Binds to the region described by DOTNET_WORKERS_REGION and checks its header. Returns
    /// null if the descriptor was written for another process: this process inherited the
    /// environment from a cluster process that started it, and is not part of the cluster.
    /// </summary>
    internal static SharedRegion? AttachIfOwn(string descriptor)
    {
        // The launcher writes it in ASCII; anything else is passed on as '?', which the native
        // parser refuses with the descriptor in its message.
        Span<byte> ascii = descriptor.Length < 256 ? stackalloc byte[descriptor.Length + 1] : new byte[descriptor.Length + 1];
        for (int i = 0; i < descriptor.Length; i++)
        {
            ascii[i] = descriptor[i] is > '\0' and < (char)0x80 ? (byte)descriptor[i] : (byte)'?';
        }

        ascii[^1] = 0;
        DwStatus status;
        nint handle;
        fixed (byte* text = ascii)
        {
            status = NativeMethods.RegionAttach(text, out handle);
        }

        if (status == DwStatus.NotThisProcess)
        {
            return null;
        }

        NativeErrors.ThrowIfFailed(status, "Binding to the cluster's shared region");
        var region = new SharedRegion(handle);
        try
        {
            ReleaseCheck.ThrowIfOther(Environment.GetEnvironmentVariable("DOTNET_WORKERS_VERSION"), ReleaseCheck.LibraryVersion);
        }
        catch
        {
            region.Dispose();
            throw;
        }

        return region;
    }

    /// <summary>Creates a region private to this process (the single-process fallback, tests).</summary>
    internal static SharedRegion CreatePrivate(ulong size)
    {
        DwStatus status = NativeMethods.RegionCreate(size, 0, RegionLayout.FlagPrivate, out nint handle);
        NativeErrors.ThrowIfFailed(status, "Creating a private shared region");
        return new SharedRegion(handle);
    }

    /// <summary>
    /// Maps the region in the file at <paramref name="path"/> (a launcher's /proc/PID/fd/N)
    /// read-only, after the same header checks as a bind: what the CLI reads a running
    /// cluster through. Only reads may be made through it.
    /// </summary>
    internal static SharedRegion OpenReadOnly(string path)
    {
        NativeErrors.ThrowIfFailed(NativeMethods.RegionOpenReadOnly(path, out nint handle), $"Reading the cluster's region ({path})");
        return new SharedRegion(handle);
    }

    internal uint ReadUInt32(int offset) => Volatile.Read(ref *(uint*)(Base + offset));

    internal ulong ReadUInt64(int offset) => Volatile.Read(ref *(ulong*)(Base + offset));

    /// <summary>A snapshot of process <paramref name="id"/>'s entry, or null if the id is unused.</summary>
    internal WorkerInfo? ReadProcess(int id)
    {
        byte* entry = Base + RegionLayout.ProcessTableOffset + (long)id * RegionLayout.ProcessEntrySize;
        // Read the state on both sides of the other fields: if it moved meanwhile, the
        // snapshot mixes two moments; re-read. States only move forward, so this settles;
        // after 5 tries the last snapshot is returned as is (its fields are each whole).
        for (int attempt = 0; ; attempt++)
        {
            uint state = Volatile.Read(ref *(uint*)(entry + RegionLayout.EntryStateOffset));
            if (state == 0)
            {
                return null;
            }

            int pid = (int)Volatile.Read(ref *(uint*)(entry + RegionLayout.EntryPidOffset));
            int exitStatus = Volatile.Read(ref *(int*)(entry + RegionLayout.EntryExitStatusOffset));
            ulong startedNs = Volatile.Read(ref *(ulong*)(entry + RegionLayout.EntryStartedNsOffset));
            ulong readyNs = Volatile.Read(ref *(ulong*)(entry + RegionLayout.EntryReadyNsOffset));
            int restarts = (int)Volatile.Read(ref *(uint*)(entry + RegionLayout.EntryRestartsOffset));
            int lastExitStatus = Volatile.Read(ref *(int*)(entry + RegionLayout.EntryLastExitStatusOffset));
            var lastExitCause = (WorkerExitCause)Volatile.Read(ref *(uint*)(entry + RegionLayout.EntryLastExitCauseOffset));
            byte* doorbell = DoorbellOf(id);
            var roleBytes = new ReadOnlySpan<byte>(entry + RegionLayout.EntryRoleOffset, RegionLayout.RoleCapacity);
            int length = roleBytes.IndexOf((byte)0);
            string role = Encoding.UTF8.GetString(length < 0 ? roleBytes : roleBytes[..length]);
            if (Volatile.Read(ref *(uint*)(entry + RegionLayout.EntryStateOffset)) == state || attempt == 4)
            {
                // A claimed id (StartWorkersAsync) is a worker about to start.
                var status = state == RegionLayout.ProcessRequested ? WorkerStatus.Starting : (WorkerStatus)state;
                return new WorkerInfo(id, pid, role, status, ExitCodeOf(state, exitStatus))
                {
                    StartedAt = startedNs == 0 ? null : DateTimeOffset.UtcNow - MonotonicAge(startedNs),
                    Restarts = restarts,
                    LastExitCode = lastExitCause == WorkerExitCause.None ? null : ShellCode(lastExitStatus),
                    LastExitCause = lastExitCause,
                    CallsInFlight = (int)Volatile.Read(ref *(uint*)(doorbell + RegionLayout.DoorbellCallsInFlightOffset)),
                    CallsServed = (long)Volatile.Read(ref *(ulong*)(doorbell + RegionLayout.DoorbellCallsServedOffset)),
                    GcHeapBytes = readyNs == 0 ? null : (long)Volatile.Read(ref *(ulong*)(doorbell + RegionLayout.DoorbellGcHeapOffset)),
                };
            }
        }
    }

    /// <summary>This process publishes its managed heap size where <see cref="ReadProcess"/> reads it.</summary>
    internal void PublishGcHeapBytes(int id, long bytes) =>
        Volatile.Write(ref *(ulong*)(DoorbellOf(id) + RegionLayout.DoorbellGcHeapOffset), (ulong)bytes);

    private byte* DoorbellOf(int id) => Base + ReadUInt64(RegionLayout.DoorbellsOffsetOffset) + ((long)id * RegionLayout.DoorbellSize);

    /// <summary>How long ago <paramref name="monotonicNs"/> was (CLOCK_MONOTONIC, as the launcher stamps starts).</summary>
    private static TimeSpan MonotonicAge(ulong monotonicNs)
    {
        // Stopwatch reads CLOCK_MONOTONIC on Linux.
        long now = (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));
        return TimeSpan.FromTicks(Math.Max(0, now - (long)monotonicNs) / 100);
    }

    /// <summary>A stored exit status (code, or -signal) the way a shell shows it: 128 + signal.</summary>
    private static int ShellCode(int exitStatus) => exitStatus < 0 ? 128 - exitStatus : exitStatus;

    private static int? ExitCodeOf(uint state, int exitStatus) => (WorkerStatus)state switch
    {
        WorkerStatus.Exited or WorkerStatus.Killed => ShellCode(exitStatus),
        WorkerStatus.Reviving => ShellCode(exitStatus), // how the death it revives from ended
        _ => null,
    };

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
