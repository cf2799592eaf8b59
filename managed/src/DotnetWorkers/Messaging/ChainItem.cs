namespace DotnetWorkers.Messaging;

/// <summary>Something one drain of the inbox found, linked to the next thing it found.</summary>
internal abstract class ChainItem<T>
    where T : ChainItem<T>
{
    /// <summary>The next item of the same drain; cleared when the item is taken.</summary>
    internal T? Next;
}
