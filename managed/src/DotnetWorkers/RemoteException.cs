namespace DotnetWorkers;

/// <summary>
/// A served method threw: this carries the exception's type name, message and stack trace
/// from the serving process.
/// </summary>
public sealed class RemoteException : DotnetWorkersException
{
    /// <summary>Creates the exception for a failure in process <paramref name="workerId"/>.</summary>
    public RemoteException(string remoteTypeName, string message, string? remoteStackTrace, int workerId)
        : base(message)
    {
        RemoteTypeName = remoteTypeName;
        RemoteStackTrace = remoteStackTrace;
        WorkerId = workerId;
    }

    /// <summary>The full name of the exception's type in the serving process, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteTypeName { get; }

    /// <summary>The stack trace in the serving process, if it had one.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>The process that threw.</summary>
    public int WorkerId { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{GetType().FullName}: {RemoteTypeName}: {Message} (in process {WorkerId}){Environment.NewLine}" +
        $"--- remote stack trace ---{Environment.NewLine}{RemoteStackTrace}{Environment.NewLine}--- local stack trace ---{Environment.NewLine}{StackTrace}";
}
