using DotnetWorkers.Native;
using DotnetWorkers.Store;

namespace DotnetWorkers.Buffers;

/// <summary>
/// Named blocks of shared bytes. A <see cref="SharedBuffer"/> is a view straight over the
/// region (zero copy) in every process that opens the name; the bytes live until the last
/// process releases them (disposes its buffers, lets them be collected, or dies).
/// </summary>
/// <remarks>Every member is thread-safe. Names are 1 to 128 bytes of UTF-8; a cluster holds at
/// most 4096 buffers at once, and a process at most 256 (buffers and pending GetOrSets).</remarks>
public sealed unsafe class SharedBuffers : ISharedBuffers
{
    private readonly ClusterRuntime _runtime;

    // Joined across machines (--join): a name belongs to the first host that uses it.
    private readonly MultiHost.HostLocalNames? _owners;

    internal SharedBuffers(ClusterRuntime runtime)
    {
        _runtime = runtime;
        _owners = runtime.Link is { } link ? new MultiHost.HostLocalNames(link, "buf") : null;
    }

    /// <summary>Buffers alive in the cluster.</summary>
    public int Count => (int)_runtime.ReadMemoryStatistics().Buffers;

    /// <summary>
    /// Opens the buffer <paramref name="name"/>, creating it with <paramref name="size"/> zeroed
    /// bytes if no process has. Each call is one reference: dispose what it returns.
    /// </summary>
    /// <exception cref="InvalidOperationException">The buffer exists with another size; or, joined across machines, another host has a buffer of that name (buffers stay on one host).</exception>
    /// <exception cref="SharedMemoryExhaustedException">The region has no room for it.</exception>
    public SharedBuffer Open(string name, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return OpenCore(name, (ulong)size);
    }

    /// <summary>Opens the buffer <paramref name="name"/> another process created, whatever its size.</summary>
    /// <exception cref="KeyNotFoundException">No buffer has that name.</exception>
    public SharedBuffer OpenExisting(string name) => OpenCore(name, 0);

    ISharedBuffer ISharedBuffers.Open(string name, long size) => Open(name, size);

    ISharedBuffer ISharedBuffers.OpenExisting(string name) => OpenExisting(name);

    private SharedBuffer OpenCore(string name, ulong size)
    {
        Span<byte> nameBuffer = stackalloc byte[Utf8Name.MaxNameBytes];
        ReadOnlySpan<byte> n = Utf8Name.Encode(name, nameBuffer, "buffer name", nameof(name));
        _owners?.Claim(name, "The buffer");
        NativeMethods.BufferInfo info;
        fixed (byte* np = n)
        {
            NativeErrors.ThrowIfFailed(NativeMethods.BufferOpen(_runtime.RegionHandle, np, (uint)n.Length, size, &info),
                $"Opening the buffer '{name}'");
        }

        return new SharedBuffer(_runtime, name, info);
    }
}
