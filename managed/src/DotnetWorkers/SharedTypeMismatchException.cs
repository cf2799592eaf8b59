namespace DotnetWorkers;

/// <summary>
/// A stored value, a queue or a topic holds another type than the one asked for: read it
/// with the type it was written with. Derives from <see cref="InvalidCastException"/>, what
/// .NET throws for a cast to the wrong type.
/// </summary>
public sealed class SharedTypeMismatchException : InvalidCastException
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
