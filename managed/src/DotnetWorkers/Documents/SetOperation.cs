using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary><c>$set</c>: puts the value at the path, creating what is missing on the way.</summary>
internal sealed class SetOperation(UpdatePath path, JsonNode? argument) : FieldOperation("$set", path, argument)
{
    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context) =>
        target.Exists && JsonNode.DeepEquals(target.Value, Argument) ? null : new SetChange(target.Steps, DocumentWriter.Copy(Argument));
}

/// <summary><c>$unset</c>: removes the field (an array element becomes null); a missing one is left alone.</summary>
internal sealed class UnsetOperation(UpdatePath path, JsonNode? argument) : FieldOperation("$unset", path, argument)
{
    public override bool CreatesMissing => false;

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context) =>
        target.Exists ? new UnsetChange(target.Steps) : null;
}
