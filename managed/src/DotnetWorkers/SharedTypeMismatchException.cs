namespace DotnetWorkers;

/// <summary>
/// A stored value, a queue or a topic holds another type than the one asked for: read it
/// with the type it was written with. Derives from <see cref="InvalidOperationException"/>,
/// what the store threw for a value it could not read as the type asked for before values
/// carried their type (so existing handlers still catch it).
/// </summary>
public sealed class SharedTypeMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was asked for, and what is there.</param>
    /// <param name="requestedType">The type asked for.</param>
    /// <param name="storedTypeName">The name of the type that is there, as the cluster knows it.</param>
    public SharedTypeMismatchException(string message, Type requestedType, string storedTypeName)
        : base(message)
    {
        RequestedType = requestedType;
        StoredTypeName = storedTypeName;
    }

    /// <summary>The type asked for.</summary>
    public Type RequestedType { get; }

    /// <summary>The name of the type that is there (namespace, name and generic arguments).</summary>
    public string StoredTypeName { get; }
}
