using StackExchange.Redis;

namespace DotnetWorkers.Queues;

/// <summary>
/// A message <see cref="SharedQueue{T}.TakeAsync"/> took: this process's until it is
/// acknowledged (done with: never delivered again) or released (handed to the next
/// reader). Disposing of it without either releases it, so a consumer that throws gives
/// its message back.
/// </summary>
/// <typeparam name="T">The queue's message type.</typeparam>
public sealed class TakenMessage<T> : IAsyncDisposable
{
    private readonly SharedQueue<T> _queue;
    private readonly RedisValue _taken;
    private int _settled;

    internal TakenMessage(SharedQueue<T> queue, T value, RedisValue taken)
    {
        _queue = queue;
        Value = value;
        _taken = taken;
    }

    /// <summary>The message.</summary>
    public T Value { get; }

    /// <summary>True once the message was acknowledged or released.</summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>Done with the message: it will not be delivered again.</summary>
    /// <exception cref="InvalidOperationException">It was acknowledged or released already.</exception>
    /// <exception cref="DotnetWorkersException">The server could not be reached (joined across machines): the message is still this process's; acknowledge again, or dispose of it to release it.</exception>
    public async ValueTask AcknowledgeAsync()
    {
        Settle();
        try
        {
            await _queue.AcknowledgeAsync(_taken).ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _settled, 0);  // not settled: try again, or dispose to release it
            throw;
        }
    }

    /// <summary>Gives the message back for the next reader (see <see cref="SharedQueue{T}.TakeAsync"/> for where it goes).</summary>
    /// <exception cref="InvalidOperationException">It was acknowledged or released already.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while a full queue had no room (one machine).</exception>
    public async ValueTask ReleaseAsync(CancellationToken cancellationToken = default)
    {
        Settle();
        try
        {
            await _queue.ReleaseAsync(Value, _taken, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _settled, 0);
            throw;
        }
    }

    /// <summary>
    /// Releases the message unless it was acknowledged or released. On one machine, only if
    /// the queue has room and is not completed (else it is dropped: a dispose does not wait).
    /// </summary>
    public ValueTask DisposeAsync() =>
        Interlocked.Exchange(ref _settled, 1) == 0 ? _queue.ReleaseOnDisposeAsync(Value, _taken) : ValueTask.CompletedTask;

    private void Settle()
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            throw new InvalidOperationException("The message was acknowledged or released already.");
        }
    }
}
