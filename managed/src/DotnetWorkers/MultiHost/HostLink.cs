using System.Globalization;
using System.Text;
using DotnetWorkers.Region;
using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// This process's link to the server of a cluster joined across machines: the connection,
/// the index of this host, and the host's heartbeat.
/// </summary>
/// <remarks>
/// <para>Every process of a launcher claims the host index under the launcher's instance id:
/// the first to ask takes the next value of a counter, the others read it. A process's id in
/// the whole cluster is the host index times <see cref="IdsPerHost"/> plus its id in the
/// host, so ids never collide and the first host's are the ones it has alone.</para>
/// <para>Each process renews the host's heartbeat key every <see cref="HeartbeatPeriod"/>
/// with the host's process table (read from its region) and an expiry of
/// <see cref="HeartbeatLifetime"/>: a host whose processes all died, or that lost the
/// server, is gone from <see cref="Cluster.Hosts"/> within that bound.</para>
/// </remarks>
internal sealed class HostLink : IDisposable
{
    /// <summary>Ids a host spans: its process table's capacity.</summary>
    internal const int IdsPerHost = RegionLayout.ProcessCapacity;

    internal static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan HeartbeatLifetime = TimeSpan.FromSeconds(3);

    private readonly ClusterRuntime _runtime;
    private readonly Timer _heartbeat;

    private HostLink(ClusterRuntime runtime, JoinSettings settings, ConnectionMultiplexer connection, int hostIndex)
    {
        _runtime = runtime;
        Settings = settings;
        Connection = connection;
        Database = connection.GetDatabase();
        Keys = new RedisKeys(settings.Name);
        HostIndex = hostIndex;
        Beat();
        _heartbeat = new Timer(static link => ((HostLink)link!).BeatQuietly(), this, HeartbeatPeriod, HeartbeatPeriod);
    }

    internal JoinSettings Settings { get; }

    internal ConnectionMultiplexer Connection { get; }

    internal IDatabase Database { get; }

    internal RedisKeys Keys { get; }

    internal int HostIndex { get; }

    /// <summary>This host's first id in the whole cluster: its local ids are added to it.</summary>
    internal int FirstWorkerId => HostIndex * IdsPerHost;

    /// <summary>This process's id in the whole cluster.</summary>
    internal int GlobalWorkerId => FirstWorkerId + _runtime.WorkerId;

    /// <summary>The server, for the commands that go to one (SCAN, PUBSUB NUMSUB).</summary>
    internal IServer Server => Connection.GetServers()[0];

    /// <summary>A token no other holder of a lease or lock has had: this process's id and a random part.</summary>
    internal string NewToken() => $"{GlobalWorkerId}:{Guid.NewGuid():N}";

    /// <summary>What the client throws when the server could not answer: the failures every caller turns into <see cref="Failed"/>.</summary>
    internal static bool IsServerFailure(Exception e) => e is RedisException or RedisTimeoutException;

    /// <summary>The one exception the cluster's API throws for a server that could not answer: what was being done, where, and why.</summary>
    internal DotnetWorkersException Failed(string doing, Exception e) => new($"{doing} on {Settings.Url} failed: {e.Message}", e);

    /// <summary>Runs a synchronous command; the server's failures become <see cref="Failed"/> with <paramref name="doing"/>.</summary>
    internal TResult Run<TResult>(string doing, Func<TResult> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (IsServerFailure(e))
        {
            throw Failed(doing, e);
        }
    }

    /// <summary>Awaits a command; the server's failures become <see cref="Failed"/> with <paramref name="doing"/>.</summary>
    internal async Task<TResult> RunAsync<TResult>(string doing, Task<TResult> command)
    {
        try
        {
            return await command.ConfigureAwait(false);
        }
        catch (Exception e) when (IsServerFailure(e))
        {
            throw Failed(doing, e);
        }
    }

    /// <summary>
    /// True while process <paramref name="workerId"/> (a cluster-wide id) runs as OS process
    /// <paramref name="pid"/>: this host's from its region, another's from its heartbeat in
    /// <paramref name="hosts"/> (so a process of a host that is gone is not alive).
    /// </summary>
    internal bool IsAlive(int workerId, int pid, IReadOnlyList<HostInfo> hosts)
    {
        if (workerId / IdsPerHost == HostIndex)
        {
            return _runtime.IsAlive(workerId - FirstWorkerId, (uint)pid);
        }

        return hosts.Any(h => h.Index == workerId / IdsPerHost && h.Processes.Any(p =>
            p.WorkerId == workerId && p.ProcessId == pid && p.Status is WorkerStatus.Starting or WorkerStatus.Running or WorkerStatus.Stopping));
    }

    /// <summary>Connects, claims this host's index and starts the heartbeat.</summary>
    /// <exception cref="DotnetWorkersException">The server refused the connection (or the password), naming the URL.</exception>
    internal static HostLink Connect(ClusterRuntime runtime, JoinSettings settings)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { settings.Host, settings.Port } },
            Password = settings.Password,
            Ssl = settings.Tls,
            SslHost = settings.Tls ? settings.Host : null,
            ClientName = $"dotnet-workers-{settings.Name}-{runtime.WorkerId}",
            // The first connection must work (the launcher saw the port open): a wrong password
            // is one error at first use. Later, lost connections are re-made in the background.
            AbortOnConnectFail = true,
            ConnectTimeout = 5000,
            ConnectRetry = 2,
        };
        ConnectionMultiplexer connection;
        try
        {
            connection = ConnectionMultiplexer.Connect(options);
        }
        catch (RedisConnectionException e)
        {
            throw new DotnetWorkersException($"--join {settings.Url}: cannot connect: {e.Message}", e);
        }

        try
        {
            var keys = new RedisKeys(settings.Name);
            return new HostLink(runtime, settings, connection, ClaimHostIndex(connection.GetDatabase(), keys, settings.HostInstanceId));
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            connection.Dispose();
            throw new DotnetWorkersException($"--join {settings.Url}: the server refused the cluster's first command: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The launcher's host index: the one a process of it claimed already, or the next one.
    /// Optimistic, without a script (Garnet runs Lua only when started with it): a
    /// transaction that takes the counter's value only if neither the counter nor this
    /// launcher's entry moved since they were read, so indexes are dense and each launcher
    /// has one, however many of its processes claim at once.
    /// </summary>
    private static int ClaimHostIndex(IDatabase database, RedisKeys keys, string instance)
    {
        while (true)
        {
            RedisValue existing = database.HashGet(keys.Hosts, instance);
            if (existing.HasValue)
            {
                return (int)existing;
            }

            RedisValue counter = database.StringGet(keys.HostsNext);
            long next = counter.IsNull ? 0 : (long)counter;
            if (next >= int.MaxValue / IdsPerHost)
            {
                throw new DotnetWorkersException($"{keys.HostsNext} has given out {next} host indexes: delete it once no host of the cluster runs.");
            }

            // Nor an index a live host has: the counter can be behind one (the server lost its data and came back empty).
            ITransaction claim = database.CreateTransaction();
            claim.AddCondition(Condition.HashNotExists(keys.Hosts, instance));
            claim.AddCondition(counter.IsNull ? Condition.KeyNotExists(keys.HostsNext) : Condition.StringEqual(keys.HostsNext, counter));
            _ = claim.StringSetAsync(keys.HostsNext, next + 1);
            if (database.KeyExists(keys.Host((int)next)))
            {
                claim.Execute();  // past the live host's index: the next try takes the one after it
                continue;
            }

            claim.AddCondition(Condition.KeyNotExists(keys.Host((int)next)));
            _ = claim.HashSetAsync(keys.Hosts, instance, next);
            if (claim.Execute())
            {
                return (int)next;
            }
        }
    }

    /// <summary>
    /// The timer's beat: sent without waiting for the reply. A timer thread that blocked on
    /// the server would starve the thread pool the client reads its replies on (after a
    /// pause, every timer fires at once).
    /// </summary>
    private void BeatQuietly()
    {
        try
        {
            Beat(CommandFlags.FireAndForget);
        }
        catch (Exception e) when (HostLink.IsServerFailure(e) || e is ObjectDisposedException)
        {
            // The server is out of reach: the heartbeat expires, and the other hosts see this
            // one gone, which it is to them. The multiplexer reconnects; the next beat says so.
        }
    }

    /// <summary>Renews the heartbeat with the process table; the index entry too, in case a reader pruned it while the key had expired.</summary>
    private void Beat(CommandFlags flags = CommandFlags.None)
    {
        var table = new StringBuilder();
        table.Append(Environment.MachineName).Append('\n');
        for (int id = 0; id < RegionLayout.ProcessCapacity; id++)
        {
            if (_runtime.Region.ReadProcess(id) is { } process)
            {
                table.Append(CultureInfo.InvariantCulture, $"{FirstWorkerId + id} {process.ProcessId} {(int)process.Status} {process.Role}\n");
            }
        }

        Database.HashSet(Keys.Hosts, Settings.HostInstanceId, HostIndex, flags: CommandFlags.FireAndForget);
        Database.StringSet(Keys.Host(HostIndex), table.ToString(), HeartbeatLifetime, When.Always, flags);
    }

    /// <summary>Every host whose heartbeat has not expired, by index.</summary>
    /// <exception cref="DotnetWorkersException">The server could not be reached.</exception>
    internal IReadOnlyList<HostInfo> ReadHosts()
    {
        try
        {
            return ReadLiveHosts();
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            throw Failed("Reading the hosts", e);
        }
    }

    private List<HostInfo> ReadLiveHosts()
    {
        HashEntry[] entries = Database.HashGetAll(Keys.Hosts);
        RedisValue[] tables = Database.StringGet([.. entries.Select(e => Keys.Host((int)e.Value))]);
        var hosts = new List<HostInfo>();
        for (int i = 0; i < entries.Length; i++)
        {
            if (tables[i].IsNull)
            {
                // Gone (its heartbeat expired): forgotten, unless it beat meanwhile. A host only
                // paused puts itself back on its next beat.
                ITransaction forget = Database.CreateTransaction();
                forget.AddCondition(Condition.KeyNotExists(Keys.Host((int)entries[i].Value)));
                forget.AddCondition(Condition.HashEqual(Keys.Hosts, entries[i].Name, entries[i].Value));
                _ = forget.HashDeleteAsync(Keys.Hosts, entries[i].Name);
                _ = forget.ExecuteAsync(CommandFlags.FireAndForget);
                continue;
            }

            hosts.Add(Parse((int)entries[i].Value, entries[i].Name!, tables[i]!));
        }

        hosts.Sort((a, b) => a.Index.CompareTo(b.Index));
        return hosts;
    }

    private HostInfo Parse(int index, string instance, string table)
    {
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var processes = new List<HostProcessInfo>();
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(' ', 4);
            processes.Add(new HostProcessInfo(
                int.Parse(fields[0], CultureInfo.InvariantCulture),
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                fields[3],
                (WorkerStatus)int.Parse(fields[2], CultureInfo.InvariantCulture)));
        }

        return new HostInfo(index, lines.Length > 0 ? lines[0] : "", instance, index == HostIndex, processes);
    }

    public void Dispose()
    {
        // A beat reads the region: it must be over before the region goes (tests release it).
        using (var beatsOver = new ManualResetEvent(false))
        {
            if (_heartbeat.Dispose(beatsOver))
            {
                beatsOver.WaitOne(TimeSpan.FromSeconds(5));
            }
        }

        Connection.Dispose();
    }
}
