using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// A queue of a cluster joined across machines, as lists on the server (no streams: Garnet
/// has none; no blocking commands: they would hold the shared connection). What
/// <see cref="Queues.SharedQueue{T}"/> calls when the cluster is joined; it moves
/// serialized messages, the queue turns them into values.
/// </summary>
/// <remarks>
/// <para>Keys (docs/multihost.md): the messages are the list <c>q:NAME</c>; its type,
/// capacity and completion the hash <c>qm:NAME</c>. A read pops (<c>LPOP</c>): acknowledged
/// as it is read. A take moves the message (<c>LMOVE</c>, atomic) to the taker's own list
/// <c>qt:NAME:ID:PID</c>, and its acknowledgment removes it from there; the set
/// <c>qk:NAME</c> names the takers. A reader that died
/// (its host's heartbeat expired, or its host's process table no longer has it) leaves its
/// taken messages there: any live reader or taker moves them back to the front of the queue, so a
/// message taken and not acknowledged is delivered again (at least once).</para>
/// <para>Completion is atomic without a script: one transaction marks the hash and renames
/// the list to <c>qc:NAME</c>, where readers drain it. A write is one transaction that
/// pushes and looks at the mark: written if the mark was not there, else refused (and its
/// message taken back). A read is one transaction that moves and looks at the mark: a
/// message it popped or moved from <c>q:NAME</c> once the mark was there is a refused
/// write's, and is dropped. So no message written after completion is ever read.</para>
/// <para>Waiting readers are told of writes by a <c>PUBLISH</c>, and look every
/// <see cref="ReadPoll"/> besides (a lost message, a server restart). The capacity is
/// checked after the push: a write that went past it takes its message back, unless a
/// reader took it already (then it is written). Writers waiting for room look every
/// <see cref="RoomPoll"/>.</para>
/// </remarks>
internal sealed class RedisQueue
{
    /// <summary>How often a waiting reader looks again without a notice.</summary>
    internal static readonly TimeSpan ReadPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a writer waiting for room looks again (readers send no notice: it would cost every read a command).</summary>
    internal static readonly TimeSpan RoomPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>How often a reader looks for dead readers' taken messages (and renews its own entry in the readers' set).</summary>
    internal static readonly TimeSpan ReclaimPeriod = TimeSpan.FromSeconds(1);

    private const string TypeField = "type";
    private const string CapacityField = "capacity";
    private const string CompletedField = "completed";

    private readonly HostLink _link;
    private readonly IDatabase _database;
    private readonly RedisKey _messages;
    private readonly RedisKey _closed;
    private readonly RedisKey _meta;
    private readonly RedisKey _readers;
    private readonly string _takenPrefix;
    private readonly RedisValue _reader;
    private readonly RedisKey _taken;
    private readonly RedisChannel _written;
    private readonly ChannelNotice _writtenNotice;
    private long _nextReclaim;
    private bool _completedSeen;
    private int _reclaiming;

    private RedisQueue(HostLink link, string name, int capacity)
    {
        _link = link;
        _database = link.Database;
        Name = name;
        Capacity = capacity;
        string prefix = link.Keys.Prefix;
        _messages = $"{prefix}q:{name}";
        _closed = $"{prefix}qc:{name}";
        _meta = $"{prefix}qm:{name}";
        _readers = $"{prefix}qk:{name}";
        _takenPrefix = $"{prefix}qt:{name}:";
        _reader = $"{link.GlobalWorkerId}:{Environment.ProcessId}";
        _taken = _takenPrefix + _reader;
        _written = RedisChannel.Literal($"{prefix}qw:{name}");
        _writtenNotice = new ChannelNotice(link, _written);
    }

    internal string Name { get; }

    /// <summary>Messages the queue holds at most (as the region's queue: rounded up to a power of two).</summary>
    internal int Capacity { get; }

    /// <summary>
    /// Opens the queue, creating it on first use with this type and capacity (one
    /// transaction: whoever is first sets them, everyone reads what is set).
    /// </summary>
    /// <exception cref="SharedTypeMismatchException">The queue was created for another type.</exception>
    /// <exception cref="InvalidOperationException">The queue exists with another capacity.</exception>
    internal static RedisQueue Open(HostLink link, string name, string typeName, Type type, int capacity)
    {
        var queue = new RedisQueue(link, name, (int)BitOperations.RoundUpToPowerOf2((uint)capacity));
        RedisValue[] shape = queue.Run("Opening", () =>
        {
            ITransaction open = queue._database.CreateTransaction();
            _ = open.HashSetAsync(queue._meta, TypeField, typeName, When.NotExists);
            _ = open.HashSetAsync(queue._meta, CapacityField, queue.Capacity, When.NotExists);
            Task<RedisValue[]> read = open.HashGetAsync(queue._meta, [TypeField, CapacityField]);
            open.Execute();
            return read.GetAwaiter().GetResult();
        });

        if (shape[0] != typeName)
        {
            throw new SharedTypeMismatchException(
                $"The queue '{name}' carries {shape[0]}, not {typeName}: open it with the type it was created with.", type, shape[0].ToString());
        }

        if ((int)shape[1] != queue.Capacity)
        {
            throw new InvalidOperationException($"Opening the queue '{name}': it exists with a capacity of {(int)shape[1]} messages, not {queue.Capacity}.");
        }

        return queue;
    }

    /// <summary>Messages waiting now, and whether the queue was completed: one transaction (a completion cannot fall between the looks).</summary>
    internal (long Count, bool Completed) State()
    {
        (ITransaction look, Task<long> open, Task<long> closed, Task<bool> completed) = LookAtState();
        Run("Reading", () => look.Execute());
        return completed.GetAwaiter().GetResult() ? (closed.GetAwaiter().GetResult(), true) : (open.GetAwaiter().GetResult(), false);
    }

    /// <inheritdoc cref="State"/>
    internal async Task<(long Count, bool Completed)> StateAsync()
    {
        (ITransaction look, Task<long> open, Task<long> closed, Task<bool> completed) = LookAtState();
        await RunAsync("Reading", look.ExecuteAsync()).ConfigureAwait(false);
        return await completed.ConfigureAwait(false) ? (await closed.ConfigureAwait(false), true) : (await open.ConfigureAwait(false), false);
    }

    private (ITransaction, Task<long>, Task<long>, Task<bool>) LookAtState()
    {
        ITransaction look = _database.CreateTransaction();
        return (look, look.ListLengthAsync(_messages), look.ListLengthAsync(_closed), look.HashExistsAsync(_meta, CompletedField));
    }

    /// <summary>
    /// True while another process still holds messages it took and has not acknowledged: a
    /// completed queue is not drained until they are acknowledged (or come back, released or
    /// reclaimed). This process's own are not counted: a consumer that takes again before it
    /// acknowledges must not wait for itself.
    /// </summary>
    internal async Task<bool> OthersHoldTakenAsync()
    {
        RedisValue[] takers = await RunAsync("Reading", _database.SetMembersAsync(_readers)).ConfigureAwait(false);
        Task<long>[] lengths = [.. takers.Where(t => t != _reader).Select(t => _database.ListLengthAsync(_takenPrefix + t.ToString()))];
        foreach (Task<long> length in lengths)
        {
            if (await RunAsync("Reading", length).ConfigureAwait(false) > 0)
            {
                ReclaimIfDue();  // a dead taker's come back soon
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Writes <paramref name="messages"/> in order, if the queue has room for them and is not completed.
    /// </summary>
    /// <returns>How many were written (the first ones; fewer when the queue filled), or null if it was completed.</returns>
    internal int? TryWrite(RedisValue[] messages) => Run("Writing to", () =>
    {
        ITransaction write = _database.CreateTransaction();
        Task<long> length = write.ListRightPushAsync(_messages, messages);
        Task<bool> completed = write.HashExistsAsync(_meta, CompletedField);
        write.Execute();
        if (completed.GetAwaiter().GetResult())
        {
            // Refused: pushed after the list was renamed, so no reader takes them as messages.
            foreach (RedisValue message in messages)
            {
                _database.ListRemove(_messages, message, -1, CommandFlags.FireAndForget);
            }

            return (int?)null;
        }

        int over = (int)Math.Clamp(length.GetAwaiter().GetResult() - Capacity, 0, messages.Length);
        int written = messages.Length - over;
        for (int i = messages.Length - 1; i >= messages.Length - over; i--)
        {
            // Take back the ones past the capacity, from the back. One that is not there any
            // more was read (or completed into the closed list): it was written.
            if (_database.ListRemove(_messages, messages[i], -1) == 0)
            {
                written = i + 1;
                break;
            }
        }

        if (written > 0)
        {
            _database.Publish(_written, RedisValue.EmptyString, CommandFlags.FireAndForget);
        }

        return written;
    });

    /// <summary>
    /// Reads up to <paramref name="count"/> messages, acknowledged as they are read: one
    /// transaction of an <c>LPOP</c> and a look at the completion mark (as a user's own
    /// <c>LPOP</c>, a process killed between the server's answer and its app seeing the
    /// messages loses them; <see cref="TryTakeAsync"/> is for consumers that acknowledge).
    /// </summary>
    internal RedisValue[] TryRead(int count)
    {
        ReclaimIfDue();
        return Run("Reading", () =>
        {
            if (Volatile.Read(ref _completedSeen))
            {
                return _database.ListLeftPop(_closed, count) ?? [];
            }

            ITransaction read = _database.CreateTransaction();
            Task<RedisValue[]> popped = read.ListLeftPopAsync(_messages, count);
            Task<bool> completed = read.HashExistsAsync(_meta, CompletedField);
            read.Execute();
            if (!completed.GetAwaiter().GetResult())
            {
                return popped.GetAwaiter().GetResult() ?? [];
            }

            // Completed before this transaction: what it popped from the open list were refused writes.
            Volatile.Write(ref _completedSeen, true);
            return _database.ListLeftPop(_closed, count) ?? [];
        });
    }

    /// <summary>
    /// Takes the first message into this process's taken list, where it stays until
    /// <see cref="AcknowledgeAsync"/> or <see cref="ReleaseAsync"/>, or until a reader of any
    /// host finds this process dead and puts it back. One transaction, conditioned on the
    /// queue not being completed (so a refused write's message is never moved), that also
    /// names this taker in the takers' set (so a reclaimer always finds it); on a completed
    /// queue, a move from the closed list.
    /// </summary>
    /// <returns>The message, or null if there is none now.</returns>
    internal async Task<RedisValue> TryTakeAsync()
    {
        ReclaimIfDue();
        if (!Volatile.Read(ref _completedSeen))
        {
            ITransaction take = _database.CreateTransaction();
            take.AddCondition(Condition.HashNotExists(_meta, CompletedField));
            _ = take.SetAddAsync(_readers, _reader);
            Task<RedisValue> moved = take.ListMoveAsync(_messages, _taken, ListSide.Left, ListSide.Right);
            if (await RunAsync("Reading", take.ExecuteAsync()).ConfigureAwait(false))
            {
                return await moved.ConfigureAwait(false);
            }

            Volatile.Write(ref _completedSeen, true);
        }

        ITransaction drain = _database.CreateTransaction();
        _ = drain.SetAddAsync(_readers, _reader);
        Task<RedisValue> drained = drain.ListMoveAsync(_closed, _taken, ListSide.Left, ListSide.Right);
        await RunAsync("Reading", drain.ExecuteAsync()).ConfigureAwait(false);
        return await drained.ConfigureAwait(false);
    }

    /// <summary>Forgets a taken message once the server says so.</summary>
    internal async ValueTask AcknowledgeAsync(RedisValue message) =>
        await RunAsync("Acknowledging a message of", _database.ListRemoveAsync(_taken, message, -1)).ConfigureAwait(false);

    /// <summary>
    /// Puts a taken message back at the front of the queue for the next reader, and out of
    /// this taker's list, in one transaction: never lost in between (if a reclaimer moved it
    /// back already, thinking this process dead, it comes twice: at least once).
    /// </summary>
    internal async ValueTask ReleaseAsync(RedisValue message)
    {
        await RunAsync("Releasing a message of", PutBackAsync(_taken, message)).ConfigureAwait(false);
        _database.Publish(_written, RedisValue.EmptyString, CommandFlags.FireAndForget);
    }

    /// <summary>
    /// Moves a message of a taken list to the front of the list readers read: the open one
    /// while the queue is not completed (a transaction's condition), else the closed one
    /// (completion is for good, so that choice cannot go stale).
    /// </summary>
    private async Task<bool> PutBackAsync(RedisKey taken, RedisValue message)
    {
        ITransaction put = _database.CreateTransaction();
        put.AddCondition(Condition.HashNotExists(_meta, CompletedField));
        _ = put.ListRemoveAsync(taken, message, -1);
        _ = put.ListLeftPushAsync(_messages, message);
        if (await put.ExecuteAsync().ConfigureAwait(false))
        {
            return true;
        }

        ITransaction drain = _database.CreateTransaction();
        _ = drain.ListRemoveAsync(taken, message, -1);
        _ = drain.ListLeftPushAsync(_closed, message);
        await drain.ExecuteAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Completes the queue, with <paramref name="error"/> (the encoded completion error, or empty).</summary>
    /// <returns>False if it was completed already (its first completion stays).</returns>
    internal bool Complete(byte[] error)
    {
        bool first = Run("Completing", () =>
        {
            while (true)
            {
                // The mark and the rename in one transaction, only if not marked yet. RENAME
                // fails on a missing key: an empty queue is only marked.
                ITransaction complete = _database.CreateTransaction();
                complete.AddCondition(Condition.HashNotExists(_meta, CompletedField));
                complete.AddCondition(Condition.KeyExists(_messages));
                _ = complete.HashSetAsync(_meta, CompletedField, error);
                _ = complete.KeyRenameAsync(_messages, _closed);
                if (complete.Execute())
                {
                    return true;
                }

                ITransaction empty = _database.CreateTransaction();
                empty.AddCondition(Condition.HashNotExists(_meta, CompletedField));
                empty.AddCondition(Condition.KeyNotExists(_messages));
                _ = empty.HashSetAsync(_meta, CompletedField, error);
                if (empty.Execute())
                {
                    return true;
                }

                if (_database.HashExists(_meta, CompletedField))
                {
                    return false;
                }

                // Neither held: a write or a read emptied or filled the list in between. Again.
            }
        });
        _database.Publish(_written, RedisValue.EmptyString, CommandFlags.FireAndForget);  // readers waiting on an empty queue see the end
        return first;
    }

    /// <summary>The encoded error the queue was completed with: null if none (or not completed).</summary>
    internal byte[]? CompletionError()
    {
        RedisValue stored = Run("Reading", () => _database.HashGet(_meta, CompletedField));
        return stored.IsNull || ((byte[])stored!).Length == 0 ? null : (byte[])stored!;
    }

    /// <summary>Completes at the next write's notice after this call: take it before looking at the queue, then <see cref="PauseAsync"/> on it.</summary>
    internal Task NextWrite() => _writtenNotice.Next();

    /// <summary>A reader's pause when it found nothing: until <paramref name="nextWrite"/> or the poll, whichever is first.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal async ValueTask PauseAsync(Task nextWrite, CancellationToken cancellationToken)
    {
        ReclaimIfDue();
        await Task.WhenAny(nextWrite, Task.Delay(ReadPoll, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Waits a moment before a writer of a full queue looks again.</summary>
    internal static Task WaitForRoomAsync(CancellationToken cancellationToken) => Task.Delay(RoomPoll, cancellationToken);

    /// <summary>Once a <see cref="ReclaimPeriod"/>, in the background: this reader's entry renewed, dead readers' taken messages put back.</summary>
    private void ReclaimIfDue()
    {
        long now = Stopwatch.GetTimestamp();
        if (now < Volatile.Read(ref _nextReclaim) || Interlocked.CompareExchange(ref _reclaiming, 1, 0) != 0)
        {
            return;
        }

        Volatile.Write(ref _nextReclaim, now + (long)(ReclaimPeriod.TotalSeconds * Stopwatch.Frequency));
        _ = Task.Run(async () =>
        {
            try
            {
                await ReclaimAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Whatever it was (the server out of reach, the connection disposed at exit, a
                // set member not written by this code): the next period tries again.
            }
            finally
            {
                Volatile.Write(ref _reclaiming, 0);
            }
        });
    }

    private async Task ReclaimAsync()
    {
        RedisValue[] readers = await _database.SetMembersAsync(_readers).ConfigureAwait(false);
        if (readers.All(r => r == _reader))
        {
            return;  // no taker but (perhaps) this one
        }

        IReadOnlyList<HostInfo> hosts = _link.ReadHosts();  // blocking: this runs on a pool thread of its own, once a second
        foreach (RedisValue reader in readers)
        {
            string[] parts = reader.ToString().Split(':');
            if (reader == _reader || parts.Length != 2 ||
                !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int workerId) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ||
                _link.IsAlive(workerId, pid, hosts))
            {
                continue;
            }

            // Back to the front, last first, so they come again in the order they were taken.
            // Each move is atomic: two readers reclaiming at once move each message once.
            RedisKey taken = _takenPrefix + reader;
            long moved = 0;
            while (await MoveBackAsync(taken).ConfigureAwait(false))
            {
                moved++;
            }

            // Forgotten only while its list is empty: a taker wrongly thought dead that took
            // again meanwhile stays named (its take named it again, in the same transaction).
            ITransaction forget = _database.CreateTransaction();
            forget.AddCondition(Condition.ListLengthEqual(taken, 0));
            _ = forget.SetRemoveAsync(_readers, reader);
            await forget.ExecuteAsync().ConfigureAwait(false);
            if (moved > 0)
            {
                await _database.PublishAsync(_written, RedisValue.EmptyString).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Moves the last message of a dead reader's taken list to the front of the list readers
    /// read (chosen as <see cref="PutBackAsync"/> chooses); false once the taken list is empty.
    /// </summary>
    private async Task<bool> MoveBackAsync(RedisKey taken)
    {
        ITransaction move = _database.CreateTransaction();
        move.AddCondition(Condition.HashNotExists(_meta, CompletedField));
        Task<RedisValue> moved = move.ListMoveAsync(taken, _messages, ListSide.Right, ListSide.Left);
        if (await move.ExecuteAsync().ConfigureAwait(false))
        {
            return !(await moved.ConfigureAwait(false)).IsNull;
        }

        return !(await _database.ListMoveAsync(taken, _closed, ListSide.Right, ListSide.Left).ConfigureAwait(false)).IsNull;
    }

    private TResult Run<TResult>(string doing, Func<TResult> command) => _link.Run($"{doing} the queue '{Name}'", command);

    private Task<TResult> RunAsync<TResult>(string doing, Task<TResult> command) => _link.RunAsync($"{doing} the queue '{Name}'", command);
}
