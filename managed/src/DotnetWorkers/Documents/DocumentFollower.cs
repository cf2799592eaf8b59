using DotnetWorkers.Events;

namespace DotnetWorkers.Documents;

/// <summary>
/// Keeps a process's copy of a document current while it has observers: a writer publishes
/// the version it committed on the document's topic, and this wakes and catches up; it also
/// looks once a second, for a notice lost (a writer killed between its commit and its
/// notice, or an inbox that was full).
/// </summary>
internal sealed class DocumentFollower : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly IDisposable _subscription;

    public DocumentFollower(SharedDocument document, SharedEvents events, string topic)
    {
        _subscription = events.Subscribe<long>(topic, _ => Wake());
        _ = Task.Run(() => RunAsync(document));
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _stop.Cancel();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Woken already.
        }
    }

    private async Task RunAsync(SharedDocument document)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(Poll, _stop.Token).ConfigureAwait(false);
                document.Refresh();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // A patch that does not replay, or a region that is gone, does not get better
                // by waiting: the observers end with the error instead of waiting forever.
                document.FailObservers(e);
                return;
            }
        }
    }
}
