using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// Keeps a lease key alive while its holder works: every third of its lifetime, a
/// transaction renews the key's expiry if it still holds the holder's token. Asynchronous,
/// never throwing on the timer's thread (a timer thread that blocked on the server would
/// starve the thread pool the client reads its replies on; one that threw would end the
/// process). When a renewal finds the key another's (the holder was paused or cut off past
/// its lease), it stops and says so.
/// </summary>
internal sealed class LeaseRenewal : IDisposable
{
    private readonly IDatabase _database;
    private readonly RedisKey _key;
    private readonly string _token;
    private readonly TimeSpan _lifetime;
    private readonly Timer _timer;
    private volatile bool _lost;

    internal LeaseRenewal(IDatabase database, RedisKey key, string token, TimeSpan lifetime)
    {
        _database = database;
        _key = key;
        _token = token;
        _lifetime = lifetime;
        _timer = new Timer(static renewal => ((LeaseRenewal)renewal!).Renew(), this, lifetime / 3, lifetime / 3);
    }

    /// <summary>True once a renewal found the key no longer the holder's.</summary>
    internal bool IsLost => _lost;

    private void Renew()
    {
        try
        {
            ITransaction renewal = _database.CreateTransaction();
            renewal.AddCondition(Condition.StringEqual(_key, _token));
            _ = renewal.KeyExpireAsync(_key, _lifetime);
            _ = renewal.ExecuteAsync().ContinueWith(
                static (done, state) =>
                {
                    if (done.IsCompletedSuccessfully && !done.Result)
                    {
                        var lease = (LeaseRenewal)state!;
                        lease._lost = true;
                        lease._timer.Dispose();
                    }
                    else
                    {
                        _ = done.Exception;  // unreachable now: the next renewal tries again; past the lease, the key is gone
                    }
                },
                this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception e) when (HostLink.IsServerFailure(e) || e is ObjectDisposedException)
        {
            // As above: the next renewal tries again.
        }
    }

    public void Dispose() => _timer.Dispose();
}
