using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// One place an update path names in a document, with <c>$[]</c> and <c>$[id]</c> resolved
/// to indexes: where it is, and what is there now (if anything).
/// </summary>
internal sealed class UpdateTarget
{
    /// <summary>How many nulls a write past an array's end may add: MongoDB's limit.</summary>
    private const int MaxBackfill = 1_500_000;

    public UpdateTarget(string[] steps, bool exists, JsonNode? value)
    {
        Steps = steps;
        Exists = exists;
        Value = value;
    }

    /// <summary>The place, step by step (indexes as their digits).</summary>
    public string[] Steps { get; }

    /// <summary>True if a value (a JSON null too) is there.</summary>
    public bool Exists { get; }

    /// <summary>The value there; null if missing or a JSON null.</summary>
    public JsonNode? Value { get; }

    public string Dotted => string.Join('.', Steps);

    /// <summary>
    /// Every place <paramref name="path"/> names in <paramref name="root"/>. When
    /// <paramref name="create"/> is set (<c>$set</c>, <c>$inc</c>, <c>$push</c>...) a missing
    /// place is included, and one that cannot be created (under a number, a string, a null)
    /// throws <c>PathNotViable</c>; otherwise missing places are left out.
    /// </summary>
    /// <param name="root">The document.</param>
    /// <param name="path">The update's path.</param>
    /// <param name="filters">The update's array filters, for <c>$[id]</c> steps.</param>
    /// <param name="create">Include missing places (and refuse those that cannot be made).</param>
    /// <param name="refuseBlocked">Throw <c>PathNotViable</c> for a path that runs into a value it cannot go through, even when not creating.</param>
    public static List<UpdateTarget> Resolve(JsonObject root, UpdatePath path, ArrayFilters filters, bool create, bool refuseBlocked = false)
    {
        var found = new List<UpdateTarget>();
        Walk(root, "", path, 0, [], filters, (create, refuseBlocked), found);
        return found;
    }

    private static void Walk(JsonNode? current, string currentName, UpdatePath path, int step, List<string> steps,
        ArrayFilters filters, (bool Create, bool RefuseBlocked) mode, List<UpdateTarget> found)
    {
        PathSegment segment = path.Segments[step];
        if (segment.Kind != PathSegmentKind.Field)
        {
            if (current is not JsonArray array)
            {
                throw new DocumentUpdateException("BadValue", path.Text,
                    $"Cannot apply array updates to non-array element {Render(currentName, current)} (in '{path.Text}')");
            }

            for (int i = 0; i < array.Count; i++)
            {
                if (segment.Kind == PathSegmentKind.FilteredElements && !filters.Matches(segment.Name, array[i]))
                {
                    continue;
                }

                steps.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Arrive(array[i], true, path, step, steps, filters, mode, found);
                steps.RemoveAt(steps.Count - 1);
            }

            return;
        }

        JsonNode? child = null;
        bool exists;
        switch (current)
        {
            case JsonObject o:
                exists = o.TryGetPropertyValue(segment.Name, out child);
                break;
            case JsonArray a when segment.ArrayIndex >= 0:
                exists = segment.ArrayIndex < a.Count;
                if (!exists && mode.Create && segment.ArrayIndex - a.Count > MaxBackfill)
                {
                    throw new DocumentUpdateException("BadValue", path.Text,
                        $"can't backfill more than {MaxBackfill} elements (the array at '{path.Text}' has {a.Count})");
                }

                child = exists ? a[segment.ArrayIndex] : null;
                break;
            default:
                // A number, a string, a null, or an array asked for a field name: nothing is
                // here, and nothing can be made here.
                if (mode.Create)
                {
                    throw new DocumentUpdateException("PathNotViable", path.Text,
                        $"Cannot create field '{segment.Name}' in element {Render(currentName, current)}");
                }

                if (mode.RefuseBlocked)
                {
                    throw new DocumentUpdateException("PathNotViable", path.Text,
                        $"Cannot use the part ({segment.Name}) of ({path.Text}) to traverse the element ({Render(currentName, current)})");
                }

                return;
        }

        steps.Add(segment.Name);
        if (exists)
        {
            Arrive(child, true, path, step, steps, filters, mode, found);
        }
        else if (mode.Create)
        {
            for (int rest = step + 1; rest < path.Segments.Length; rest++)
            {
                if (path.Segments[rest].Kind != PathSegmentKind.Field)
                {
                    throw new DocumentUpdateException("BadValue", path.Text,
                        $"The path '{string.Join('.', path.Segments[..rest].Select(s => s.Name))}' must exist in the document in order to apply array updates.");
                }

                steps.Add(path.Segments[rest].Name);
            }

            found.Add(new UpdateTarget([.. steps], false, null));
            steps.RemoveRange(steps.Count - (path.Segments.Length - step - 1), path.Segments.Length - step - 1);
        }

        steps.RemoveAt(steps.Count - 1);
    }

    private static void Arrive(JsonNode? value, bool exists, UpdatePath path, int step, List<string> steps,
        ArrayFilters filters, (bool Create, bool RefuseBlocked) mode, List<UpdateTarget> found)
    {
        if (step == path.Segments.Length - 1)
        {
            found.Add(new UpdateTarget([.. steps], exists, value));
        }
        else
        {
            Walk(value, steps[^1], path, step + 1, steps, filters, mode, found);
        }
    }

    /// <summary>An element as MongoDB's messages show one: <c>{a: 1}</c>.</summary>
    internal static string Render(string name, JsonNode? value)
    {
        string json = value?.ToJsonString() ?? "null";
        if (json.Length > 200)
        {
            json = json[..200] + "...";
        }

        return name.Length == 0 ? json : $"{{{name}: {json}}}";
    }
}
