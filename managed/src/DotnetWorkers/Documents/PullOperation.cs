using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// <c>$pull</c> and <c>$pullAll</c>: remove every element that matches. For <c>$pull</c> the
/// argument is, as MongoDB's server reads it, a condition on the element when it is a
/// document of operators (<c>{"$gte": 6}</c>, <c>{"$in": [...]}</c>), a query on elements that
/// are documents when it is any other document (<c>{"score": 8, "item": "B"}</c>: those fields
/// match, others may be there), and otherwise a value to equal. <c>$pullAll</c> removes
/// elements equal to any of its list. A missing field is left alone.
/// </summary>
internal sealed class PullOperation : FieldOperation
{
    private readonly Func<JsonNode?, bool> _matches;

    public PullOperation(string op, UpdatePath path, JsonNode? argument)
        : base(op, path, argument)
    {
        if (op == "$pullAll")
        {
            JsonArray values = argument as JsonArray
                ?? throw Error("BadValue", $"$pullAll requires an array argument but was given a {JsonTypeName.Of(argument)}");
            _matches = e => values.Any(v => JsonOrder.Equal(e, v));
        }
        else if (QueryMatcher.IsOperatorObject(argument))
        {
            QueryMatcher.ValidateCondition(argument, $"$pull of '{path.Text}'");
            _matches = e => QueryMatcher.MatchesPath(e, [], argument);
        }
        else if (argument is JsonObject query)
        {
            QueryMatcher.ValidateQuery(query, $"$pull of '{path.Text}'");
            _matches = e => QueryMatcher.MatchesDocument(e, query);
        }
        else
        {
            _matches = e => JsonOrder.Equal(e, argument);
        }
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
            throw Error("BadValue", $"Cannot apply {Operator} to a non-array value: the field '{target.Dotted}' is of type {JsonTypeName.Of(target.Value)}");
        }

        var removed = new List<int>();
        for (int i = array.Count - 1; i >= 0; i--)
        {
            if (_matches(array[i]))
            {
                removed.Add(i);
            }
        }

        return removed.Count == 0 ? null : new ArrayChange(target.Steps, (a, pointer, changes) =>
        {
            // From the end, so that each operation's index holds when the operations are replayed in order.
            foreach (int index in removed)
            {
                a.RemoveAt(index);
                changes.Add(new JsonPatchOperation("remove", $"{pointer}/{index}"));
            }
        });
    }
}
