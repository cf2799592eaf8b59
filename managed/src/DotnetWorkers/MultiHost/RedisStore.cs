using System.Diagnostics.CodeAnalysis;
using System.Text;
using DotnetWorkers.Store;
using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// The store of a cluster joined across machines: every operation of
/// <see cref="SharedStore"/> as one or two commands on the server, so every host sees it.
/// Keys follow the local store's rules; values are <see cref="StoredValueFormat"/>.
/// </summary>
/// <remarks>
/// Consistency: each operation is one command (or a WATCH/MULTI/EXEC transaction) on one
/// server, so every process reads its own writes and everyone's in the server's order.
/// No command needs Lua (Garnet runs scripts only when started with <c>--lua</c>).
/// </remarks>
internal sealed class RedisStore(HostLink link)
{
    /// <summary>How long a GetOrSet computer's lease lasts unless it renews it (every third of that): the bound of a take-over after its host dies.</summary>
    internal static readonly TimeSpan LeaseLifetime = TimeSpan.FromSeconds(3);

    /// <summary>How long a factory's failure answers the callers that waited for it.</summary>
    internal static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(2);

    /// <summary>How often a GetOrSet waiter looks again when no notice came (a lost message, a dead computer).</summary>
    internal static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(100);

    private const string FailedMark = "!";

    private readonly IDatabase _database = link.Database;
    private readonly RedisKeys _keys = link.Keys;
    private readonly ChannelNotice _computed = new(link, link.Keys.Computed);

    internal long Count => Keys("").LongCount();

    internal bool TryGet<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, [MaybeNullWhen(false)] out T value)
    {
        RedisValue stored = Call(key, "Reading", k => _database.StringGet(k));
        if (stored.IsNull)
        {
            value = default;
            return false;
        }

        value = StoredValueFormat.Decode<T>(stored, key);
        return true;
    }

    internal bool ContainsKey(string key) => Call(key, "Reading", k => _database.KeyExists(k));

    internal bool Set<T>(string key, T value, TimeSpan? expiry, When when)
    {
        RedisValue encoded = StoredValueFormat.Encode(value, nameof(value));
        CheckExpiry(expiry);
        return Call(key, "Storing", k => _database.StringSet(k, encoded, expiry, when));
    }

    internal bool CompareExchange<T>(string key, T expected, T replacement)
    {
        RedisValue old = StoredValueFormat.Encode(expected, nameof(expected));
        RedisValue next = StoredValueFormat.Encode(replacement, nameof(replacement));
        return Call(key, "Storing", k => ReplaceIfEqual(k, old, next));
    }

    internal bool Remove(string key) => Call(key, "Removing", k => _database.KeyDelete(k));

    internal long Increment(string key, long delta)
    {
        try
        {
            return Call(key, "Incrementing", k => _database.StringIncrement(k, delta));
        }
        catch (DotnetWorkersException e) when (e.InnerException is RedisServerException)
        {
            // Not a counter: say what is there, as the region's store does.
            RedisValue stored = Call(key, "Reading", k => _database.StringGet(k));
            throw StoredValueFormat.Mismatch<long>(key, StoredValueFormat.TypeNameOf(((ReadOnlyMemory<byte>)stored).Span));
        }
    }

    /// <summary>Optimistic: read, update, write only if the value is still what was read (a transaction's condition), else again.</summary>
    internal T Update<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<T, T>? update, T addValue, bool addIfMissing)
    {
        while (true)
        {
            RedisValue stored = Call(key, "Reading", k => _database.StringGet(k));
            if (stored.IsNull)
            {
                if (!addIfMissing)
                {
                    throw new KeyNotFoundException($"The store has no value under '{key}'.");
                }

                if (Set(key, addValue, null, When.NotExists))
                {
                    return addValue;
                }

                continue;
            }

            T next = update!(StoredValueFormat.Decode<T>(stored, key));
            RedisValue encoded = StoredValueFormat.Encode(next, "value");
            if (Call(key, "Storing", k => ReplaceIfEqual(k, stored, encoded)))
            {
                return next;
            }
        }
    }

    /// <summary>The keys, each once (a SCAN may return a key twice while the server rehashes).</summary>
    internal IEnumerable<string> Keys(string prefix)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IEnumerator<RedisKey> scan;
        try
        {
            scan = link.Server.Keys(_database.Database, _keys.StorePattern(prefix), pageSize: 1000).GetEnumerator();
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            throw Failed(prefix + "*", "Listing", e);
        }

        using (scan)
        {
            while (true)
            {
                try
                {
                    if (!scan.MoveNext())
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (HostLink.IsServerFailure(e))
                {
                    throw Failed(prefix + "*", "Listing", e);
                }

                byte[] bytes = scan.Current!;
                string key = Encoding.UTF8.GetString(bytes, _keys.StorePrefixLength, bytes.Length - _keys.StorePrefixLength);
                if (seen.Add(key))
                {
                    yield return key;
                }
            }
        }
    }

    private bool ReplaceIfEqual(RedisKey key, RedisValue expected, RedisValue replacement)
    {
        ITransaction transaction = _database.CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(key, expected));
        _ = transaction.StringSetAsync(key, replacement, null, keepTtl: true, When.Always, CommandFlags.None);
        return transaction.Execute();
    }

    /// <summary>
    /// GetOrSet across hosts: the value if there is one; else a lease (<c>SET NX PX</c>)
    /// makes this process the one computer in the cluster while it renews it. The others wait
    /// for a notice on <see cref="RedisKeys.Computed"/> (or <see cref="WaitPoll"/>) and look
    /// again; a lease that expired (its host died) is taken by the next one who looks.
    /// </summary>
    internal async ValueTask<T> GetOrSetAsync<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, Func<CancellationToken, ValueTask<T>> factory,
        TimeSpan? expiry, CancellationToken cancellationToken)
    {
        CheckExpiry(expiry);
        RedisKey valueKey = StoreKey(key);
        RedisKey leaseKey = LeaseKey(key);
        string token = link.NewToken();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task computed = _computed.Next();
            RedisValue stored = await Command(key, "Reading", _database.StringGetAsync(valueKey)).ConfigureAwait(false);
            if (!stored.IsNull)
            {
                return StoredValueFormat.Decode<T>(stored, key);
            }

            if (await Command(key, "Claiming", _database.StringSetAsync(leaseKey, token, LeaseLifetime, When.NotExists)).ConfigureAwait(false))
            {
                return await Compute(key, valueKey, leaseKey, token, factory, expiry, cancellationToken).ConfigureAwait(false);
            }

            RedisValue lease = await Command(key, "Reading", _database.StringGetAsync(leaseKey)).ConfigureAwait(false);
            if (lease.StartsWith(FailedMark))
            {
                string text = lease.ToString();
                throw SharedComputationException.FromText(key, text[(text.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            }

            if (!lease.IsNull)
            {
                await Task.WhenAny(computed, Task.Delay(WaitPoll, cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<T> Compute<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string key, RedisKey valueKey, RedisKey leaseKey, string token, Func<CancellationToken, ValueTask<T>> factory,
        TimeSpan? expiry, CancellationToken cancellationToken)
    {
        // Stored between the first look and the lease (the last computer let go just then)?
        RedisValue stored = await Command(key, "Reading", _database.StringGetAsync(valueKey)).ConfigureAwait(false);
        if (!stored.IsNull)
        {
            await LetGo(leaseKey, token, null).ConfigureAwait(false);
            return StoredValueFormat.Decode<T>(stored, key);
        }

        using var renewal = new LeaseRenewal(_database, leaseKey, token, LeaseLifetime);
        T value;
        try
        {
            value = await factory(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await LetGo(leaseKey, token, null).ConfigureAwait(false);  // a waiter takes over at once
            throw;
        }
        catch (Exception e)
        {
            await LetGo(leaseKey, token, e).ConfigureAwait(false);
            throw;
        }

        RedisValue encoded = StoredValueFormat.Encode(value, nameof(value));
        await Command(key, "Storing", _database.StringSetAsync(valueKey, encoded, expiry, When.Always)).ConfigureAwait(false);
        await LetGo(leaseKey, token, null).ConfigureAwait(false);
        return value;
    }

    /// <summary>Ends this computer's lease (if it is still its own), leaving the failure for the waiters if there was one, and tells them.</summary>
    private async Task LetGo(RedisKey leaseKey, string token, Exception? failure)
    {
        ITransaction transaction = _database.CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(leaseKey, token));
        _ = failure is null
            ? transaction.KeyDeleteAsync(leaseKey)
            : transaction.StringSetAsync(leaseKey, $"{FailedMark}{token} {SharedComputationException.ToText(failure)}", FailureLifetime);
        _ = transaction.PublishAsync(_keys.Computed, leaseKey.ToString());
        try
        {
            await transaction.ExecuteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            // The lease expires by itself; the waiters' poll finds it gone.
        }
    }

    private static void CheckExpiry(TimeSpan? expiry)
    {
        if (expiry is { } e && e <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(expiry), expiry, "An expiry must be positive.");
        }
    }

    private RedisKey StoreKey(string key)
    {
        Span<byte> buffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        return _keys.Store(Utf8Name.Encode(key, buffer, "key", nameof(key)));
    }

    private RedisKey LeaseKey(string key)
    {
        Span<byte> buffer = stackalloc byte[Utf8Name.MaxKeyBytes];
        return _keys.Lease(Utf8Name.Encode(key, buffer, "key", nameof(key)));
    }

    /// <summary>Runs one synchronous command on the key; the server's failures become the store's one exception type, naming the key.</summary>
    private TResult Call<TResult>(string key, string doing, Func<RedisKey, TResult> command)
    {
        RedisKey k = StoreKey(key);
        return link.Run($"{doing} '{key}'", () => command(k));
    }

    private Task<TResult> Command<TResult>(string key, string doing, Task<TResult> command) => link.RunAsync($"{doing} '{key}'", command);

    private DotnetWorkersException Failed(string key, string doing, Exception e) => link.Failed($"{doing} '{key}'", e);
}
