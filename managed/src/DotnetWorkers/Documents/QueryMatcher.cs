using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// MongoDB's query conditions, the part of them <c>$pull</c> and array filters use: a field
/// (dotted paths, which look into arrays as MongoDB's queries do) against a value or against
/// operators (<c>$eq</c>, <c>$ne</c>, <c>$gt</c>, <c>$gte</c>, <c>$lt</c>, <c>$lte</c>,
/// <c>$in</c>, <c>$nin</c>, <c>$exists</c>, <c>$not</c>, <c>$elemMatch</c>, <c>$size</c>,
/// <c>$all</c>), and <c>$and</c>, <c>$or</c>, <c>$nor</c>. Comparisons bracket by type as
/// MongoDB's do: <c>{"$gt": 5}</c> never matches a string.
/// </summary>
internal static class QueryMatcher
{
    private static readonly HashSet<string> ConditionOperators =
        ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$not", "$elemMatch", "$size", "$all"];

    /// <summary>
    /// True if <paramref name="condition"/> is a document of operators on a value
    /// (<c>{"$gt": 5}</c>) rather than a value to equal or a query (<c>{"$or": [...]}</c>
    /// is a query), as MongoDB's parser tells them apart by their first field.
    /// </summary>
    public static bool IsOperatorObject(JsonNode? condition) =>
        condition is JsonObject o && o.Count > 0 && o.First().Key.StartsWith('$') && o.First().Key is not ("$and" or "$or" or "$nor");

    /// <summary>Refuses an unknown operator or a malformed argument anywhere in <paramref name="query"/>.</summary>
    public static void ValidateQuery(JsonObject query, string context)
    {
        foreach ((string key, JsonNode? value) in query)
        {
            if (key is "$and" or "$or" or "$nor")
            {
                if (value is not JsonArray list || list.Count == 0 || list.Any(e => e is not JsonObject))
                {
                    throw new DocumentUpdateException("BadValue", context, $"{key} in {context} must be a nonempty array of documents.");
                }

                foreach (JsonNode? each in list)
                {
                    ValidateQuery(each!.AsObject(), context);
                }
            }
            else if (key.StartsWith('$'))
            {
                throw new DocumentUpdateException("BadValue", context, $"unknown top level operator: {key} in {context}");
            }
            else
            {
                ValidateCondition(value, context);
            }
        }
    }

    /// <summary>Refuses an unknown operator or a malformed argument in a field's condition.</summary>
    public static void ValidateCondition(JsonNode? condition, string context)
    {
        if (!IsOperatorObject(condition))
        {
            return;
        }

        foreach ((string op, JsonNode? argument) in condition!.AsObject())
        {
            if (!ConditionOperators.Contains(op))
            {
                throw new DocumentUpdateException("BadValue", context, $"unknown operator: {op} in {context}");
            }

            switch (op)
            {
                case "$in" or "$nin" or "$all" when argument is not JsonArray:
                    throw new DocumentUpdateException("BadValue", context, $"{op} needs an array in {context}");
                case "$size" when !JsonNumber.TryRead(argument, out JsonNumber size) || size.Double < 0 || size.Double != Math.Floor(size.Double):
                    throw new DocumentUpdateException("BadValue", context, $"$size needs a non-negative integer in {context}");
                case "$not" when !IsOperatorObject(argument):
                    throw new DocumentUpdateException("BadValue", context, $"$not needs a document of operators in {context}");
                case "$not":
                    ValidateCondition(argument, context);
                    break;
                case "$elemMatch" when argument is not JsonObject:
                    throw new DocumentUpdateException("BadValue", context, $"$elemMatch needs an Object in {context}");
                case "$elemMatch" when IsOperatorObject(argument):
                    ValidateCondition(argument, context);
                    break;
                case "$elemMatch":
                    ValidateQuery(argument!.AsObject(), context);
                    break;
            }
        }
    }

    /// <summary>True if the document <paramref name="document"/> matches <paramref name="query"/> (a non-object matches nothing).</summary>
    public static bool MatchesDocument(JsonNode? document, JsonObject query)
    {
        if (document is not JsonObject)
        {
            return false;
        }

        foreach ((string key, JsonNode? value) in query)
        {
            bool matches = key switch
            {
                "$and" => value!.AsArray().All(q => MatchesDocument(document, q!.AsObject())),
                "$or" => value!.AsArray().Any(q => MatchesDocument(document, q!.AsObject())),
                "$nor" => !value!.AsArray().Any(q => MatchesDocument(document, q!.AsObject())),
                _ => MatchesPath(document, key.Split('.'), value),
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True if the values at <paramref name="path"/> under <paramref name="start"/> (none: the value itself) meet <paramref name="condition"/>.</summary>
    public static bool MatchesPath(JsonNode? start, ReadOnlySpan<string> path, JsonNode? condition)
    {
        var found = new List<Candidate>();
        Collect(start, path, found, fromArray: false);
        return Matches(found, condition);
    }

    private static bool Matches(List<Candidate> found, JsonNode? condition)
    {
        if (!IsOperatorObject(condition))
        {
            return EqualsAny(found, condition);
        }

        foreach ((string op, JsonNode? argument) in condition!.AsObject())
        {
            bool matches = op switch
            {
                "$eq" => EqualsAny(found, argument),
                "$ne" => !EqualsAny(found, argument),
                "$gt" => CompareAny(found, argument, order => order > 0, nullMatches: false),
                "$gte" => CompareAny(found, argument, order => order >= 0, nullMatches: true),
                "$lt" => CompareAny(found, argument, order => order < 0, nullMatches: false),
                "$lte" => CompareAny(found, argument, order => order <= 0, nullMatches: true),
                "$in" => argument!.AsArray().Any(item => EqualsAny(found, item)),
                "$nin" => !argument!.AsArray().Any(item => EqualsAny(found, item)),
                "$exists" => found.Count > 0 == IsTruthy(argument),
                "$not" => !Matches(found, argument),
                "$size" => JsonNumber.TryRead(argument, out JsonNumber size) && found.Exists(c => !c.FromArray && c.Value is JsonArray a && a.Count == size.Double),
                "$all" => found.Exists(c => !c.FromArray && c.Value is JsonArray a && argument!.AsArray().All(item => a.Any(e => JsonOrder.Equal(e, item)))),
                "$elemMatch" => found.Exists(c => !c.FromArray && c.Value is JsonArray a && a.Any(e => ElementMatches(e, argument!.AsObject()))),
                _ => false,
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }

    private static bool ElementMatches(JsonNode? element, JsonObject query) =>
        IsOperatorObject(query) ? MatchesPath(element, [], query) : MatchesDocument(element, query);

    private static bool EqualsAny(List<Candidate> found, JsonNode? value)
    {
        // {"field": null} matches a missing field too.
        if (value is null && found.Count == 0)
        {
            return true;
        }

        return found.Exists(c => JsonOrder.Equal(c.Value, value));
    }

    private static bool CompareAny(List<Candidate> found, JsonNode? value, Func<int, bool> accept, bool nullMatches)
    {
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
        {
            return nullMatches && EqualsAny(found, null);
        }

        int rank = JsonOrder.TypeRank(value);
        return found.Exists(c => JsonOrder.TypeRank(c.Value) == rank && accept(JsonOrder.Compare(c.Value, value)));
    }

    private static bool IsTruthy(JsonNode? value) => value switch
    {
        null => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when JsonNumber.TryRead(v, out JsonNumber n) => n.Double != 0,
        _ => true,
    };

    /// <summary>
    /// The values a query path reaches: the value at its end, and if that is an array its
    /// elements as well; an array met on the way is looked into element by element (and by
    /// index, for a numeric step).
    /// </summary>
    private static void Collect(JsonNode? node, ReadOnlySpan<string> path, List<Candidate> found, bool fromArray)
    {
        if (path.IsEmpty)
        {
            found.Add(new Candidate(node, fromArray));
            if (node is JsonArray elements)
            {
                foreach (JsonNode? element in elements)
                {
                    found.Add(new Candidate(element, FromArray: true));
                }
            }

            return;
        }

        switch (node)
        {
            case JsonObject o when o.TryGetPropertyValue(path[0], out JsonNode? child):
                Collect(child, path[1..], found, fromArray: false);
                break;
            case JsonArray a:
                int index = new PathSegment(path[0], PathSegmentKind.Field).ArrayIndex;
                if (index >= 0 && index < a.Count)
                {
                    Collect(a[index], path[1..], found, fromArray: false);
                }

                foreach (JsonNode? element in a)
                {
                    if (element is JsonObject)
                    {
                        Collect(element, path, found, fromArray: false);
                    }
                }

                break;
        }
    }

    /// <summary>A value a path reached; <see cref="FromArray"/> if it is an element of the array the path ended at.</summary>
    private readonly record struct Candidate(JsonNode? Value, bool FromArray);
}
