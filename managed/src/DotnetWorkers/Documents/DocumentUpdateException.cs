namespace DotnetWorkers.Documents;

/// <summary>
/// An update document that cannot be applied: an unknown operator, conflicting paths, a
/// bad argument, or an operator that does not fit the value it meets (<c>$inc</c> on a
/// string, <c>$push</c> onto a non-array). Nothing of the update was applied.
/// </summary>
/// <remarks>
/// The rules and the <see cref="Code"/> names are MongoDB's (its manual and its server's
/// update tests), so what a MongoDB user knows holds here.
/// </remarks>
public sealed class DocumentUpdateException : DotnetWorkersException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">MongoDB's name for the error (for example <c>TypeMismatch</c>).</param>
    /// <param name="path">The dotted path at fault, as written in the update, if one is.</param>
    /// <param name="message">What is wrong, naming the path.</param>
    public DocumentUpdateException(string code, string? path, string message)
        : base(message)
    {
        Code = code;
        Path = path;
    }

    /// <summary>
    /// MongoDB's name for the error: <c>FailedToParse</c>, <c>BadValue</c>,
    /// <c>TypeMismatch</c>, <c>ConflictingUpdateOperators</c>, <c>PathNotViable</c>,
    /// <c>EmptyFieldName</c>, <c>DollarPrefixedFieldName</c>.
    /// </summary>
    public string Code { get; }

    /// <summary>The dotted path at fault, as written in the update; null when none is.</summary>
    public string? Path { get; }
}
