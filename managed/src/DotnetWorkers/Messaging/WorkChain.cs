namespace DotnetWorkers.Messaging;

/// <summary>Something one drain of the inbox found, linked to the next thing it found.</summary>
internal abstract class ChainItem<T>
    where T : ChainItem<T>
{
    /// <summary>The next item of the same drain; cleared when the item is taken.</summary>
    internal T? Next;
}

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

/// <summary>
/// The work one drain of the inbox found (answers to publish, requests to serve), taken one
/// item at a time by whichever thread gets there first: one thread-pool work item (or the
/// server thread that polled for the requests) runs the whole chain, instead of one hand-off
/// per message. While items remain, a helper
/// is queued on the thread pool to take them over: the runner may block (user code can wait
/// synchronously for a call whose answer is further down the same chain), go asynchronous,
/// or spend its time budget.
/// </summary>
internal abstract class WorkChain<T>
    where T : ChainItem<T>
{
    /// <summary>How long one thread runs a chain before it leaves the rest to a helper.</summary>
    protected static readonly long BudgetTicks = System.Diagnostics.Stopwatch.Frequency * 100 / 1_000_000;

    private T? _head;
    private int _helperQueued;

    protected WorkChain(T first)
    {
        _head = first;
    }

    /// <summary>Takes the next item, or null once every item was taken.</summary>
    protected T? Take()
    {
        while (true)
        {
            T? head = Volatile.Read(ref _head);
            if (head is null)
            {
                return null;
            }

            // Items are only ever removed, so a head seen twice is the same link (no ABA).
            if (Interlocked.CompareExchange(ref _head, head.Next, head) == head)
            {
                head.Next = null;
                return head;
            }
        }
    }

    /// <summary>
    /// Called by a runner before it runs an item it took: if items remain and no helper is
    /// waiting to start, queues one, so the rest never waits on this runner.
    /// </summary>
    protected void EnsureHelper()
    {
        if (Volatile.Read(ref _head) is not null && Interlocked.CompareExchange(ref _helperQueued, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static chain =>
            {
                Volatile.Write(ref chain._helperQueued, 0);
                chain.RunAsHelper();
            }, this, preferLocal: false);
        }
    }

    /// <summary>Runs what remains of the chain on a thread-pool thread.</summary>
    protected abstract void RunAsHelper();
}
