using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DotnetWorkers.Documents;
using NUnit.Framework.Constraints;

namespace DotnetWorkers.Tests.Documents;

/// <summary>
/// The update operators against a table of cases taken from MongoDB's manual and its server's
/// update tests (<c>UpdateCases.json</c>, each case citing where it comes from): the document
/// after the update, field order included, or the error MongoDB gives, with the document left
/// as it was. The JSON Patch that <c>DocumentUpdate.ApplyTo</c> returns must turn the
/// document before into the document after, for every case that succeeds.
/// </summary>
[TestFixture]
public sealed class DocumentUpdateCaseTests
{
    /// <summary>What <c>$currentDate</c> writes in the table: "2026-01-02T03:04:05.678Z", or 1767323045678 as a timestamp.</summary>
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

    [TestCaseSource(nameof(Cases))]
    public void Update_GivesMongoDbsResult(UpdateCase c)
    {
        JsonObject document = JsonNode.Parse(c.Before)!.AsObject();
        if (c.After is not null)
        {
            IReadOnlyList<JsonPatchOperation> patch = DocumentUpdate.Parse(c.Update, c.ArrayFilters).ApplyTo(document, Now);
            JsonNode expected = JsonNode.Parse(c.After)!;
            Assert.That(OrderedEquals(document, expected), Is.True,
                () => $"{c.Source}\nexpected {expected.ToJsonString()}\n but was {document.ToJsonString()}");

            JsonNode? patched = ApplyPatch(JsonNode.Parse(c.Before), patch);
            Assert.That(OrderedEquals(patched, expected), Is.True,
                () => $"the returned patch {Render(patch)}\nturns {c.Before}\ninto {patched?.ToJsonString() ?? "null"}\n not {expected.ToJsonString()}");
            return;
        }

        DocumentUpdateException error = Assert.Throws<DocumentUpdateException>(
            () => DocumentUpdate.Parse(c.Update, c.ArrayFilters).ApplyTo(document, Now))!;
        JsonNode before = JsonNode.Parse(c.Before)!;
        Assert.Multiple(() =>
        {
            Assert.That(error.Code, Is.EqualTo(c.Code), () => $"{c.Source}: {error.Message}");
            Assert.That(error.Message, new SubstringConstraint(c.Message!).Using(StringComparison.Ordinal), c.Source);
            Assert.That(OrderedEquals(document, before), Is.True,
                () => $"a failed update changed the document: {c.Before} became {document.ToJsonString()}");
        });
    }

    [Test]
    public void TheTable_HasEnoughCases_EachWithASourceAndOneExpectation()
    {
        List<UpdateCase> cases = LoadCases();
        Assert.That(cases, Has.Count.GreaterThanOrEqualTo(150));
        Assert.Multiple(() =>
        {
            Assert.That(cases.Where(c => string.IsNullOrWhiteSpace(c.Source)).Select(c => c.Name), Is.Empty, "cases without a source");
            Assert.That(cases.Select(c => c.Name), Is.Unique, "case names");
            Assert.That(cases.Where(c => !c.Name.All(IsPlainNameCharacter)).Select(c => c.Name), Is.Empty,
                "names NUnit and test filters take as they are: letters, digits, spaces, '/', '-', '_'");
            Assert.That(cases.Where(c => (c.After is null) == (c.Code is null || string.IsNullOrEmpty(c.Message))).Select(c => c.Name), Is.Empty,
                "cases with neither or both of \"after\" and \"code\"+\"message\"");
            Assert.That(cases.Where(c => c.After is not null && (c.Code is not null || c.Message is not null)).Select(c => c.Name), Is.Empty,
                "successful cases that also name an error");
        });
    }

    [Test]
    public void TheHelpers_CompareFieldOrderAndNumbersByValue_AndApplyEveryPatchOperation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(OrderedEquals(JsonNode.Parse("""{"a":1,"b":2}"""), JsonNode.Parse("""{"b":2,"a":1}""")), Is.False);
            Assert.That(OrderedEquals(JsonNode.Parse("""{"a":[5,null,"x"]}"""), JsonNode.Parse("""{"a":[5.0,null,"x"]}""")), Is.True);
            Assert.That(OrderedEquals(JsonNode.Parse("9223372036854775807"), JsonNode.Parse("9223372036854775806")), Is.False);
            Assert.That(OrderedEquals(JsonNode.Parse("1e-15"), JsonNode.Parse("1.000000000000001e-15")), Is.False);
            Assert.That(OrderedEquals(JsonNode.Parse("true"), JsonNode.Parse("1")), Is.False);
            Assert.That(OrderedEquals(JsonNode.Parse("[1]"), JsonNode.Parse("[1,2]")), Is.False);
        });

        JsonNode? patched = ApplyPatch(JsonNode.Parse("""{"a":{"b":1},"c":[1,2],"d":"x","e~/f":0}"""),
        [
            new("add", "/c/-", JsonValue.Create(3)),
            new("add", "/c/0", JsonValue.Create(0)),
            new("replace", "/d", JsonValue.Create("y")),
            new("add", "/a/b", JsonValue.Create(2)),
            new("remove", "/c/1"),
            new("copy", "/g", From: "/a"),
            new("move", "/h", From: "/e~0~1f"),
            new("test", "/g/b", JsonValue.Create(2)),
            new("add", "/i", null),
        ]);
        Assert.That(OrderedEquals(patched, JsonNode.Parse("""{"a":{"b":2},"c":[0,2,3],"d":"y","g":{"b":2},"h":0,"i":null}""")), Is.True,
            () => patched?.ToJsonString() ?? "null");
        Assert.Throws<InvalidOperationException>(() => ApplyPatch(JsonNode.Parse("""{"a":1}"""), [new("test", "/a", JsonValue.Create(2))]));
        Assert.Throws<InvalidOperationException>(() => ApplyPatch(JsonNode.Parse("""{"a":1}"""), [new("remove", "/b")]));
    }

    /// <summary>One row of the table, as JSON text (each test parses its own copy).</summary>
    public sealed record UpdateCase(
        string Name, string Source, string Before, string Update, string? ArrayFilters, string? After, string? Code, string? Message)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<TestCaseData> Cases() => LoadCases().Select(c => new TestCaseData(c).SetName(c.Name));

    private static List<UpdateCase> LoadCases()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Documents", "UpdateCases.json");
        JsonArray table = JsonNode.Parse(File.ReadAllText(path))!.AsArray();
        return [.. table.Select(row => ToCase(row!.AsObject()))];
    }

    private static UpdateCase ToCase(JsonObject row) => new(
        Name: Text(row, "name") ?? "",
        Source: Text(row, "source") ?? "",
        Before: row["before"]?.ToJsonString() ?? "null",
        Update: row["update"]?.ToJsonString() ?? "null",
        ArrayFilters: row.TryGetPropertyValue("arrayFilters", out JsonNode? filters) ? filters?.ToJsonString() ?? "null" : null,
        After: row.TryGetPropertyValue("after", out JsonNode? after) ? after?.ToJsonString() ?? "null" : null,
        Code: Text(row, "code"),
        Message: Text(row, "message"));

    private static string? Text(JsonObject row, string property) => row[property]?.GetValue<string>();

    private static string Render(IEnumerable<JsonPatchOperation> patch) =>
        new JsonArray([.. patch.Select(p => p.ToJson())]).ToJsonString();

    private static bool IsPlainNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is ' ' or '/' or '-' or '_';

    // ---- JSON equality that minds the order of fields, as MongoDB's documents do ----

    /// <summary>
    /// Equal as MongoDB documents are equal: objects field by field in their order, arrays element
    /// by element, numbers by value (1, 1.0 and 1e0 are the same number; integers exactly, to 64 bits).
    /// </summary>
    private static bool OrderedEquals(JsonNode? a, JsonNode? b)
    {
        JsonValueKind kind = Kind(a);
        if (kind != Kind(b))
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.Object:
                JsonObject x = a!.AsObject(), y = b!.AsObject();
                return x.Count == y.Count && x.Zip(y).All(p =>
                    string.Equals(p.First.Key, p.Second.Key, StringComparison.Ordinal) && OrderedEquals(p.First.Value, p.Second.Value));
            case JsonValueKind.Array:
                JsonArray l = a!.AsArray(), r = b!.AsArray();
                return l.Count == r.Count && l.Zip(r).All(p => OrderedEquals(p.First, p.Second));
            case JsonValueKind.Number:
                return NumbersEqual(a!, b!);
            case JsonValueKind.String:
                return string.Equals(Element(a!).GetString(), Element(b!).GetString(), StringComparison.Ordinal);
            default:
                return true; // null, true, false: the kind is the value
        }
    }

    private static JsonValueKind Kind(JsonNode? node) => node is null ? JsonValueKind.Null : node.GetValueKind();

    private static bool NumbersEqual(JsonNode a, JsonNode b)
    {
        JsonElement x = Element(a), y = Element(b);
        if (x.TryGetInt64(out long i) && y.TryGetInt64(out long j))
        {
            return i == j;
        }

        return x.GetDouble() == y.GetDouble();
    }

    /// <summary>The value as JSON reads it, whatever .NET value the node holds.</summary>
    private static JsonElement Element(JsonNode node)
    {
        using JsonDocument document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }

    // ---- A small RFC 6902 JSON Patch applier (RFC 6901 pointers, "-" to append) ----

    private static JsonNode? ApplyPatch(JsonNode? root, IEnumerable<JsonPatchOperation> patch)
    {
        foreach (JsonPatchOperation operation in patch)
        {
            switch (operation.Op)
            {
                case "add":
                    root = Add(root, operation.Path, operation.Value?.DeepClone());
                    break;
                case "remove":
                    root = Remove(root, operation.Path, out _);
                    break;
                case "replace":
                    root = Replace(root, operation.Path, operation.Value?.DeepClone());
                    break;
                case "move":
                    root = Remove(root, FromOf(operation), out JsonNode? moved);
                    root = Add(root, operation.Path, moved);
                    break;
                case "copy":
                    root = Add(root, operation.Path, Find(root, Tokens(FromOf(operation)), operation.Path)?.DeepClone());
                    break;
                case "test":
                    if (!OrderedEquals(Find(root, Tokens(operation.Path), operation.Path), operation.Value))
                    {
                        throw Fail($"test failed at '{operation.Path}': expected {operation.Value?.ToJsonString() ?? "null"}");
                    }

                    break;
                default:
                    throw Fail($"unknown JSON Patch operation '{operation.Op}'");
            }
        }

        return root;
    }

    private static JsonNode? Add(JsonNode? root, string pointer, JsonNode? value)
    {
        string[] tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            return value;
        }

        switch (Find(root, tokens[..^1], pointer))
        {
            case JsonObject parent:
                parent[tokens[^1]] = value;
                break;
            case JsonArray parent when tokens[^1] == "-":
                parent.Add(value);
                break;
            case JsonArray parent:
                int index = Index(tokens[^1], parent.Count + 1, pointer);
                parent.Insert(index, value);
                break;
            default:
                throw Fail($"'{pointer}' does not lead into an object or an array");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string pointer, out JsonNode? removed)
    {
        string[] tokens = Tokens(pointer);
        switch (tokens.Length == 0 ? null : Find(root, tokens[..^1], pointer))
        {
            case JsonObject parent when parent.TryGetPropertyValue(tokens[^1], out removed):
                parent.Remove(tokens[^1]);
                return root;
            case JsonArray parent:
                int index = Index(tokens[^1], parent.Count, pointer);
                removed = parent[index];
                parent.RemoveAt(index);
                return root;
            default:
                throw Fail($"nothing to remove at '{pointer}'");
        }
    }

    private static JsonNode? Replace(JsonNode? root, string pointer, JsonNode? value)
    {
        string[] tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            return value;
        }

        switch (Find(root, tokens[..^1], pointer))
        {
            case JsonObject parent when parent.ContainsKey(tokens[^1]):
                parent[tokens[^1]] = value;
                return root;
            case JsonArray parent:
                parent[Index(tokens[^1], parent.Count, pointer)] = value;
                return root;
            default:
                throw Fail($"nothing to replace at '{pointer}'");
        }
    }

    private static JsonNode? Find(JsonNode? root, IEnumerable<string> tokens, string pointer)
    {
        JsonNode? current = root;
        foreach (string token in tokens)
        {
            current = current switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out JsonNode? child) => child,
                JsonArray a => a[Index(token, a.Count, pointer)],
                _ => throw Fail($"'{pointer}' does not exist"),
            };
        }

        return current;
    }

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw Fail($"'{pointer}' is not a JSON pointer");
        }

        return [.. pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    /// <summary>An array index of a pointer: digits without leading zeros, below <paramref name="limit"/>.</summary>
    private static int Index(string token, int limit, string pointer)
    {
        bool digits = token.Length > 0 && token.All(char.IsAsciiDigit) && (token.Length == 1 || token[0] != '0');
        return digits && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < limit
            ? index
            : throw Fail($"'{token}' in '{pointer}' is not an index of an array of {limit} place(s)");
    }

    private static string FromOf(JsonPatchOperation operation) =>
        operation.From ?? throw Fail($"'{operation.Op}' at '{operation.Path}' has no \"from\"");

    private static InvalidOperationException Fail(string message) => new($"JSON Patch: {message}");
}
