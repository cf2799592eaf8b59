namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// Handles one inbox message of the kind it was registered for (<see cref="InboxDrain.Handle"/>),
/// on the thread that drains the inbox while the message's bytes are in the drain's buffer:
/// it reads what it needs and returns the work the message asks for, or null. It never runs
/// user code and never waits: every message behind it waits for it.
/// </summary>
internal delegate InboxWork? MessageHandler(in MessageHeader header, ReadOnlySpan<byte> payload);
