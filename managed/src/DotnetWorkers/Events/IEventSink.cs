namespace DotnetWorkers.Events;

/// <summary>Something that takes a topic's values in this process.</summary>
internal interface IEventSink
{
    void Deliver(ReadOnlySpan<byte> payload);
}
