using System.Runtime.InteropServices;

namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// The 24 bytes in front of every inbox message, then the MemoryPack payload: a request's
/// arguments, a response's result, an event's value. The inbox layer reads only
/// <see cref="Kind"/>; the other fields belong to the layer that handles the kind.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct MessageHeader
{
    internal const int Size = 24;

    internal MessageKind Kind;      //  0
    internal byte Status;           //  1 ResponseStatus (responses)
    internal ushort Method;         //  2 the method's id in the contract (requests)
    internal uint Sender;           //  4 the sending process's id
    internal long CallId;           //  8 the caller's number for the call (requests, responses, cancels)
    internal uint Registry;         // 16 the service's or topic's index in the registry
    internal uint Reserved;         // 20
}
