namespace DotnetWorkers.Messaging.Inbox;

/// <summary>Collects the work of one drain in arrival order (on the draining thread).</summary>
internal struct WorkList
{
    private InboxWork? _last;

    /// <summary>The first item collected, or null.</summary>
    internal InboxWork? First { get; private set; }

    internal void Add(InboxWork item)
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

    /// <summary>The items collected so far, linked; the list starts over.</summary>
    internal InboxWork? Take()
    {
        InboxWork? first = First;
        First = _last = null;
        return first;
    }
}
