namespace DotnetWorkers.Documents;

/// <summary>
/// An optimistic patch (<see cref="SharedDocument.Patch(DocumentUpdate, long)"/>) found the
/// document at another version than the one it was based on: another process patched it
/// since. Read it again, decide again, and retry; nothing was applied.
/// </summary>
public sealed class DocumentVersionMismatchException : DotnetWorkersException
{
    /// <summary>Creates the exception.</summary>
    public DocumentVersionMismatchException(string document, long expected, long actual)
        : base($"The shared document '{document}' is at version {actual}, not {expected}: another process patched it since. Nothing was applied.")
    {
        Document = document;
        ExpectedVersion = expected;
        ActualVersion = actual;
    }

    /// <summary>The document's name.</summary>
    public string Document { get; }

    /// <summary>The version the patch was based on.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The version the document is at.</summary>
    public long ActualVersion { get; }
}
