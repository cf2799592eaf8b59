using System.Threading.Channels;

namespace DotnetWorkers.Queues;

public sealed partial class SharedQueue<T>
{
    /// <summary>
    /// The queue as a <see cref="ChannelWriter{T}"/>: what <see cref="Channel{TWrite, TRead}.Writer"/>
    /// returns. As every ChannelWriter, <see cref="TryWrite"/> returns false once completed.
    /// </summary>
    private sealed class QueueWriter(SharedQueue<T> queue) : ChannelWriter<T>
    {
        public override bool TryComplete(Exception? error = null) => queue.TryComplete(error);

        public override bool TryWrite(T item) => queue.TryWriteItem(item) == true;

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => queue.WaitToWriteAsync(cancellationToken);

        public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default) => queue.WriteAsync(item, cancellationToken);
    }
}
