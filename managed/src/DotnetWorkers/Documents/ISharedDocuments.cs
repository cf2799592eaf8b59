using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace DotnetWorkers.Documents;

/// <summary>
/// The cluster's shared JSON documents (<see cref="SharedDocuments"/>, <c>Cluster.Documents</c>),
/// as an interface: what dependency injection hands out, so code that uses documents can be
/// tested with a fake.
/// </summary>
public interface ISharedDocuments
{
    /// <inheritdoc cref="SharedDocuments.Names"/>
    IReadOnlyList<string> Names { get; }

    /// <inheritdoc cref="SharedDocuments.Open(string, JsonObject?, SharedDocumentOptions?)"/>
    ISharedDocument Open(string name, JsonObject? defaultValue = null, SharedDocumentOptions? options = null);

    /// <inheritdoc cref="SharedDocuments.Exists(string)"/>
    bool Exists(string name);
}

/// <summary>One shared JSON document (<see cref="SharedDocument"/>), as an interface.</summary>
public interface ISharedDocument
{
    /// <inheritdoc cref="SharedDocument.Name"/>
    string Name { get; }

    /// <inheritdoc cref="SharedDocument.Version"/>
    long Version { get; }

    /// <inheritdoc cref="SharedDocument.Read"/>
    (JsonObject Document, long Version) Read();

    /// <inheritdoc cref="SharedDocument.TryGet(string, out JsonNode?)"/>
    bool TryGet(string path, out JsonNode? value);

    /// <inheritdoc cref="SharedDocument.Get(string)"/>
    JsonNode? Get(string path);

    /// <inheritdoc cref="SharedDocument.Get{T}(string, JsonTypeInfo{T})"/>
    T? Get<T>(string path, JsonTypeInfo<T> typeInfo);

    /// <inheritdoc cref="SharedDocument.Get{T}(string, JsonSerializerOptions?)"/>
    [RequiresUnreferencedCode("System.Text.Json reflection; use the JsonTypeInfo overload when trimming.")]
    [RequiresDynamicCode("System.Text.Json reflection; use the JsonTypeInfo overload under NativeAOT.")]
    T? Get<T>(string path, JsonSerializerOptions? options = null);

    /// <inheritdoc cref="SharedDocument.Patch(string, string?)"/>
    long Patch(string update, string? arrayFilters = null);

    /// <inheritdoc cref="SharedDocument.Patch(JsonObject, IEnumerable{JsonObject}?)"/>
    long Patch(JsonObject update, IEnumerable<JsonObject>? arrayFilters = null);

    /// <inheritdoc cref="SharedDocument.Patch(DocumentUpdate)"/>
    long Patch(DocumentUpdate update);

    /// <inheritdoc cref="SharedDocument.Patch(DocumentUpdate, long)"/>
    long Patch(DocumentUpdate update, long ifVersion);

    /// <inheritdoc cref="SharedDocument.PatchAsync(string, string?, CancellationToken)"/>
    ValueTask<long> PatchAsync(string update, string? arrayFilters = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedDocument.PatchAsync(JsonObject, IEnumerable{JsonObject}?, CancellationToken)"/>
    ValueTask<long> PatchAsync(JsonObject update, IEnumerable<JsonObject>? arrayFilters = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedDocument.PatchAsync(DocumentUpdate, CancellationToken)"/>
    ValueTask<long> PatchAsync(DocumentUpdate update, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedDocument.PatchAsync(DocumentUpdate, long, CancellationToken)"/>
    ValueTask<long> PatchAsync(DocumentUpdate update, long ifVersion, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedDocument.Observe(string, CancellationToken)"/>
    IAsyncEnumerable<DocumentChange> Observe(string path = "", CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedDocument.Observe(string, int, CancellationToken)"/>
    IAsyncEnumerable<DocumentChange> Observe(string path, int bufferSize, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="SharedDocument.Observe(string, Func{DocumentChange, ValueTask})"/>
    IDisposable Observe(string path, Func<DocumentChange, ValueTask> handler);
}
