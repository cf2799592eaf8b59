using System.Text;
using StackExchange.Redis;

namespace DotnetWorkers.MultiHost;

/// <summary>
/// The names a joined cluster uses on the server, all under <c>dw:NAME:</c> so that clusters
/// (and anything else) can share one server. Written down in docs/multihost.md.
/// </summary>
internal sealed class RedisKeys
{
    private readonly byte[] _storePrefix;
    private readonly byte[] _leasePrefix;

    internal RedisKeys(string name)
    {
        Prefix = $"dw:{name}:";
        Hosts = Prefix + "hosts";
        HostsNext = Prefix + "hosts:next";
        Computed = RedisChannel.Literal(Prefix + "computed");
        _storePrefix = Encoding.UTF8.GetBytes(Prefix + "s:");
        _leasePrefix = Encoding.UTF8.GetBytes(Prefix + "lease:");
    }

    /// <summary>What every key of the cluster starts with.</summary>
    internal string Prefix { get; }

    /// <summary>A hash: each launcher's instance id to its host index.</summary>
    internal RedisKey Hosts { get; }

    /// <summary>The counter host indexes are taken from (the first host to join gets 0).</summary>
    internal RedisKey HostsNext { get; }

    /// <summary>Where a GetOrSet's computer says it has stored (or failed): waiters look again.</summary>
    internal RedisChannel Computed { get; }

    /// <summary>Host <paramref name="index"/>'s heartbeat: its process table, with a short expiry each process renews.</summary>
    internal RedisKey Host(int index) => Prefix + "host:" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The length of a store key's prefix, in bytes (what <see cref="Store"/> puts before the key).</summary>
    internal int StorePrefixLength => _storePrefix.Length;

    /// <summary>The pattern that matches every store key starting with <paramref name="prefix"/> (glob characters escaped).</summary>
    internal RedisValue StorePattern(string prefix)
    {
        var pattern = new StringBuilder(Prefix + "s:");
        foreach (char c in prefix)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                pattern.Append('\\');
            }

            pattern.Append(c);
        }

        return pattern.Append('*').ToString();
    }

    /// <summary>A store key: the prefix, then the key's UTF-8 bytes as the local store takes them.</summary>
    internal RedisKey Store(ReadOnlySpan<byte> key) => Join(_storePrefix, key);

    /// <summary>The lease of the process computing a GetOrSet of that key.</summary>
    internal RedisKey Lease(ReadOnlySpan<byte> key) => Join(_leasePrefix, key);

    private static RedisKey Join(byte[] prefix, ReadOnlySpan<byte> key)
    {
        byte[] bytes = new byte[prefix.Length + key.Length];
        prefix.CopyTo(bytes, 0);
        key.CopyTo(bytes.AsSpan(prefix.Length));
        return bytes;
    }
}
