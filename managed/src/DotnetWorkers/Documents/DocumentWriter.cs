using System.Text;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// The writes an update makes once every check has passed (none of these can fail), each
/// recorded as the RFC 6902 operations that repeat it.
/// </summary>
internal static class DocumentWriter
{
    /// <summary>The JSON Pointer of <paramref name="steps"/>.</summary>
    public static string Pointer(ReadOnlySpan<string> steps)
    {
        var pointer = new StringBuilder();
        foreach (string step in steps)
        {
            pointer.Append('/').Append(JsonPatchOperation.Escape(step));
        }

        return pointer.ToString();
    }

    /// <summary>The value at <paramref name="steps"/>, or null.</summary>
    public static JsonNode? Find(JsonObject root, ReadOnlySpan<string> steps)
    {
        JsonNode? current = root;
        foreach (string step in steps)
        {
            current = current switch
            {
                JsonObject o => o[step],
                JsonArray a when int.TryParse(step, out int i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return current;
    }

    /// <summary>
    /// Puts <paramref name="value"/> (not parented) at <paramref name="steps"/>, creating the
    /// objects on the way and padding an array with nulls up to an index past its end.
    /// </summary>
    public static void Write(JsonObject root, string[] steps, JsonNode? value, List<JsonPatchOperation> changes)
    {
        JsonNode current = root;
        for (int i = 0; i < steps.Length; i++)
        {
            string step = steps[i];
            bool last = i == steps.Length - 1;
            if (current is JsonObject o)
            {
                if (o.TryGetPropertyValue(step, out JsonNode? child) && !last)
                {
                    current = child!;
                    continue;
                }

                bool replacing = o.ContainsKey(step);
                JsonNode? placed = last ? value : Subtree(steps.AsSpan(i + 1), value);
                o[step] = placed;
                changes.Add(new JsonPatchOperation(replacing ? "replace" : "add", Pointer(steps.AsSpan(0, i + 1)), Copy(placed)));
                return;
            }

            var a = (JsonArray)current;
            int index = int.Parse(step, System.Globalization.CultureInfo.InvariantCulture);
            if (index < a.Count && !last)
            {
                current = a[index]!;
                continue;
            }

            if (index < a.Count)
            {
                a[index] = value;
                changes.Add(new JsonPatchOperation("replace", Pointer(steps), Copy(value)));
                return;
            }

            string arrayPointer = Pointer(steps.AsSpan(0, i));
            while (a.Count < index)
            {
                changes.Add(new JsonPatchOperation("add", $"{arrayPointer}/{a.Count}"));
                a.Add(null);
            }

            JsonNode? appended = last ? value : Subtree(steps.AsSpan(i + 1), value);
            a.Add(appended);
            changes.Add(new JsonPatchOperation("add", $"{arrayPointer}/{index}", Copy(appended)));
            return;
        }
    }

    /// <summary>Removes the field at <paramref name="steps"/>; an array element becomes null instead (the others keep their indexes), as <c>$unset</c> does.</summary>
    public static JsonNode? Remove(JsonObject root, string[] steps, List<JsonPatchOperation> changes)
    {
        JsonNode? parent = Find(root, steps.AsSpan(0, steps.Length - 1));
        string step = steps[^1];
        if (parent is JsonObject o && o.TryGetPropertyValue(step, out JsonNode? removed))
        {
            o.Remove(step);
            changes.Add(new JsonPatchOperation("remove", Pointer(steps)));
            return removed;
        }

        if (parent is JsonArray a && int.TryParse(step, out int index) && index < a.Count)
        {
            JsonNode? was = a[index];
            a[index] = null;
            changes.Add(new JsonPatchOperation("replace", Pointer(steps)));
            return was;
        }

        return null;
    }

    /// <summary>A copy for a change record, so that the record does not share nodes with the document.</summary>
    public static JsonNode? Copy(JsonNode? value) => value?.DeepClone();

    private static JsonNode? Subtree(ReadOnlySpan<string> steps, JsonNode? value)
    {
        JsonNode? node = value;
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            node = new JsonObject { [steps[i]] = node };
        }

        return node;
    }
}
