using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$rename</c>: moves a field's value to another path (replacing what is there); a
/// missing source changes nothing. Neither path may be dynamic (<c>$[]</c>) or go through an
/// array, as in MongoDB.
/// </summary>
internal sealed class RenameOperation : FieldOperation
{
    private readonly UpdatePath _destination;

    public RenameOperation(UpdatePath path, JsonNode? argument)
        : base("$rename", path, argument)
    {
        if (argument is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            throw Error("BadValue", $"The 'to' field for $rename must be a string: {UpdateTarget.Render(path.Text, argument)}");
        }

        string to = v.GetValue<string>();
        _destination = UpdatePath.Parse(to);
        if (path.HasPositional)
        {
            throw Error("BadValue", $"The source field for $rename may not be dynamic: {path.Text}");
        }

        if (_destination.HasPositional)
        {
            throw Error("BadValue", $"The destination field for $rename may not be dynamic: {to}");
        }

        if (to == path.Text)
        {
            throw Error("BadValue", $"The source and target field for $rename must differ: {UpdateTarget.Render(path.Text, argument)}");
        }

        if (UpdatePath.ConflictPoint(path.Text, to) is not null)
        {
            throw Error("BadValue", $"The source and target field for $rename must not be on the same path: {UpdateTarget.Render(path.Text, argument)}");
        }
    }

    public override bool CreatesMissing => false;

    public override bool RefusesBlockedPath => true;

    public override IEnumerable<UpdatePath> OtherPaths => [_destination];

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        if (!target.Exists)
        {
            return null;
        }

        if (ArrayOnTheWay(context.Root, target.Steps) is { } array)
        {
            throw Error("BadValue", $"The source field cannot be an array element, '{Path.Text}' in doc with {UpdateTarget.Render(array.Name, array.Value)}");
        }

        UpdateTarget destination = UpdateTarget.Resolve(context.Root, _destination, ArrayFilters.Empty, create: true)[0];
        if (ArrayOnTheWay(context.Root, destination.Steps) is { } into)
        {
            throw new DocumentUpdateException("BadValue", _destination.Text,
                $"The destination field cannot be an array element, '{_destination.Text}' in doc with {UpdateTarget.Render(into.Name, into.Value)}");
        }

        return new RenameChange(target.Steps, destination.Steps);
    }

    /// <summary>The first array the steps go through before their last, if any.</summary>
    private static (string Name, JsonNode Value)? ArrayOnTheWay(JsonObject root, string[] steps)
    {
        JsonNode? current = root;
        for (int i = 0; i < steps.Length - 1 && current is not null; i++)
        {
            current = current is JsonObject o ? o[steps[i]] : null;
            if (current is JsonArray)
            {
                return (steps[i], current);
            }
        }

        return null;
    }

    /// <summary>Placed at its destination, which is where MongoDB's order of fields puts it among the update's other changes.</summary>
    private sealed class RenameChange(string[] from, string[] to) : PlannedChange(to)
    {
        public override string[] OtherSteps => from;

        public override void Apply(JsonObject root, List<JsonPatchOperation> changes)
        {
            // Removed, then added: the field goes to the end of its new object, as in MongoDB.
            JsonNode? value = DocumentWriter.Remove(root, from, changes);
            DocumentWriter.Write(root, Steps, value, changes);
        }
    }
}
