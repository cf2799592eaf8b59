using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary><c>$pop</c>: removes the first (-1) or last (1) element; a missing field or an empty array is left alone.</summary>
internal sealed class PopOperation : FieldOperation
{
    private readonly bool _first;

    public PopOperation(UpdatePath path, JsonNode? argument)
        : base("$pop", path, argument)
    {
        if (!JsonNumber.TryRead(argument, out JsonNumber n) || (n.Double != 1 && n.Double != -1))
        {
            throw Error("FailedToParse", $"$pop expects 1 or -1, found: {argument?.ToJsonString() ?? "null"}");
        }

        _first = n.Double < 0;
    }

    public override bool CreatesMissing => false;

    public override bool RefusesBlockedPath => true;

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        if (!target.Exists)
        {
            return null;
        }

        if (target.Value is not JsonArray array)
        {
            throw Error("TypeMismatch", $"Path '{target.Dotted}' contains an element of non-array type '{JsonTypeName.Of(target.Value)}'");
        }

        return array.Count == 0 ? null : new ArrayChange(target.Steps, (a, pointer, changes) =>
        {
            int index = _first ? 0 : a.Count - 1;
            a.RemoveAt(index);
            changes.Add(new JsonPatchOperation("remove", $"{pointer}/{index}"));
        });
    }
}
