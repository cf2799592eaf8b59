using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace DotnetWorkers.Native;

/// <summary>
/// The buffer of a native read that may answer <see cref="DwStatus.BufferTooSmall"/> with the
/// size it needs: rented from the shared pool, grown in place, returned once.
/// </summary>
internal static class PooledBuffer
{
    /// <summary>
    /// Gives <paramref name="buffer"/> back and rents one of at least <paramref name="size"/>
    /// bytes in its place. If renting throws, <paramref name="buffer"/> is null: a
    /// <see cref="Return"/> in the caller's finally then returns nothing twice.
    /// </summary>
    internal static void Grow([NotNull] ref byte[]? buffer, int size)
    {
        byte[]? smaller = buffer;
        buffer = null;
        if (smaller is not null)
        {
            ArrayPool<byte>.Shared.Return(smaller);
        }

        buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>Gives <paramref name="buffer"/> back, if there is one.</summary>
    internal static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
