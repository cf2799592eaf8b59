using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace DotnetWorkers.Documents;

/// <summary>
/// One observer of a document in this process: a bounded buffer that patches are offered to
/// (never waited on: a writer must not wait for a slow reader), and, once it overflows, a
/// flag that makes its reader fetch a fresh snapshot instead of the patches it lost.
/// </summary>
internal sealed class DocumentObserver
{
    // Wakes a reader waiting on an empty buffer after a jump (see Resync).
    private static readonly DocumentChange Wake = new("", -1, DocumentChangeKind.Snapshot, [], [], null, false);

    private readonly Channel<DocumentChange> _buffer;
    private readonly string _pointer;
    private volatile bool _missed;

    public DocumentObserver(string path, int capacity)
    {
        Path = path;
        _pointer = path.Length == 0 ? "" : "/" + string.Join('/', path.Split('.').Select(JsonPatchOperation.Escape));
        _buffer = Channel.CreateBounded<DocumentChange>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = false });
    }

    /// <summary>The dotted path observed ("" for the whole document).</summary>
    public string Path { get; }

    /// <summary>Offers a patch (called in version order, under the replica's lock).</summary>
    public void Offer(string document, long version, IReadOnlyList<string> operators, IReadOnlyList<JsonPatchOperation> changes)
    {
        if (_missed)
        {
            return;
        }

        List<JsonPatchOperation> touching = changes.Where(Touches).ToList();
        if (touching.Count == 0)
        {
            return;
        }

        if (!_buffer.Writer.TryWrite(new DocumentChange(document, version, DocumentChangeKind.Patch, operators, touching, null, false)))
        {
            _missed = true;
        }
    }

    /// <summary>The replica skipped patches (it reloaded a snapshot): the reader must resynchronize.</summary>
    public void Resync()
    {
        _missed = true;
        _buffer.Writer.TryWrite(Wake);
    }

    /// <summary>Ends the reader with <paramref name="error"/>, once what is buffered is read.</summary>
    public void Fail(Exception error) => _buffer.Writer.TryComplete(error);

    public async IAsyncEnumerable<DocumentChange> ReadAllAsync(DocumentChange first, Func<DocumentObserver, DocumentChange> snapshot,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return first;
        long last = first.Version;
        while (true)
        {
            while (_buffer.Reader.TryRead(out DocumentChange? change))
            {
                // Older than the snapshot yielded last (offered just before it was taken): in it already.
                if (!ReferenceEquals(change, Wake) && change.Version > last)
                {
                    last = change.Version;
                    yield return change;
                }
            }

            if (_missed)
            {
                // The buffer is drained: what was lost is replaced by the value as it is now.
                DocumentChange now = snapshot(this);
                last = now.Version;
                yield return now;
                continue;
            }

            if (!await _buffer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>Clears the missed flag (under the replica's lock, as the snapshot is taken).</summary>
    public void Resynchronized() => _missed = false;

    /// <summary>The value under the observed path of <paramref name="document"/>.</summary>
    public JsonNode? Select(JsonObject document) => SharedDocument.Find(document, Path)?.DeepClone();

    private bool Touches(JsonPatchOperation change) =>
        _pointer.Length == 0 ||
        IsWithin(change.Path, _pointer) || IsWithin(_pointer, change.Path) ||
        (change.From is not null && (IsWithin(change.From, _pointer) || IsWithin(_pointer, change.From))) ||
        (change.Op is "add" or "remove" && ShiftsObserved(change.Path));

    // An element added or removed at /x/i moves every element after it: an observer of
    // /x/j (or under it) with j >= i sees another value there.
    private bool ShiftsObserved(string changed)
    {
        int slash = changed.LastIndexOf('/');
        if (slash < 0 || !int.TryParse(changed.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            return false;
        }

        string array = changed[..(slash + 1)];
        if (!_pointer.StartsWith(array, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> rest = _pointer.AsSpan(array.Length);
        int end = rest.IndexOf('/');
        return int.TryParse(end < 0 ? rest : rest[..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int observed)
            && observed >= index;
    }

    // True if `pointer` is `ancestor` or under it.
    private static bool IsWithin(string pointer, string ancestor) =>
        pointer.StartsWith(ancestor, StringComparison.Ordinal) && (pointer.Length == ancestor.Length || pointer[ancestor.Length] == '/');
}
