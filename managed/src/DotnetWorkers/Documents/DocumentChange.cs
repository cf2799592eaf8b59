using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>What an observer of a shared document receives (<see cref="SharedDocument.Observe(string, CancellationToken)"/>).</summary>
public enum DocumentChangeKind
{
    /// <summary>The value under the observed path as of <see cref="DocumentChange.Version"/>: the first change an observer gets, and what it gets after it missed some.</summary>
    Snapshot,

    /// <summary>A patch that touched the observed path, as RFC 6902 operations.</summary>
    Patch,
}

/// <summary>
/// One change an observer of a shared document receives: first a
/// <see cref="DocumentChangeKind.Snapshot"/> of the value under its path, then every
/// <see cref="DocumentChangeKind.Patch"/> that touched it, in version order. An observer that
/// falls behind (its buffer full) is not waited for: it gets a snapshot with
/// <see cref="Missed"/> set, then the patches after it.
/// </summary>
/// <param name="Document">The document's name.</param>
/// <param name="Version">The document's version after this change (for a snapshot: the version it shows).</param>
/// <param name="Kind">A snapshot or a patch.</param>
/// <param name="Operators">The update operators of the patch (<c>$inc</c>, <c>$push</c>...); empty for a snapshot.</param>
/// <param name="Changes">The patch's operations that touch the observed path (at it, under it, or above it), with pointers from the document's root; empty for a snapshot.</param>
/// <param name="Value">For a snapshot, the value under the observed path (null if none); null for a patch.</param>
/// <param name="Missed">True on a snapshot sent because this observer missed patches.</param>
public sealed record DocumentChange(
    string Document,
    long Version,
    DocumentChangeKind Kind,
    IReadOnlyList<string> Operators,
    IReadOnlyList<JsonPatchOperation> Changes,
    JsonNode? Value,
    bool Missed);
