using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// A MongoDB update document, parsed and checked: field operators <c>$set</c>,
/// <c>$unset</c>, <c>$inc</c>, <c>$mul</c>, <c>$min</c>, <c>$max</c>, <c>$rename</c>,
/// <c>$currentDate</c>; array operators <c>$push</c> (with <c>$each</c>, <c>$slice</c>,
/// <c>$sort</c>, <c>$position</c>), <c>$pop</c>, <c>$pull</c>, <c>$pullAll</c>,
/// <c>$addToSet</c> (with <c>$each</c>); dotted paths with numeric indexes, <c>$[]</c>, and
/// <c>$[id]</c> with array filters. Applied all or nothing.
/// </summary>
/// <remarks>
/// <para>MongoDB's rules hold, its error names too (<see cref="DocumentUpdateException.Code"/>).
/// Where JSON differs from BSON: a number is an integer (64 bits) when written as one and a
/// double otherwise, arithmetic on integers stays integer and is refused past 64 bits rather
/// than rounded; <c>$currentDate</c> writes an ISO 8601 UTC string (or Unix milliseconds for
/// <c>{"$type": "timestamp"}</c>); there is no <c>_id</c> rule, and no positional <c>$</c>
/// (it needs a query). Fields are created in MongoDB's order: by name, numbers numerically.</para>
/// </remarks>
public sealed class DocumentUpdate
{
    private static readonly HashSet<string> KnownOperators =
        ["$set", "$unset", "$inc", "$mul", "$min", "$max", "$rename", "$currentDate", "$push", "$addToSet", "$pop", "$pull", "$pullAll"];

    private readonly FieldOperation[] _operations;
    private readonly ArrayFilters _filters;
    private readonly JsonObject _update;
    private readonly JsonArray? _arrayFilters;
    private string? _updateJson;
    private string? _filtersJson;
    private IReadOnlyList<string>? _operators;

    private DocumentUpdate(JsonObject update, JsonArray? arrayFilters, FieldOperation[] operations, ArrayFilters filters)
    {
        _update = update;
        _arrayFilters = arrayFilters;
        _operations = operations;
        _filters = filters;
    }

    /// <summary>A copy of the update document.</summary>
    public JsonObject Update => _update.DeepClone().AsObject();

    /// <summary>A copy of the array filters, or null if none were given.</summary>
    public JsonArray? ArrayFiltersJson => _arrayFilters?.DeepClone().AsArray();

    /// <summary>True if any operation's result depends on the clock (<c>$currentDate</c>).</summary>
    internal bool ReadsTheClock => Array.Exists(_operations, o => o is CurrentDateOperation);

    /// <summary>The operators this update uses, in its order (<c>$inc</c>, <c>$push</c>...).</summary>
    public IReadOnlyList<string> Operators => _operators ??= [.. _update.Select(p => p.Key)];

    /// <summary>The update as compact JSON, made once: what the journal records for each patch of it.</summary>
    internal string UpdateJson => _updateJson ??= _update.ToJsonString();

    /// <summary>The array filters as compact JSON, or null.</summary>
    internal string? ArrayFiltersText => _arrayFilters is null ? null : _filtersJson ??= _arrayFilters.ToJsonString();

    /// <summary>Parses <paramref name="update"/> (a JSON object) and <paramref name="arrayFilters"/> (a JSON array of filter documents).</summary>
    /// <exception cref="DocumentUpdateException">The update is not valid; the message names the path.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static DocumentUpdate Parse(string update, string? arrayFilters = null)
    {
        ArgumentNullException.ThrowIfNull(update);
        JsonNode? node = JsonNode.Parse(update);
        JsonArray? filters = null;
        if (arrayFilters is not null)
        {
            filters = JsonNode.Parse(arrayFilters) as JsonArray
                ?? throw new DocumentUpdateException("TypeMismatch", null, "arrayFilters must be a JSON array of filter documents.");
        }

        return Create(node, filters);
    }

    /// <summary>Checks <paramref name="update"/> and <paramref name="arrayFilters"/> (copied: later changes to them do not reach this update).</summary>
    /// <exception cref="DocumentUpdateException">The update is not valid; the message names the path.</exception>
    public static DocumentUpdate From(JsonObject update, IEnumerable<JsonObject>? arrayFilters = null)
    {
        ArgumentNullException.ThrowIfNull(update);

        // Through text, as every other process will read it from the journal: a value built
        // in code (a float, a double 1.0) becomes what its JSON says, so the writer's copy and
        // the replays agree to the bit.
        return Parse(update.ToJsonString(), arrayFilters is null ? null : new JsonArray([.. arrayFilters.Select(f => f.DeepClone())]).ToJsonString());
    }

    /// <summary>An update the journal recorded, from its parsed nodes (not parented): no second pass through text.</summary>
    internal static DocumentUpdate FromJournal(JsonNode? update, JsonArray? arrayFilters) => Create(update, arrayFilters);

    private static DocumentUpdate Create(JsonNode? node, JsonArray? filterList)
    {
        if (node is not JsonObject update)
        {
            throw new DocumentUpdateException("FailedToParse", null, $"An update must be a document of update operators, found: {node?.ToJsonString() ?? "null"}");
        }

        if (update.Count == 0 || !update.First().Key.StartsWith('$'))
        {
            throw new DocumentUpdateException("FailedToParse", update.Count == 0 ? null : update.First().Key,
                $"Update document requires atomic operators ($set, $inc, ...), found: {update.ToJsonString()}");
        }

        ArrayFilters filters = filterList is null ? ArrayFilters.Empty : ArrayFilters.Parse(filterList);
        var operations = new List<FieldOperation>();
        foreach ((string op, JsonNode? fields) in update)
        {
            if (!KnownOperators.Contains(op))
            {
                throw new DocumentUpdateException("FailedToParse", null,
                    $"Unknown modifier: {op}. Expected a valid update modifier or pipeline-style update specified as an array");
            }

            if (fields is not JsonObject arguments)
            {
                throw new DocumentUpdateException("FailedToParse", null,
                    $"Modifiers operate on fields but we found type {JsonTypeName.Of(fields)} instead. For example: {{$mod: {{<field>: ...}}}} not {{{op}: {fields?.ToJsonString() ?? "null"}}}");
            }

            foreach ((string field, JsonNode? argument) in arguments)
            {
                UpdatePath path = UpdatePath.Parse(field);
                FieldOperation operation = op switch
                {
                    "$set" => new SetOperation(path, argument),
                    "$unset" => new UnsetOperation(path, argument),
                    "$inc" or "$mul" => new ArithmeticOperation(op, path, argument),
                    "$min" or "$max" => new CompareOperation(op, path, argument),
                    "$rename" => new RenameOperation(path, argument),
                    "$currentDate" => new CurrentDateOperation(path, argument),
                    "$push" => new PushOperation(path, argument),
                    "$addToSet" => new AddToSetOperation(path, argument),
                    "$pop" => new PopOperation(path, argument),
                    "$pull" or "$pullAll" => new PullOperation(op, path, argument),
                    _ => throw new DocumentUpdateException("FailedToParse", field,
                        $"Unknown modifier: {op}. Expected a valid update modifier or pipeline-style update specified as an array"),
                };
                foreach (PathSegment segment in path.Segments)
                {
                    if (segment.Kind == PathSegmentKind.FilteredElements)
                    {
                        filters.Use(segment.Name, path);
                    }
                }

                operations.Add(operation);
            }
        }

        RequireNoConflict(operations);
        filters.RequireAllUsed(update);
        return new DocumentUpdate(update, filterList, [.. operations], filters);
    }

    /// <summary>
    /// Applies the update to <paramref name="document"/> in place, all or nothing, and returns
    /// what changed as RFC 6902 operations (none if the update changed nothing).
    /// </summary>
    /// <param name="document">The document; unchanged if this throws.</param>
    /// <param name="now">What <c>$currentDate</c> writes; the current time if null.</param>
    /// <exception cref="DocumentUpdateException">An operator does not fit the value it meets; nothing was changed.</exception>
    public IReadOnlyList<JsonPatchOperation> ApplyTo(JsonObject document, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var context = new UpdateContext(document, now ?? DateTimeOffset.UtcNow);

        // Phase one: every change worked out against the document as it is. Paths do not
        // overlap (checked at parse, and below for what $[] expands to), so no change reads
        // what another writes.
        var planned = new List<PlannedChange>();
        foreach (FieldOperation operation in _operations)
        {
            foreach (UpdateTarget target in UpdateTarget.Resolve(document, operation.Path, _filters, operation.CreatesMissing, operation.RefusesBlockedPath))
            {
                if (operation.Plan(target, context) is { } change)
                {
                    planned.Add(change);
                }
            }
        }

        RequireNoConflict(planned);

        // Phase two: cannot fail. In MongoDB's order, which decides where new fields go.
        planned.Sort((a, b) => FieldOrder.Compare(a.Steps, b.Steps));
        var changes = new List<JsonPatchOperation>();
        foreach (PlannedChange change in planned)
        {
            change.Apply(document, changes);
        }

        return changes;
    }

    /// <summary>The update as JSON: <c>{"update": ..., "arrayFilters": [...]}</c> when it has filters, else the update document.</summary>
    public override string ToString() => _arrayFilters is null
        ? UpdateJson
        : new JsonObject { ["update"] = _update.DeepClone(), ["arrayFilters"] = _arrayFilters.DeepClone() }.ToJsonString();

    private static void RequireNoConflict(List<FieldOperation> operations)
    {
        var paths = new List<UpdatePath>();
        foreach (FieldOperation operation in operations)
        {
            paths.Add(operation.Path);
            paths.AddRange(operation.OtherPaths);
        }

        for (int i = 0; i < paths.Count; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if ((UpdatePath.ConflictPoint(paths[j].Text, paths[i].Text) ?? UpdatePath.ArrayUpdateConflict(paths[j], paths[i])) is { } point)
                {
                    throw new DocumentUpdateException("ConflictingUpdateOperators", paths[i].Text,
                        $"Updating the path '{paths[i].Text}' would create a conflict at '{point}'");
                }
            }
        }
    }

    /// <summary>
    /// Two changes at one place, or one inside another: what <c>$[]</c> and <c>$[id]</c>
    /// can make of paths that do not conflict as written (<c>a.$[]</c> and <c>a.$[x]</c>).
    /// </summary>
    private static void RequireNoConflict(List<PlannedChange> planned)
    {
        if (planned.Count < 2)
        {
            return;
        }

        var places = new HashSet<string>(StringComparer.Ordinal);
        var all = new List<string[]>();
        foreach (PlannedChange change in planned)
        {
            all.Add(change.Steps);
            if (change.OtherSteps is { } other)
            {
                all.Add(other);
            }
        }

        foreach (string[] steps in all)
        {
            string place = string.Join('.', steps);
            if (!places.Add(place))
            {
                throw new DocumentUpdateException("ConflictingUpdateOperators", place, $"Update created a conflict at '{place}'");
            }
        }

        foreach (string[] steps in all)
        {
            for (int length = 1; length < steps.Length; length++)
            {
                string prefix = string.Join('.', steps[..length]);
                if (places.Contains(prefix))
                {
                    throw new DocumentUpdateException("ConflictingUpdateOperators", string.Join('.', steps), $"Update created a conflict at '{prefix}'");
                }
            }
        }
    }
}

/// <summary>MongoDB's order of fields within an update: by name, and numbers (array indexes) by value.</summary>
internal static class FieldOrder
{
    public static int Compare(string[] a, string[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            int order = Compare(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static int Compare(string a, string b)
    {
        bool numberA = a.Length > 0 && a.All(char.IsAsciiDigit);
        bool numberB = b.Length > 0 && b.All(char.IsAsciiDigit);
        if (numberA && numberB)
        {
            int byLength = a.TrimStart('0').Length.CompareTo(b.TrimStart('0').Length);
            return byLength != 0 ? byLength : string.CompareOrdinal(a.TrimStart('0'), b.TrimStart('0'));
        }

        return string.CompareOrdinal(a, b);
    }
}
