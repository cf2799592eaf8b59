using System.Collections.Concurrent;
using DotnetWorkers.Messaging;
using DotnetWorkers.Native;
using MemoryPack;

namespace DotnetWorkers.Queues;

/// <summary>
/// The errors queues were completed with (ChannelWriter.TryComplete(error)), as this process
/// sees them: the exception itself when this process completed the queue; a
/// <see cref="RemoteException"/> read from the region (the completing process's id, then its
/// type, message and stack as MemoryPack) when another did. One object per queue, so a
/// reader can tell the completion's error from any other.
/// </summary>
internal sealed unsafe class CompletionErrors(ClusterRuntime runtime)
{
    private readonly ConcurrentDictionary<uint, Exception> _known = new();

    internal static byte[] Encode(Exception error, int workerId)
    {
        byte[] remote = MemoryPackSerializer.Serialize(new RemoteError(error.GetType().FullName ?? error.GetType().Name, error.Message, error.StackTrace));
        byte[] bytes = new byte[sizeof(int) + remote.Length];
        BitConverter.TryWriteBytes(bytes, workerId);
        remote.CopyTo(bytes, sizeof(int));
        return bytes;
    }

    /// <summary>Remembers <paramref name="error"/> as queue <paramref name="index"/>'s, unless one is known already.</summary>
    internal bool TryRemember(uint index, Exception error) => _known.TryAdd(index, error);

    /// <summary>Forgets <paramref name="error"/> (only that one) as queue <paramref name="index"/>'s.</summary>
    internal void Forget(uint index, Exception error) => _known.TryRemove(KeyValuePair.Create(index, error));

    internal Exception? Find(uint index)
    {
        if (_known.TryGetValue(index, out Exception? error))
        {
            return error;
        }

        byte[] buffer = new byte[4096];
        while (true)
        {
            DwStatus status;
            uint length;
            fixed (byte* p = buffer)
            {
                status = NativeMethods.QueueCompletionError(runtime.RegionHandle, index, p, (uint)buffer.Length, out length);
            }

            if (status == DwStatus.NotFound)
            {
                return null;
            }

            if (status == DwStatus.BufferTooSmall)
            {
                buffer = new byte[length];
                continue;
            }

            NativeErrors.ThrowIfFailed(status, "Reading a queue's completion error");
            return _known.GetOrAdd(index, Decode(buffer.AsSpan(0, (int)length)));
        }
    }

    /// <summary>An error as <see cref="Encode"/> wrote it, as the exception other processes get.</summary>
    internal static RemoteException Decode(ReadOnlySpan<byte> bytes)
    {
        int workerId = BitConverter.ToInt32(bytes);
        RemoteError remote = MemoryPackSerializer.Deserialize<RemoteError>(bytes[sizeof(int)..])!;
        return new RemoteException(remote.TypeName, remote.Message, remote.StackTrace, workerId);
    }
}
