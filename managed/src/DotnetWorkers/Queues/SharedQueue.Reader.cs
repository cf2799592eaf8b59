using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace DotnetWorkers.Queues;

public sealed partial class SharedQueue<T>
{
    /// <summary>The queue as a <see cref="ChannelReader{T}"/>: what <see cref="Channel{TWrite, TRead}.Reader"/> returns.</summary>
    private sealed class QueueReader(SharedQueue<T> queue) : ChannelReader<T>
    {
        public override Task Completion => queue.Completion;

        public override bool CanCount => true;

        public override int Count => queue.Count;

        public override bool TryRead([MaybeNullWhen(false)] out T item) => queue.TryRead(out item);

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => queue.WaitToReadAsync(cancellationToken);

        public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default) => queue.ReadAsync(cancellationToken);
    }
}
