using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$push</c>: appends a value, or with <c>$each</c> several, placed at <c>$position</c>,
/// then the whole array sorted by <c>$sort</c> and cut by <c>$slice</c>, in that order, as
/// MongoDB applies them. A missing field becomes an array.
/// </summary>
internal sealed class PushOperation : FieldOperation
{
    private readonly JsonNode?[] _values;
    private readonly long? _slice;
    private readonly long? _position;
    private readonly ArraySort? _sort;

    public PushOperation(UpdatePath path, JsonNode? argument)
        : base("$push", path, argument)
    {
        if (argument is not JsonObject modifiers || !modifiers.ContainsKey("$each"))
        {
            _values = [argument];
            return;
        }

        foreach ((string key, JsonNode? value) in modifiers)
        {
            switch (key)
            {
                case "$each":
                    _values = value is JsonArray each
                        ? [.. each]
                        : throw Error("BadValue", $"The argument to $each in $push must be an array but it was of type: {JsonTypeName.Of(value)}");
                    break;
                case "$slice":
                    _slice = Integer(value) ?? throw Error("BadValue", $"The value for $slice must be an integer value but was given type: {JsonTypeName.Of(value)}");
                    break;
                case "$position":
                    _position = Integer(value) ?? throw Error("BadValue", $"The value for $position must be an integer value, not of type: {JsonTypeName.Of(value)}");
                    break;
                case "$sort":
                    _sort = ArraySort.Parse(value, path);
                    break;
                default:
                    throw Error("BadValue", $"Unrecognized clause in $push: {key}");
            }
        }

        _values ??= [];
    }

    private bool AppendsOnly => _slice is null && _sort is null && _position is null;

    public override PlannedChange? Plan(UpdateTarget target, UpdateContext context)
    {
        if (!target.Exists)
        {
            return new SetChange(target.Steps, new JsonArray([.. Arrange([])]));
        }

        if (target.Value is not JsonArray array)
        {
            throw Error("BadValue",
                $"The field '{target.Dotted}' must be an array but is of type {JsonTypeName.Of(target.Value)} in document {UpdateTarget.Render(target.Steps[^1], target.Value)}");
        }

        if (AppendsOnly || (_slice is null && _sort is null && _position >= array.Count))
        {
            return new ArrayChange(target.Steps, (a, pointer, changes) =>
            {
                foreach (JsonNode? value in _values)
                {
                    JsonNode? copy = DocumentWriter.Copy(value);
                    changes.Add(new JsonPatchOperation("add", $"{pointer}/{a.Count}", DocumentWriter.Copy(copy)));
                    a.Add(copy);
                }
            });
        }

        List<JsonNode?> arranged = Arrange([.. array]);
        return new ArrayChange(target.Steps, (a, pointer, changes) =>
        {
            a.Clear();
            foreach (JsonNode? element in arranged)
            {
                a.Add(element);
            }

            changes.Add(new JsonPatchOperation("replace", pointer, DocumentWriter.Copy(a)));
        });
    }

    /// <summary>The array's elements (its own nodes, to be moved) with the pushed ones (copies) put in, sorted and sliced.</summary>
    private List<JsonNode?> Arrange(List<JsonNode?> elements)
    {
        int at = elements.Count;
        if (_position is long position)
        {
            at = (int)(position < 0 ? Math.Max(0, elements.Count + position) : Math.Min(elements.Count, position));
        }

        elements.InsertRange(at, _values.Select(DocumentWriter.Copy));
        if (_sort is not null)
        {
            elements = [.. elements.Order(_sort)];
        }

        if (_slice is long slice)
        {
            int keep = (int)Math.Min(elements.Count, slice == long.MinValue ? long.MaxValue : Math.Abs(slice));
            elements = slice >= 0 ? elements[..keep] : elements[^keep..];
        }

        return elements;
    }

    private static long? Integer(JsonNode? value) =>
        JsonNumber.TryRead(value, out JsonNumber n) && (n.IsInteger || n.Double == Math.Floor(n.Double)) ? (n.IsInteger ? n.Integer : (long)n.Double) : null;
}

/// <summary><c>$push</c>'s <c>$sort</c>: 1 or -1 for the elements themselves, or <c>{field: 1 or -1, ...}</c> for fields of the elements.</summary>
internal sealed class ArraySort : IComparer<JsonNode?>
{
    private readonly int _direction;
    private readonly (string[] Path, int Direction)[]? _fields;

    private ArraySort(int direction, (string[] Path, int Direction)[]? fields)
    {
        _direction = direction;
        _fields = fields;
    }

    public static ArraySort Parse(JsonNode? value, UpdatePath path)
    {
        const string Invalid = "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields";
        const string OneOrMinusOne = "The $sort element value must be either 1 or -1";
        if (Direction(value) is int whole)
        {
            return new ArraySort(whole, null);
        }

        if (JsonNumber.TryRead(value, out _))
        {
            throw new DocumentUpdateException("BadValue", path.Text, OneOrMinusOne);
        }

        if (value is not JsonObject pattern)
        {
            throw new DocumentUpdateException("BadValue", path.Text, Invalid);
        }

        if (pattern.Count == 0)
        {
            throw new DocumentUpdateException("BadValue", path.Text, "The $sort pattern is empty when it should be a set of fields.");
        }

        var fields = new List<(string[], int)>();
        foreach ((string field, JsonNode? direction) in pattern)
        {
            string[] steps = field.Split('.');
            if (Array.Exists(steps, s => s.Length == 0))
            {
                throw new DocumentUpdateException("BadValue", path.Text, $"The $sort field is a dotted field but has an empty part: {field}");
            }

            if (field.StartsWith('$'))
            {
                throw new DocumentUpdateException("BadValue", path.Text, Invalid);
            }

            fields.Add((steps, Direction(direction) ?? throw new DocumentUpdateException("BadValue", path.Text, OneOrMinusOne)));
        }

        return new ArraySort(0, [.. fields]);
    }

    public int Compare(JsonNode? x, JsonNode? y)
    {
        if (_fields is null)
        {
            return _direction * JsonOrder.Compare(x, y);
        }

        foreach ((string[] path, int direction) in _fields)
        {
            int order = JsonOrder.Compare(Field(x, path), Field(y, path));
            if (order != 0)
            {
                return direction * order;
            }
        }

        return 0;
    }

    private static JsonNode? Field(JsonNode? element, string[] path)
    {
        JsonNode? current = element;
        foreach (string step in path)
        {
            current = current is JsonObject o ? o[step] : null;
        }

        return current;
    }

    private static int? Direction(JsonNode? value) =>
        JsonNumber.TryRead(value, out JsonNumber n) && (n.Double == 1 || n.Double == -1) ? (int)n.Double : null;
}
