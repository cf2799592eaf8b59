namespace DotnetWorkers.Locks;

/// <summary>
/// The lock <b>was acquired</b>, but the process that held it before died holding it, so what
/// it protects may be half updated. Repair that state, then dispose <see cref="Lease"/> to
/// release the lock (the .NET convention of <see cref="AbandonedMutexException"/>, which this
/// derives from).
/// </summary>
public sealed class SharedLockAbandonedException : AbandonedMutexException
{
    /// <summary>Creates the exception.</summary>
    public SharedLockAbandonedException(string message, SharedLockLease lease) : base(message) => Lease = lease;

    /// <summary>The hold this caller now has: dispose it to release the lock.</summary>
    public SharedLockLease Lease { get; }
}
