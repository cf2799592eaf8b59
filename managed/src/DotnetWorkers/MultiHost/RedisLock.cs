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
    private readonly ChannelNotice _released = new(link, RedisChannel.Literal(link.Keys.Prefix + "lk:" + name));

    private RedisKey Slot(int slot) => $"{_keyPrefix}:{slot}";

    private RedisKey Held(int slot) => $"{_keyPrefix}:{slot}:held";

    private RedisKey Fence => _keyPrefix + ":fence";

    private RedisChannel Released => RedisChannel.Literal(_keyPrefix);  // what _released listens on

    /// <summary>One slot held: release it once.</summary>
    internal sealed class Holding : IDisposable
    {
        private readonly RedisLock _lock;
        private readonly int _slot;
        private readonly string _token;
        private readonly Timer _renewal;
        private volatile bool _lost;
        private int _released;

        internal Holding(RedisLock owner, int slot, string token, long fencingToken, bool abandoned)
        {
            _lock = owner;
            _slot = slot;
            _token = token;
            FencingToken = fencingToken;
            Abandoned = abandoned;
            _renewal = new Timer(static h => ((Holding)h!).Renew(), this, LeaseLifetime / 3, LeaseLifetime / 3);
        }

        internal long FencingToken { get; }

        internal bool Abandoned { get; }

        /// <summary>True once a renewal found the slot no longer this holder's (it was paused, or cut off, past its lease).</summary>
        internal bool IsLost => _lost;

        /// <summary>The timer's renewal: asynchronous, so that no timer thread blocks on the server (see <see cref="HostLink"/>'s beat).</summary>
        private void Renew()
        {
            try
            {
                ITransaction renewal = _lock._database.CreateTransaction();
                renewal.AddCondition(Condition.StringEqual(_lock.Slot(_slot), _token));
                _ = renewal.KeyExpireAsync(_lock.Slot(_slot), LeaseLifetime);
                _ = renewal.ExecuteAsync().ContinueWith(
                    static (done, state) =>
                    {
                        if (done.IsCompletedSuccessfully && !done.Result)
                        {
                            var holding = (Holding)state!;
                            holding._lost = true;
                            holding._renewal.Dispose();
                        }
                    },
                    this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException or ObjectDisposedException)
            {
                // Unreachable now: the next renewal tries again; past the lease, the slot is gone.
            }
        }

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
            try
            {
                release.Execute();  // false when the lease was lost: the slot is someone else's now
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                // The slot expires by itself within the lease.
            }
        }
    }

    /// <summary>A free slot, taken now, or null.</summary>
    internal Holding? TryAcquire()
    {
        string token = $"{link.GlobalWorkerId}:{Guid.NewGuid():N}";
        int start = slots == 1 ? 0 : Random.Shared.Next(slots);
        for (int i = 0; i < slots; i++)
        {
            int slot = (start + i) % slots;
            try
            {
                if (!_database.StringSet(Slot(slot), token, LeaseLifetime, When.NotExists))
                {
                    continue;
                }

                IBatch batch = _database.CreateBatch();
                Task<long> fence = batch.StringIncrementAsync(Fence);
                Task<RedisValue> previous = batch.StringGetSetAsync(Held(slot), token);
                batch.Execute();
                return new Holding(this, slot, token, fence.GetAwaiter().GetResult(), !previous.GetAwaiter().GetResult().IsNull);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                throw new DotnetWorkersException($"Acquiring the lock '{name}' on {link.Settings.Url} failed: {e.Message}", e);
            }
        }

        return null;
    }

    /// <summary>Completes at the next release of any slot, or after <paramref name="poll"/> (an expiry publishes nothing).</summary>
    internal Task WaitForReleaseAsync(TimeSpan poll, CancellationToken cancellationToken) => _released.NextOrPoll(poll, cancellationToken);
}
