using System.Buffers;
using DotnetWorkers.Native;

namespace DotnetWorkers.Buffers;

/// <summary>
/// One reference to a named block of shared bytes: <see cref="Span"/> and <see cref="Memory"/>
/// are views straight over the region, the same bytes in every process (zero copy). Writes
/// are visible to the others at once; coordinating them (a <see cref="Locks.SharedMutex"/>,
/// <see cref="System.Threading.Volatile"/>, <see cref="Interlocked"/>) is the caller's.
/// </summary>
/// <remarks>
/// <para>Dispose it when done: the last reference in the cluster frees the bytes, and the
/// memory is reused. A process that ends (or dies) gives back every reference it still holds.
/// Disposing twice does nothing; using it after disposing throws
/// <see cref="ObjectDisposedException"/>. Views taken before disposing must not be used after.</para>
/// <para>A buffer that is never disposed is <b>not</b> released when the garbage collector
/// collects it: a <see cref="Span"/> taken from it can outlive the object (the collector does
/// not see spans), and freeing the bytes under it would let this process write into memory
/// that another process has since been given. Its reference is given back when the process
/// ends.</para>
/// </remarks>
public sealed unsafe class SharedBuffer : ISharedBuffer
{
    private readonly ClusterRuntime _runtime;
    private readonly uint _index;
    private readonly uint _generation;
    private readonly byte* _bytes;
    private int _disposed;

    internal SharedBuffer(ClusterRuntime runtime, string name, NativeMethods.BufferInfo info)
    {
        _runtime = runtime;
        Name = name;
        Length = (long)info.Size;
        Created = info.Created != 0;
        _index = info.Index;
        _generation = info.Generation;
        _bytes = runtime.Region.Base + info.DataOffset;
    }

    /// <summary>The buffer's name.</summary>
    public string Name { get; }

    /// <summary>Its size in bytes.</summary>
    public long Length { get; }

    /// <summary>True if this reference created the buffer (its bytes started as zero).</summary>
    public bool Created { get; }

    /// <summary>The bytes (the first 2 GiB of a larger buffer: see <see cref="GetSpan"/>).</summary>
    public Span<byte> Span => new(Pointer, (int)Math.Min(Length, int.MaxValue));

    /// <summary>The bytes as <see cref="Memory{T}"/> (for async APIs and streams).</summary>
    public Memory<byte> Memory => new Manager(this).Memory;

    /// <summary>Where the bytes start: the same address in every process of the cluster.</summary>
    public nint Address => (nint)Pointer;

    private byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _bytes;
        }
    }

    /// <summary>A view of <paramref name="length"/> bytes from <paramref name="offset"/>.</summary>
    public Span<byte> GetSpan(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset + length}) is outside the buffer's {Length} bytes.");
        }

        return new Span<byte>(Pointer + offset, length);
    }

    /// <summary>Gives this reference back; the last reference in the cluster frees the bytes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _runtime.IsDisposed)
        {
            return;
        }

        NativeMethods.BufferRelease(_runtime.RegionHandle, _index, _generation);
    }

    private sealed class Manager(SharedBuffer buffer) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => buffer.Span;

        public override MemoryHandle Pin(int elementIndex = 0) => new(buffer.Pointer + elementIndex); // never moves

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
