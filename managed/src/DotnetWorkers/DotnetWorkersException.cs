namespace DotnetWorkers;

/// <summary>
/// A failure of the dotnet-workers runtime: the shared region cannot be reached or used.
/// More specific failures derive from it.
/// </summary>
public class DotnetWorkersException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public DotnetWorkersException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public DotnetWorkersException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
