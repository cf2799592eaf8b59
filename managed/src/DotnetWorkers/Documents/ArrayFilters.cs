using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// The <c>arrayFilters</c> of an update, by identifier: which elements a <c>$[id]</c> step
/// reaches. Each filter is a query whose top-level fields are <c>id</c> (the element
/// itself) or <c>id.path</c> (a field of the element), all with one identifier, as
/// MongoDB's <c>updateOne(filter, update, {arrayFilters})</c> takes them.
/// </summary>
internal sealed class ArrayFilters
{
    private readonly Dictionary<string, JsonObject> _byIdentifier = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private ArrayFilters()
    {
    }

    public static ArrayFilters Empty { get; } = new();

    public IReadOnlyCollection<string> Identifiers => _byIdentifier.Keys;

    /// <summary>An identifier as MongoDB allows it: a lowercase letter, then letters and digits.</summary>
    public static bool IsIdentifier(string name) =>
        name.Length > 0 && name[0] is >= 'a' and <= 'z' && name.All(char.IsAsciiLetterOrDigit);

    public static ArrayFilters Parse(IEnumerable<JsonNode?> filters)
    {
        var parsed = new ArrayFilters();
        foreach (JsonNode? node in filters)
        {
            if (node is not JsonObject filter)
            {
                throw new DocumentUpdateException("TypeMismatch", null, $"Each array filter must be a document, found: {node?.ToJsonString() ?? "null"}");
            }

            string? identifier = null;
            CollectIdentifier(filter, ref identifier);
            if (identifier is null)
            {
                throw new DocumentUpdateException("FailedToParse", null, "Cannot use an expression without a top-level field name in arrayFilters");
            }

            if (!IsIdentifier(identifier))
            {
                throw new DocumentUpdateException("BadValue", null,
                    $"Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '{identifier}'");
            }

            if (!parsed._byIdentifier.TryAdd(identifier, filter))
            {
                throw new DocumentUpdateException("FailedToParse", null, $"Found multiple array filters with the same top-level field name {identifier}");
            }
        }

        return parsed;
    }

    /// <summary>
    /// The one identifier of a filter's fields (<c>i</c> of <c>i.price</c>), looking into
    /// <c>$and</c>, <c>$or</c> and <c>$nor</c>; checks each field's condition on the way.
    /// </summary>
    private static void CollectIdentifier(JsonObject filter, ref string? identifier)
    {
        foreach ((string key, JsonNode? condition) in filter)
        {
            if (key is "$and" or "$or" or "$nor")
            {
                if (condition is not JsonArray list || list.Count == 0 || list.Any(e => e is not JsonObject))
                {
                    throw new DocumentUpdateException("BadValue", null, $"{key} in an array filter must be a nonempty array of documents.");
                }

                foreach (JsonNode? each in list)
                {
                    CollectIdentifier(each!.AsObject(), ref identifier);
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                throw new DocumentUpdateException("BadValue", null, $"unknown top level operator: {key} in the array filter {filter.ToJsonString()}");
            }

            int dot = key.IndexOf('.', StringComparison.Ordinal);
            string name = dot < 0 ? key : key[..dot];
            if (identifier is not null && name != identifier)
            {
                throw new DocumentUpdateException("FailedToParse", null,
                    $"Error parsing array filter :: caused by :: Expected a single top-level field name, found '{identifier}' and '{name}'");
            }

            identifier = name;
            QueryMatcher.ValidateCondition(condition, $"the array filter for '{name}'");
        }
    }

    /// <summary>Marks <paramref name="identifier"/> as used by <paramref name="path"/>; throws if no filter defines it.</summary>
    public void Use(string identifier, UpdatePath path)
    {
        if (!_byIdentifier.ContainsKey(identifier))
        {
            throw new DocumentUpdateException("BadValue", path.Text, $"No array filter found for identifier '{identifier}' in path '{path.Text}'");
        }

        _used.Add(identifier);
    }

    /// <summary>Throws for a filter no path of the update used, as MongoDB does.</summary>
    public void RequireAllUsed(JsonObject update)
    {
        foreach (string identifier in _byIdentifier.Keys)
        {
            if (!_used.Contains(identifier))
            {
                throw new DocumentUpdateException("FailedToParse", null,
                    $"The array filter for identifier '{identifier}' was not used in the update {update.ToJsonString()}");
            }
        }
    }

    /// <summary>True if <paramref name="element"/> matches the filter of <paramref name="identifier"/>.</summary>
    public bool Matches(string identifier, JsonNode? element) => Matches(_byIdentifier[identifier], identifier, element);

    private static bool Matches(JsonObject filter, string identifier, JsonNode? element)
    {
        foreach ((string key, JsonNode? condition) in filter)
        {
            bool matches = key switch
            {
                "$and" => condition!.AsArray().All(f => Matches(f!.AsObject(), identifier, element)),
                "$or" => condition!.AsArray().Any(f => Matches(f!.AsObject(), identifier, element)),
                "$nor" => !condition!.AsArray().Any(f => Matches(f!.AsObject(), identifier, element)),
                _ => QueryMatcher.MatchesPath(element, key.Length == identifier.Length ? [] : key[(identifier.Length + 1)..].Split('.'), condition),
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }
}
