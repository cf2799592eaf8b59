namespace DotnetWorkers.Messaging.Inbox;

/// <summary>What a message in a process's inbox is (docs/protocol.md, "Inbox messages").</summary>
internal enum MessageKind : byte
{
    Request = 1,
    Response = 2,
    Cancel = 3,
    Event = 4,
}
