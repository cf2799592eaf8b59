using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$addToSet</c>: appends a value (or with <c>$each</c> each value) unless an equal one is
/// there (objects equal field by field, in order, as in MongoDB). A missing field becomes an
/// array.
/// </summary>
internal sealed class AddToSetOperation : FieldOperation
{
    private readonly JsonNode?[] _values;

    public AddToSetOperation(UpdatePath path, JsonNode? argument)
        : base("$addToSet", path, argument)
    {
        if (argument is JsonObject o && o.Count > 0 && o.First().Key == "$each")
        {
            if (o.Count > 1)
            {
                throw Error("BadValue", $"Found unexpected fields after $each in $addToSet: {argument.ToJsonString()}");
            }

            _values = o["$each"] is JsonArray each
                ? [.. each]
                : throw Error("TypeMismatch", $"The argument to $each in $addToSet must be an array but it was of type {JsonTypeName.Of(o["$each"])}");
        }
        else
        {
            _values = [argument];
        }
    }

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        if (target.Exists && target.Value is not JsonArray)
        {
            throw Error("BadValue",
                $"Cannot apply $addToSet to non-array field. Field named '{target.Steps[^1]}' has non-array type {JsonTypeName.Of(target.Value)}");
        }

        var array = target.Value as JsonArray;
        var added = new List<JsonNode?>();
        foreach (JsonNode? value in _values)
        {
            if ((array is null || !array.Any(e => JsonOrder.Equal(e, value))) && !added.Exists(e => JsonOrder.Equal(e, value)))
            {
                added.Add(value);
            }
        }

        if (array is null)
        {
            return new SetChange(target.Steps, new JsonArray([.. added.Select(DocumentWriter.Copy)]));
        }

        return added.Count == 0 ? null : new ArrayChange(target.Steps, (a, pointer, changes) =>
        {
            foreach (JsonNode? value in added)
            {
                changes.Add(new JsonPatchOperation("add", $"{pointer}/{a.Count}", DocumentWriter.Copy(value)));
                a.Add(DocumentWriter.Copy(value));
            }
        });
    }
}
