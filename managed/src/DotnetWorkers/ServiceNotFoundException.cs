namespace DotnetWorkers;

/// <summary>No process serves the interface (or none of the targeted ones does).</summary>
public sealed class ServiceNotFoundException : DotnetWorkersException
{
    /// <summary>Creates the exception for service <paramref name="serviceName"/>.</summary>
    public ServiceNotFoundException(string serviceName, string message)
        : base(message)
    {
        ServiceName = serviceName;
    }

    /// <summary>The interface's full name.</summary>
    public string ServiceName { get; }
}
