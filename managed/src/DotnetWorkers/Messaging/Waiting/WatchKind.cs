namespace DotnetWorkers.Messaging.Waiting;

/// <summary>What a process can ask the region to ring its doorbell for.</summary>
internal enum WatchKind
{
    /// <summary>A message committed to queue Index (or it was completed).</summary>
    QueueMessages,

    /// <summary>A cell of queue Index freed (or it was completed).</summary>
    QueueRoom,

    /// <summary>A hold of lock Index came free.</summary>
    Lock,

    /// <summary>Any GetOrSet claim ended (Index is 0).</summary>
    Claims,
}
