namespace DotnetWorkers.Documents;

/// <summary>
/// How a shared document is kept, chosen by the process that creates it (a later
/// <see cref="SharedDocuments.Open(string, System.Text.Json.Nodes.JsonObject?, SharedDocumentOptions?)"/>
/// with other options follows the creator's).
/// </summary>
public sealed class SharedDocumentOptions
{
    /// <summary>
    /// The directory to keep the document in (its snapshot and journal, restored when the document
    /// is next opened by a cluster that has none in memory). Null: the cluster's <c>--data-dir</c>, if it was given.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>Keep the document only in memory, even when the cluster has a <c>--data-dir</c>.</summary>
    public bool InMemory { get; init; }

    /// <summary>When a patch reaches the disk. Null: the cluster's <c>--data-sync</c>, else <see cref="DocumentSync.Interval"/>.</summary>
    public DocumentSync? Sync { get; init; }
}

/// <summary>When the patches of a document kept on disk are synced to it (fsync).</summary>
public enum DocumentSync
{
    /// <summary>
    /// Within 100 ms of the patch (the default). A crash of any process loses nothing (the bytes
    /// are in the kernel's cache when the patch call returns); a loss of power loses at most the
    /// last 100 ms of patches.
    /// </summary>
    Interval,

    /// <summary>Before the patch call returns: nothing acknowledged is lost even to a loss of power, at the cost of one fsync per patch.</summary>
    EveryPatch,
}
