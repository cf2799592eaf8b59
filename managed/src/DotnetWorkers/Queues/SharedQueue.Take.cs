using System.Threading.Channels;
using StackExchange.Redis;

namespace DotnetWorkers.Queues;

public sealed partial class SharedQueue<T>
{
    /// <summary>
    /// Takes the first message, waiting for one, for a consumer that acknowledges it once it
    /// has done its work: <c>await using var message = await queue.TakeAsync(); ...; await message.AcknowledgeAsync();</c>.
    /// </summary>
    /// <remarks>
    /// <para>Joined across machines (<c>--join</c>), the message stays this process's until
    /// it is acknowledged: if the process dies first (its host's launcher is killed, its
    /// network cut, the process itself killed), a reader on any host delivers it again,
    /// within the bound docs/multihost.md gives. At least once: a consumer may see a message
    /// twice, so make its work idempotent. A message released (or disposed of without an
    /// acknowledgment) goes back to the front of the queue. The other reads (<see cref="TryRead"/>,
    /// <see cref="ReadAsync"/>, <see cref="TryReadMany"/>...) are acknowledged on the server as
    /// they read, as a list's own <c>LPOP</c> is.</para>
    /// <para>On one machine the region's queue frees a message when it is taken, so
    /// <see cref="TakenMessage{T}.AcknowledgeAsync"/> does nothing, a process killed
    /// before it acknowledges loses the message, and a released message is written again at
    /// the back (by <see cref="TakenMessage{T}.DisposeAsync"/> only if there is room).</para>
    /// </remarks>
    /// <exception cref="ChannelClosedException">The queue was completed and is empty (with the completion's error as its inner exception).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async ValueTask<TakenMessage<T>> TakeAsync(CancellationToken cancellationToken = default)
    {
        if (_remote is null)
        {
            return new TakenMessage<T>(this, await ReadAsync(cancellationToken).ConfigureAwait(false), RedisValue.Null);
        }

        while (true)
        {
            RedisValue taken = await _remote.TryTakeAsync().ConfigureAwait(false);
            if (!taken.IsNull)
            {
                T value;
                try
                {
                    value = Deserialize(taken);
                }
                catch
                {
                    // It could never be read: dropped, not delivered again and again (and if
                    // the drop fails, the deserialization's exception is the one to see).
                    try
                    {
                        await _remote.AcknowledgeAsync(taken).ConfigureAwait(false);
                    }
                    catch (DotnetWorkersException)
                    {
                    }

                    throw;
                }

                return new TakenMessage<T>(this, value, taken);
            }

            await WaitToReadOrThrowClosedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Forgets a taken message (joined: its copy in this process's taken list).</summary>
    internal ValueTask AcknowledgeAsync(RedisValue taken) => _remote is null ? ValueTask.CompletedTask : _remote.AcknowledgeAsync(taken);

    /// <summary>Hands a taken message to the next reader.</summary>
    internal ValueTask ReleaseAsync(T value, RedisValue taken, CancellationToken cancellationToken) =>
        _remote is null ? WriteAsync(value, cancellationToken) : _remote.ReleaseAsync(taken);

    /// <summary>
    /// A taken message disposed of unsettled: released, without waiting for room on one
    /// machine (a dispose must not hang, nor hide the consumer's exception: on a full or
    /// completed queue there, the message is dropped).
    /// </summary>
    internal ValueTask ReleaseOnDisposeAsync(T value, RedisValue taken)
    {
        if (_remote is not null)
        {
            return _remote.ReleaseAsync(taken);
        }

        _ = TryWriteItem(value);
        return ValueTask.CompletedTask;
    }
}
