using DotnetWorkers.Messaging.Inbox;
using DotnetWorkers.Native;
using MemoryPack;
using StackExchange.Redis;

namespace DotnetWorkers.Queues;

/// <summary>
/// The queue's members when the cluster is joined across machines (<c>--join</c>): the same
/// contract, on <see cref="MultiHost.RedisQueue"/>. A read is acknowledged on the server
/// as it is read; <see cref="TakeAsync"/> leaves the acknowledgment to the caller.
/// </summary>
public sealed partial class SharedQueue<T>
{
    private Exception? _remoteError;

    private bool? RemoteTryWrite(ReadOnlySpan<byte> bytes) => _remote!.TryWrite([bytes.ToArray()]) switch
    {
        null => null,
        0 => false,
        _ => true,
    };

    private async ValueTask RemoteWaitAndWriteAsync(MessageBuffer buffer, CancellationToken cancellationToken)
    {
        try
        {
            bool? written;
            while ((written = RemoteTryWrite(buffer.Span)) == false)
            {
                await MultiHost.RedisQueue.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
            }

            if (written is null)
            {
                throw Closed();
            }
        }
        finally
        {
            buffer.Dispose();
        }
    }

    private async ValueTask<bool> RemoteWaitToWriteAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (long count, bool completed) = await _remote!.StateAsync().ConfigureAwait(false);
            if (completed)
            {
                return CompletionError() is { } error ? throw error : false;
            }

            if (count < _remote.Capacity)
            {
                return true;
            }

            await MultiHost.RedisQueue.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int RemoteTryWriteMany(ReadOnlySpan<T> items)
    {
        int written = 0;
        while (written < items.Length)
        {
            int batch = Math.Min(MaxBatch, items.Length - written);
            var messages = new RedisValue[batch];
            for (int i = 0; i < batch; i++)
            {
                messages[i] = MemoryPackSerializer.Serialize(items[written + i]);
            }

            int? count = _remote!.TryWrite(messages);
            if (count is null)
            {
                return written > 0 ? written : throw Closed();
            }

            written += count.Value;
            if (count < batch)
            {
                break;  // full
            }
        }

        return written;
    }

    private DwStatus RemoteTryRead(out T? item)
    {
        RedisValue[] read = _remote!.TryRead(1);
        item = read.Length > 0 ? Deserialize(read[0]) : default;
        return read.Length > 0 ? DwStatus.Ok : DwStatus.Timeout;
    }

    private int RemoteTryReadMany(Span<T> destination)
    {
        int read = 0;
        while (read < destination.Length)
        {
            RedisValue[] messages = _remote!.TryRead(Math.Min(MaxBatch, destination.Length - read));
            foreach (RedisValue message in messages)
            {
                destination[read++] = Deserialize(message);
            }

            if (messages.Length == 0)
            {
                break;
            }
        }

        return read;
    }

    private async ValueTask<bool> RemoteWaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task written = _remote!.NextWrite();
            (long count, bool completed) = await _remote.StateAsync().ConfigureAwait(false);
            if (count > 0)
            {
                return true;
            }

            if (completed && !await _remote.OthersHoldTakenAsync().ConfigureAwait(false))
            {
                return CompletionError() is { } error ? throw error : false;
            }

            await _remote.PauseAsync(written, cancellationToken).ConfigureAwait(false);
        }
    }

    private bool RemoteComplete(Exception? error, byte[] bytes)
    {
        // Known here before the queue reads as completed: a reader of this process gets this exception object.
        bool remembered = error is not null && Interlocked.CompareExchange(ref _remoteError, error, null) is null;
        bool first;
        try
        {
            first = _remote!.Complete(bytes);
        }
        catch
        {
            if (remembered)
            {
                Interlocked.CompareExchange(ref _remoteError, null, error);
            }

            throw;
        }

        if (remembered && !first)
        {
            Interlocked.CompareExchange(ref _remoteError, null, error);  // not this completion's error after all
        }

        return first;
    }

    private Exception? RemoteCompletionError()
    {
        if (Volatile.Read(ref _remoteError) is { } known)
        {
            return known;
        }

        if (_remote!.CompletionError() is not { } bytes)
        {
            return null;
        }

        // One object for every reader of this process, so each can tell the completion's error from any other.
        Interlocked.CompareExchange(ref _remoteError, CompletionErrors.Decode(bytes), null);
        return _remoteError;
    }

    private async Task RemoteWaitUntilDrainedAsync()
    {
        while (true)
        {
            Task written = _remote!.NextWrite();
            (long count, bool completed) = await _remote.StateAsync().ConfigureAwait(false);
            if (completed && count == 0 && !await _remote.OthersHoldTakenAsync().ConfigureAwait(false))
            {
                break;
            }

            await _remote.PauseAsync(written, CancellationToken.None).ConfigureAwait(false);
        }

        if (CompletionError() is { } error)
        {
            throw error;
        }
    }

    private static T Deserialize(RedisValue message) => MemoryPackSerializer.Deserialize<T>(((ReadOnlyMemory<byte>)message).Span)!;
}
