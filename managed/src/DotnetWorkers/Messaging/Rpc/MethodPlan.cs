namespace DotnetWorkers.Messaging.Rpc;

/// <summary>
/// One method of a service, as its generated contract describes it: its id on the wire, its
/// name, and where its CancellationToken parameter is (the server makes a token only for
/// methods that take one).
/// </summary>
internal sealed class MethodPlan(Type service, string name, ushort id, int cancellationIndex)
{
    internal Type Service { get; } = service;

    internal string Name { get; } = name;

    internal ushort Id { get; } = id;

    /// <summary>The position of the CancellationToken parameter, or -1.</summary>
    internal int CancellationIndex { get; } = cancellationIndex;

    internal string DisplayName => $"{Service.Name}.{Name}";
}
