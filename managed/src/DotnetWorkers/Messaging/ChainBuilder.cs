namespace DotnetWorkers.Messaging;

/// <summary>Collects the items of one drain in arrival order (on the draining thread).</summary>
internal struct ChainBuilder<T>
    where T : ChainItem<T>
{
    private T? _last;

    internal T? First { get; private set; }

    internal void Add(T item)
    {
        item.Next = null;
        if (_last is null)
        {
            First = item;
        }
        else
        {
            _last.Next = item;
        }

        _last = item;
    }

    /// <summary>The items collected so far; the builder starts over.</summary>
    internal T? Take()
    {
        T? first = First;
        First = _last = null;
        return first;
    }
}
