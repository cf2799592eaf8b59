namespace DotnetWorkers;

/// <summary>How an <see cref="RpcTarget"/> chooses a process.</summary>
public enum RpcTargetKind
{
    /// <summary>Any serving process, by load.</summary>
    Any,

    /// <summary>One given process.</summary>
    Worker,

    /// <summary>Any serving process of a role, by load.</summary>
    Role,
}
