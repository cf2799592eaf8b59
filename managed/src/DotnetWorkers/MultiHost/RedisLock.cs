using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// A named lock of a cluster joined across machines: a mutex, or a semaphore of N slots each
/// of which is one. A slot is a key set with <c>SET NX PX</c> to its holder's token, so it
/// lives on the server's clock, not the machines': the holder renews it every third of
/// <see cref="LeaseLifetime"/>, and a holder that died (or was paused past it) loses it when
/// it expires. Each acquire takes the next fencing token of the lock (<c>INCR</c>): a
/// resource that remembers the highest token it has seen refuses the late writes of a
/// holder that outlived its lease.
/// </summary>
/// <remarks>
/// A holder also writes its token to the slot's "held" key, and deletes it on release: an
/// acquirer that finds another token there took a slot whose holder never let go, and is
/// told so (<see cref="Locks.SharedLockAbandonedException"/>), as with the region's robust locks.
/// A release is published on the lock's channel; waiters also look every
/// <see cref="RedisStore.WaitPoll"/>, which bounds the wait after an expiry.
/// </remarks>
internal sealed class RedisLock(HostLink link, string name, int slots)
{
    internal static readonly TimeSpan LeaseLifetime = TimeSpan.FromSeconds(3);

    private readonly IDatabase _database = link.Database;
    private readonly string _keyPrefix = link.Keys.Prefix + "lk:" + name;
    private readonly ChannelNotice _released = new(link, ReleasedChannel(link, name));

    private RedisKey Slot(int slot) => $"{_keyPrefix}:{slot}";

    private RedisKey Held(int slot) => $"{_keyPrefix}:{slot}:held";

    private RedisKey Fence => _keyPrefix + ":fence";

    private RedisChannel Released => ReleasedChannel(link, name);

    /// <summary>Where a release of any slot of the lock is told: its key prefix, as a channel.</summary>
    private static RedisChannel ReleasedChannel(HostLink link, string name) => RedisChannel.Literal(link.Keys.Prefix + "lk:" + name);

    /// <summary>One slot held: release it once.</summary>
    internal sealed class Holding : IDisposable
    {
        private readonly RedisLock _lock;
        private readonly int _slot;
        private readonly string _token;
        private readonly LeaseRenewal _renewal;
        private int _released;

        internal Holding(RedisLock owner, int slot, string token, long fencingToken, bool abandoned)
        {
            _lock = owner;
            _slot = slot;
            _token = token;
            FencingToken = fencingToken;
            Abandoned = abandoned;
            _renewal = new LeaseRenewal(owner._database, owner.Slot(slot), token, LeaseLifetime);
        }

        internal long FencingToken { get; }

        internal bool Abandoned { get; }

        /// <summary>True once a renewal found the slot no longer this holder's (it was paused, or cut off, past its lease).</summary>
        internal bool IsLost => _renewal.IsLost;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            _renewal.Dispose();
            ITransaction release = _lock._database.CreateTransaction();
            release.AddCondition(Condition.StringEqual(_lock.Slot(_slot), _token));
            _ = release.KeyDeleteAsync(_lock.Slot(_slot));
            _ = release.KeyDeleteAsync(_lock.Held(_slot));
            _ = release.PublishAsync(_lock.Released, _slot);
            // Not waited for: the slot is free as soon as the server runs it (and expires by
            // itself if it never does); false when the lease was lost and the slot is another's.
            _ = release.ExecuteAsync().ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>A free slot, taken now, or null.</summary>
    /// <remarks>
    /// One transaction takes the slot, the lock's next fencing token and the slot's "held"
    /// key together, conditioned on the slot being free: a holder cannot take its token after
    /// a later holder took a higher one, and no crash leaves the three apart.
    /// </remarks>
    internal Holding? TryAcquire()
    {
        // Nothing in it waits asynchronously without `wait`: it has completed when it returns.
        ValueTask<Holding?> attempt = TryAcquireAsync(wait: false);
        return attempt.IsCompleted ? attempt.Result : attempt.AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="TryAcquire"/>
    internal ValueTask<Holding?> TryAcquireAsync() => TryAcquireAsync(wait: true);

    /// <summary>
    /// The slots tried one by one from a random one; <paramref name="wait"/>: the transactions
    /// awaited (no thread held), else run synchronously (the caller blocks anyway).
    /// </summary>
    private async ValueTask<Holding?> TryAcquireAsync(bool wait)
    {
        string token = link.NewToken();
        int start = slots == 1 ? 0 : Random.Shared.Next(slots);
        for (int i = 0; i < slots; i++)
        {
            int slot = (start + i) % slots;
            try
            {
                ITransaction take = _database.CreateTransaction();
                take.AddCondition(Condition.KeyNotExists(Slot(slot)));
                _ = take.StringSetAsync(Slot(slot), token, LeaseLifetime, When.Always);
                Task<long> fence = take.StringIncrementAsync(Fence);
                Task<RedisValue> previous = take.StringGetSetAsync(Held(slot), token);
                bool taken = wait ? await take.ExecuteAsync().ConfigureAwait(false) : take.Execute();
                if (!taken)
                {
                    continue;
                }

                long fenceValue = wait ? await fence.ConfigureAwait(false) : fence.GetAwaiter().GetResult();
                RedisValue previousHolder = wait ? await previous.ConfigureAwait(false) : previous.GetAwaiter().GetResult();
                return new Holding(this, slot, token, fenceValue, !previousHolder.IsNull);
            }
            catch (Exception e) when (HostLink.IsServerFailure(e))
            {
                throw link.Failed($"Acquiring the lock '{name}'", e);
            }
        }

        return null;
    }

    /// <summary>Completes at the next release of any slot after this call: take it before <see cref="TryAcquire"/>, so that a release in between is not missed.</summary>
    internal Task NextRelease() => _released.Next();
}
