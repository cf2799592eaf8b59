namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// The processes serving one service as a caller last read them from the registry, with the
/// entry's generation at that read. Callers pick from it while the generation stays the same:
/// reading the 16 words of members on every call was a few percent of a busy caller's time.
/// </summary>
internal sealed class ServerSet
{
    private ServerSet(ulong generation, ulong[] members, int[] ids)
    {
        Generation = generation;
        Members = members;
        Ids = ids;
    }

    /// <summary>The registry entry's generation read before its members.</summary>
    internal ulong Generation { get; }

    /// <summary>The members as 16 words of bits (bit id % 64 of word id / 64).</summary>
    internal ulong[] Members { get; }

    /// <summary>The members' ids, ascending.</summary>
    internal int[] Ids { get; }

    internal bool Contains(int id) => (Members[id / 64] & (1UL << (id % 64))) != 0;

    /// <summary>The set read from <paramref name="registry"/> now, stamped with <paramref name="generation"/> (read first).</summary>
    internal static ServerSet Read(Registry registry, uint service, ulong generation)
    {
        ulong[] members = new ulong[16];
        registry.Members(service, members);
        var ids = new List<int>();
        for (int w = 0; w < members.Length; w++)
        {
            for (ulong bits = members[w]; bits != 0; bits &= bits - 1)
            {
                ids.Add((w * 64) + System.Numerics.BitOperations.TrailingZeroCount(bits));
            }
        }

        return new ServerSet(generation, members, [.. ids]);
    }
}
