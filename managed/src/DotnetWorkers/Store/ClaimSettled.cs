using DotnetWorkers.Messaging;
using DotnetWorkers.Native;

namespace DotnetWorkers.Store;

/// <summary>
/// A GetOrSet claim has ended somewhere in the cluster since <paramref name="Seen"/> (the
/// count read before this caller's claim found the key pending): the caller claims again.
/// The count says that some claim ended, not which, so every waiter of this process shares
/// one watch (<paramref name="Watchers"/>).
/// </summary>
internal sealed record ClaimSettled(ClaimWatchers Watchers, ulong Seen) : IWaitCondition
{
    /// <inheritdoc />
    public void Watch(bool watch) => Watchers.Change(watch);

    /// <inheritdoc />
    public bool IsReady() => Watchers.Settled != Seen;
}

/// <summary>
/// This process's one watch on GetOrSet claims, shared by the <see cref="ClaimSettled"/>
/// conditions of its waiters (one per count they saw): on while any is watched.
/// </summary>
internal sealed class ClaimWatchers(ClusterRuntime runtime)
{
    private readonly Lock _gate = new();
    private int _conditions;

    /// <summary>How many claims have ended in the cluster so far.</summary>
    internal ulong Settled => NativeMethods.StoreClaimsSettled(runtime.RegionHandle);

    internal void Change(bool watch)
    {
        lock (_gate)
        {
            int before = _conditions;
            _conditions += watch ? 1 : -1;
            if ((before == 0) != (_conditions == 0))
            {
                NativeErrors.ThrowIfFailed(NativeMethods.StoreWatchClaims(runtime.RegionHandle, watch ? 1u : 0u), "Watching GetOrSet claims");
            }
        }
    }
}
