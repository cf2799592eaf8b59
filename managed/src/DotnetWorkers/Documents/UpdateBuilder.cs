using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// Starts a typed MongoDB update: <c>Update.Inc("hits", 1).Push("log", "seen").Set("last", now)</c>,
/// for <see cref="SharedDocument.Patch(DocumentUpdate)"/>. Values are <see cref="JsonNode"/>s,
/// so numbers, strings and booleans convert as they are.
/// </summary>
public static class Update
{
    /// <summary><c>$set</c>: puts <paramref name="value"/> at <paramref name="path"/>.</summary>
    public static UpdateBuilder Set(string path, JsonNode? value) => new UpdateBuilder().Set(path, value);

    /// <summary><c>$unset</c>: removes the field at <paramref name="path"/>.</summary>
    public static UpdateBuilder Unset(string path) => new UpdateBuilder().Unset(path);

    /// <summary><c>$inc</c>: adds <paramref name="by"/>.</summary>
    public static UpdateBuilder Inc(string path, JsonNode by) => new UpdateBuilder().Inc(path, by);

    /// <summary><c>$push</c>: appends <paramref name="value"/>.</summary>
    public static UpdateBuilder Push(string path, JsonNode? value) => new UpdateBuilder().Push(path, value);

    /// <inheritdoc cref="UpdateBuilder.Mul(string, JsonNode)"/>
    public static UpdateBuilder Mul(string path, JsonNode by) => new UpdateBuilder().Mul(path, by);

    /// <inheritdoc cref="UpdateBuilder.Min(string, JsonNode?)"/>
    public static UpdateBuilder Min(string path, JsonNode? value) => new UpdateBuilder().Min(path, value);

    /// <inheritdoc cref="UpdateBuilder.Max(string, JsonNode?)"/>
    public static UpdateBuilder Max(string path, JsonNode? value) => new UpdateBuilder().Max(path, value);

    /// <inheritdoc cref="UpdateBuilder.Rename(string, string)"/>
    public static UpdateBuilder Rename(string path, string to) => new UpdateBuilder().Rename(path, to);

    /// <inheritdoc cref="UpdateBuilder.CurrentDate(string, bool)"/>
    public static UpdateBuilder CurrentDate(string path, bool timestamp = false) => new UpdateBuilder().CurrentDate(path, timestamp);

    /// <inheritdoc cref="UpdateBuilder.PushEach(string, IEnumerable{JsonNode?}, int?, JsonNode?, int?)"/>
    public static UpdateBuilder PushEach(string path, IEnumerable<JsonNode?> values, int? position = null, JsonNode? sort = null, int? slice = null) =>
        new UpdateBuilder().PushEach(path, values, position, sort, slice);

    /// <inheritdoc cref="UpdateBuilder.AddToSet(string, JsonNode?)"/>
    public static UpdateBuilder AddToSet(string path, JsonNode? value) => new UpdateBuilder().AddToSet(path, value);

    /// <inheritdoc cref="UpdateBuilder.AddEachToSet(string, IEnumerable{JsonNode?})"/>
    public static UpdateBuilder AddEachToSet(string path, IEnumerable<JsonNode?> values) => new UpdateBuilder().AddEachToSet(path, values);

    /// <inheritdoc cref="UpdateBuilder.Pop(string, bool)"/>
    public static UpdateBuilder Pop(string path, bool first = false) => new UpdateBuilder().Pop(path, first);

    /// <inheritdoc cref="UpdateBuilder.Pull(string, JsonNode?)"/>
    public static UpdateBuilder Pull(string path, JsonNode? valueOrCondition) => new UpdateBuilder().Pull(path, valueOrCondition);

    /// <inheritdoc cref="UpdateBuilder.PullAll(string, IEnumerable{JsonNode?})"/>
    public static UpdateBuilder PullAll(string path, IEnumerable<JsonNode?> values) => new UpdateBuilder().PullAll(path, values);
}

/// <summary>A MongoDB update under construction (<see cref="Update"/>); <see cref="Build"/> checks it.</summary>
public sealed class UpdateBuilder
{
    private readonly JsonObject _update = [];
    private readonly List<JsonObject> _arrayFilters = [];

    /// <summary><c>$set</c>: puts <paramref name="value"/> at <paramref name="path"/>, creating what is missing.</summary>
    public UpdateBuilder Set(string path, JsonNode? value) => Add("$set", path, value);

    /// <summary><c>$unset</c>: removes the field at <paramref name="path"/> (an array element becomes null).</summary>
    public UpdateBuilder Unset(string path) => Add("$unset", path, "");

    /// <summary><c>$inc</c>: adds <paramref name="by"/> (a missing field becomes it).</summary>
    public UpdateBuilder Inc(string path, JsonNode by) => Add("$inc", path, by);

    /// <summary><c>$mul</c>: multiplies by <paramref name="by"/> (a missing field becomes 0).</summary>
    public UpdateBuilder Mul(string path, JsonNode by) => Add("$mul", path, by);

    /// <summary><c>$min</c>: replaces the value if <paramref name="value"/> is less.</summary>
    public UpdateBuilder Min(string path, JsonNode? value) => Add("$min", path, value);

    /// <summary><c>$max</c>: replaces the value if <paramref name="value"/> is greater.</summary>
    public UpdateBuilder Max(string path, JsonNode? value) => Add("$max", path, value);

    /// <summary><c>$rename</c>: moves the field at <paramref name="path"/> to <paramref name="to"/>.</summary>
    public UpdateBuilder Rename(string path, string to) => Add("$rename", path, to);

    /// <summary><c>$currentDate</c>: the time as an ISO 8601 string, or Unix milliseconds when <paramref name="timestamp"/>.</summary>
    public UpdateBuilder CurrentDate(string path, bool timestamp = false) =>
        Add("$currentDate", path, timestamp ? new JsonObject { ["$type"] = "timestamp" } : true);

    /// <summary><c>$push</c>: appends <paramref name="value"/>.</summary>
    public UpdateBuilder Push(string path, JsonNode? value) => Add("$push", path, value);

    /// <summary><c>$push</c> with <c>$each</c> and its modifiers: inserts <paramref name="values"/> at <paramref name="position"/> (default: the end), then sorts by <paramref name="sort"/> (1, -1, or <c>{field: 1 or -1}</c>) and keeps <paramref name="slice"/> elements (negative: the last ones).</summary>
    public UpdateBuilder PushEach(string path, IEnumerable<JsonNode?> values, int? position = null, JsonNode? sort = null, int? slice = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var modifiers = new JsonObject { ["$each"] = new JsonArray([.. values.Select(v => v?.DeepClone())]) };
        if (position is int p)
        {
            modifiers["$position"] = p;
        }

        if (sort is not null)
        {
            modifiers["$sort"] = sort.DeepClone();
        }

        if (slice is int s)
        {
            modifiers["$slice"] = s;
        }

        return Add("$push", path, modifiers);
    }

    /// <summary><c>$addToSet</c>: appends <paramref name="value"/> unless an equal one is there.</summary>
    public UpdateBuilder AddToSet(string path, JsonNode? value) => Add("$addToSet", path, value);

    /// <summary><c>$addToSet</c> with <c>$each</c>.</summary>
    public UpdateBuilder AddEachToSet(string path, IEnumerable<JsonNode?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Add("$addToSet", path, new JsonObject { ["$each"] = new JsonArray([.. values.Select(v => v?.DeepClone())]) });
    }

    /// <summary><c>$pop</c>: removes the last element, or the first when <paramref name="first"/>.</summary>
    public UpdateBuilder Pop(string path, bool first = false) => Add("$pop", path, first ? -1 : 1);

    /// <summary><c>$pull</c>: removes the elements equal to, or matching, <paramref name="valueOrCondition"/> (a value, <c>{"$gte": 6}</c>, or a query on document elements).</summary>
    public UpdateBuilder Pull(string path, JsonNode? valueOrCondition) => Add("$pull", path, valueOrCondition);

    /// <summary><c>$pullAll</c>: removes the elements equal to any of <paramref name="values"/>.</summary>
    public UpdateBuilder PullAll(string path, IEnumerable<JsonNode?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Add("$pullAll", path, new JsonArray([.. values.Select(v => v?.DeepClone())]));
    }

    /// <summary>Adds an array filter for <c>$[id]</c> steps, such as <c>{"x.price": {"$gt": 10}}</c>.</summary>
    public UpdateBuilder ArrayFilter(JsonObject filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        _arrayFilters.Add(filter.DeepClone().AsObject());
        return this;
    }

    /// <summary>Checks the update.</summary>
    /// <exception cref="DocumentUpdateException">It is not valid (conflicting paths, a bad argument...).</exception>
    public DocumentUpdate Build() => DocumentUpdate.From(_update, _arrayFilters.Count == 0 ? null : _arrayFilters);

    /// <summary>Checks the update (<see cref="Build"/>).</summary>
    public static implicit operator DocumentUpdate(UpdateBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Build();
    }

    /// <summary>The update as JSON.</summary>
    public override string ToString() => _update.ToJsonString();

    private UpdateBuilder Add(string op, string path, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_update[op] is not JsonObject fields)
        {
            fields = [];
            _update[op] = fields;
        }

        fields[path] = value?.DeepClone();
        return this;
    }
}
