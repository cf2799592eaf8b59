namespace DotnetWorkers.Messaging.Rpc;

/// <summary>How a response ended.</summary>
internal enum ResponseStatus : byte
{
    Ok = 0,
    /// <summary>The method threw: the payload is a <see cref="RemoteError"/>.</summary>
    Error = 1,
    /// <summary>The process does not serve the service (any more).</summary>
    NotServed = 2,
}
