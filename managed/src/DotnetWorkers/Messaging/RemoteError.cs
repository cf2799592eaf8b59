using MemoryPack;

namespace DotnetWorkers.Messaging;

/// <summary>An exception thrown by a served method, as it crosses back to the caller.</summary>
[MemoryPackable]
internal sealed partial record RemoteError(string TypeName, string Message, string? StackTrace);
