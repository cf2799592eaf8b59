namespace DotnetWorkers.Messaging.Rpc;

/// <summary>What a method without a result "returns" inside the client.</summary>
internal readonly struct NoResult;
