namespace DotnetWorkers.Documents;

/// <summary>One step of a dotted update path.</summary>
/// <param name="Name">The field name or array index as written; for <c>$[id]</c>, the identifier.</param>
/// <param name="Kind">What the step is.</param>
internal readonly record struct PathSegment(string Name, PathSegmentKind Kind)
{
    /// <summary>The index this step names in an array, or -1: digits only, no leading zero, as MongoDB reads them.</summary>
    public int ArrayIndex
    {
        get
        {
            if (Kind != PathSegmentKind.Field || Name.Length == 0 || Name.Length > 9 || (Name[0] == '0' && Name.Length > 1))
            {
                return -1;
            }

            foreach (char c in Name)
            {
                if (c is < '0' or > '9')
                {
                    return -1;
                }
            }

            return int.Parse(Name, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>The kinds of step in an update path.</summary>
internal enum PathSegmentKind
{
    /// <summary>A field name, or an index when it meets an array.</summary>
    Field,

    /// <summary><c>$[]</c>: every element of the array.</summary>
    AllElements,

    /// <summary><c>$[id]</c>: the elements the array filter for <c>id</c> matches.</summary>
    FilteredElements,
}

/// <summary>A dotted path of an update (<c>orders.3.total</c>, <c>items.$[].price</c>), parsed and checked.</summary>
internal sealed class UpdatePath
{
    private UpdatePath(string text, PathSegment[] segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }

    public PathSegment[] Segments { get; }

    public bool HasPositional => Array.Exists(Segments, s => s.Kind != PathSegmentKind.Field);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="DocumentUpdateException"/> for a path MongoDB refuses.</summary>
    public static UpdatePath Parse(string text)
    {
        if (text.Length == 0)
        {
            throw new DocumentUpdateException("EmptyFieldName", text, "An empty update path is not valid.");
        }

        string[] parts = text.Split('.');
        var segments = new PathSegment[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            if (part.Length == 0)
            {
                throw new DocumentUpdateException("EmptyFieldName", text,
                    $"The update path '{text}' contains an empty field name, which is not allowed.");
            }

            if (part == "$")
            {
                throw new DocumentUpdateException("BadValue", text,
                    $"The positional operator '$' in '{text}' needs the query of a collection update to say which element it means: use '$[]' or '$[<identifier>]' with arrayFilters.");
            }

            if (part == "$[]")
            {
                segments[i] = new PathSegment(part, PathSegmentKind.AllElements);
            }
            else if (part.StartsWith("$[", StringComparison.Ordinal) && part.EndsWith(']'))
            {
                string identifier = part[2..^1];
                if (!ArrayFilters.IsIdentifier(identifier))
                {
                    throw new DocumentUpdateException("BadValue", text,
                        $"The identifier '{identifier}' in '{text}' must begin with a lowercase letter and contain only letters and digits.");
                }

                segments[i] = new PathSegment(identifier, PathSegmentKind.FilteredElements);
            }
            else if (part[0] == '$')
            {
                throw new DocumentUpdateException("DollarPrefixedFieldName", text,
                    $"The dollar ($) prefixed field '{part}' in '{text}' is not valid for storage.");
            }
            else
            {
                segments[i] = new PathSegment(part, PathSegmentKind.Field);
            }
        }

        if (segments[0].Kind != PathSegmentKind.Field)
        {
            throw new DocumentUpdateException("BadValue", text,
                $"Cannot have an array update ('$[]' or '$[<identifier>]') in the first position in path '{text}'");
        }

        return new UpdatePath(text, segments);
    }

    /// <summary>
    /// The shorter of two paths if one is a prefix of the other (or they are equal), by whole
    /// steps: "a" conflicts with "a.b", not with "ab".
    /// </summary>
    public static string? ConflictPoint(string a, string b)
    {
        (string shorter, string longer) = a.Length <= b.Length ? (a, b) : (b, a);
        return longer.StartsWith(shorter, StringComparison.Ordinal) && (longer.Length == shorter.Length || longer[shorter.Length] == '.')
            ? shorter
            : null;
    }

    /// <summary>
    /// Where two paths part if one goes on with <c>$[]</c> or <c>$[id]</c> and the other with
    /// a field or an index there: MongoDB updates an array either element by element or by
    /// named steps, not both in one update (<c>a.$[i]</c> and <c>a.0</c> conflict at <c>a</c>;
    /// <c>a.$[i]</c> and <c>a.$[j]</c> do not).
    /// </summary>
    public static string? ArrayUpdateConflict(UpdatePath a, UpdatePath b)
    {
        for (int i = 0; i < Math.Min(a.Segments.Length, b.Segments.Length); i++)
        {
            PathSegment x = a.Segments[i];
            PathSegment y = b.Segments[i];
            if (x == y)
            {
                continue;
            }

            bool positionalX = x.Kind != PathSegmentKind.Field;
            bool positionalY = y.Kind != PathSegmentKind.Field;
            return positionalX != positionalY ? string.Join('.', a.Text.Split('.')[..i]) : null;
        }

        return null;
    }

    public override string ToString() => Text;
}
