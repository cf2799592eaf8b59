using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// Names of things that live in one host's memory (shared buffers: zero copy cannot cross
/// machines). The first host to use a name owns it while that host is alive; another host
/// that uses it gets an error that says so, never a silent copy. A name whose owner is gone
/// (its heartbeat expired) passes to the next host that uses it.
/// </summary>
internal sealed class HostLocalNames(HostLink link, string kind)
{
    private RedisKey Owner(string name) => $"{link.Keys.Prefix}{kind}:{name}";

    /// <exception cref="InvalidOperationException">Another host, alive, owns the name.</exception>
    internal void Claim(string name, string what)
    {
        IDatabase database = link.Database;
        try
        {
            RedisKey key = Owner(name);
            if (database.StringSet(key, link.HostIndex, when: When.NotExists))
            {
                return;
            }

            while (true)
            {
                RedisValue owner = database.StringGet(key);
                if ((int)owner == link.HostIndex)
                {
                    return;
                }

                if (database.KeyExists(link.Keys.Host((int)owner)))
                {
                    throw new InvalidOperationException(
                        $"{what} '{name}' is host {(int)owner}'s: its bytes are in that machine's memory and cannot be shared with host {link.HostIndex} " +
                        "(joined across machines, shared buffers stay on one host). Pass the data through the store, a queue or an event instead.");
                }

                // Its host is gone: the name is free, to one host (two that find it so at once race for it).
                ITransaction take = database.CreateTransaction();
                take.AddCondition(Condition.StringEqual(key, owner));
                _ = take.StringSetAsync(key, link.HostIndex);
                if (take.Execute())
                {
                    return;
                }
            }
        }
        catch (Exception e) when (HostLink.IsServerFailure(e))
        {
            throw link.Failed($"Checking which host owns {what.ToLowerInvariant()} '{name}'", e);
        }
    }
}
