namespace DotnetWorkers;

/// <summary>Which serving process an RPC proxy sends its calls to.</summary>
public readonly record struct RpcTarget
{
    private RpcTarget(RpcTargetKind kind, int workerId, string? role)
    {
        Kind = kind;
        WorkerId = workerId;
        Role = role;
    }

    /// <summary>Any process that serves the interface: each call goes to the one with the fewest calls in flight (an idle one first).</summary>
    public static RpcTarget Any { get; } = new(RpcTargetKind.Any, -1, null);

    /// <summary>The primary (process 0).</summary>
    public static RpcTarget Primary { get; } = new(RpcTargetKind.Worker, 0, null);

    /// <summary>Process <paramref name="workerId"/> (0 is the primary).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is negative or beyond the process table.</exception>
    public static RpcTarget Worker(int workerId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workerId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(workerId, Region.RegionLayout.ProcessCapacity);
        return new RpcTarget(RpcTargetKind.Worker, workerId, null);
    }

    /// <summary>Any serving process with role <paramref name="role"/> (<c>--role NAME=N</c>), the least busy first.</summary>
    public static RpcTarget InRole(string role)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        return new RpcTarget(RpcTargetKind.Role, -1, role);
    }

    /// <summary>How the target is chosen.</summary>
    public RpcTargetKind Kind { get; }

    /// <summary>The process id for <see cref="RpcTargetKind.Worker"/>; -1 otherwise.</summary>
    public int WorkerId { get; }

    /// <summary>The role for <see cref="RpcTargetKind.Role"/>; null otherwise.</summary>
    public string? Role { get; }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RpcTargetKind.Worker => $"process {WorkerId}",
        RpcTargetKind.Role => $"role '{Role}'",
        _ => "any server",
    };
}
