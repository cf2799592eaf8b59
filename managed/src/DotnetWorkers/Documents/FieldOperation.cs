using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// One field of one operator of an update (<c>{"$inc": {"a.b": 1}}</c> has one): its
/// argument checked when the update is parsed, then, for each place its path names in a
/// document, a change worked out against the document as it is (phase one: may throw,
/// changes nothing) and applied once every change of the update has been worked out
/// (phase two: cannot fail). That split is what makes an update all or nothing.
/// </summary>
internal abstract class FieldOperation
{
    protected FieldOperation(string op, UpdatePath path, JsonNode? argument)
    {
        Operator = op;
        Path = path;
        Argument = argument;
    }

    public string Operator { get; }

    public UpdatePath Path { get; }

    public JsonNode? Argument { get; }

    /// <summary>True if a missing place is created (<c>$set</c>); false if it is left alone (<c>$unset</c>, <c>$pull</c>).</summary>
    public virtual bool CreatesMissing => true;

    /// <summary>
    /// True if a path that runs into a value it cannot go through (a number, a string, an
    /// array asked for a field name) is an error even though nothing is created
    /// (<c>$pop</c>, <c>$pull</c>, <c>$rename</c>'s source); <c>$unset</c> just does nothing.
    /// </summary>
    public virtual bool RefusesBlockedPath => false;

    /// <summary>Other paths this operation writes, for the conflict check (<c>$rename</c>'s destination).</summary>
    public virtual IEnumerable<UpdatePath> OtherPaths => [];

    /// <summary>Phase one at one place: the change to make there, or null for none.</summary>
    public abstract PlannedChange? Plan(UpdateTarget target, UpdateContext context);

    protected DocumentUpdateException Error(string code, string message) => new(code, Path.Text, message);
}

/// <summary>What every field operation of one update application shares.</summary>
/// <param name="Root">The document.</param>
/// <param name="Now">What <c>$currentDate</c> writes.</param>
internal sealed record UpdateContext(JsonObject Root, DateTimeOffset Now);

/// <summary>A change worked out in phase one, to be made in phase two.</summary>
internal abstract class PlannedChange
{
    protected PlannedChange(string[] steps)
    {
        Steps = steps;
    }

    /// <summary>The place it changes.</summary>
    public string[] Steps { get; }

    /// <summary>Other places it changes (a rename's destination).</summary>
    public virtual string[]? OtherSteps => null;

    public abstract void Apply(JsonObject root, List<JsonPatchOperation> changes);
}

/// <summary>Puts a value at a place (creating it, or replacing what is there).</summary>
internal sealed class SetChange(string[] steps, JsonNode? value) : PlannedChange(steps)
{
    public override void Apply(JsonObject root, List<JsonPatchOperation> changes) => DocumentWriter.Write(root, Steps, value, changes);
}

/// <summary>Removes a field (an array element becomes null).</summary>
internal sealed class UnsetChange(string[] steps) : PlannedChange(steps)
{
    public override void Apply(JsonObject root, List<JsonPatchOperation> changes) => DocumentWriter.Remove(root, Steps, changes);
}

/// <summary>Edits an array that is there, in place.</summary>
internal sealed class ArrayChange(string[] steps, Action<JsonArray, string, List<JsonPatchOperation>> edit) : PlannedChange(steps)
{
    public override void Apply(JsonObject root, List<JsonPatchOperation> changes) =>
        edit((JsonArray)DocumentWriter.Find(root, Steps)!, DocumentWriter.Pointer(Steps), changes);
}
