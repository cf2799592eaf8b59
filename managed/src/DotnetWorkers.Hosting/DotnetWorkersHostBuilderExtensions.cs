using DotnetWorkers.Hosting;
using Microsoft.Extensions.DependencyInjection;

// In the namespace of IHostApplicationBuilder, as the framework's own UseX extensions are.
namespace Microsoft.Extensions.Hosting;

/// <summary>Makes a Generic Host (<c>HostApplicationBuilder</c>, <c>WebApplicationBuilder</c>) a member of its dotnet-workers cluster.</summary>
public static class DotnetWorkersHostBuilderExtensions
{
    /// <summary>Calls <see cref="DotnetWorkersServiceCollectionExtensions.AddDotnetWorkers"/> on the builder's services.</summary>
    /// <inheritdoc cref="DotnetWorkersServiceCollectionExtensions.AddDotnetWorkers" path="/exception"/>
    public static TBuilder UseDotnetWorkers<TBuilder>(this TBuilder builder, Action<DotnetWorkersHostOptions>? configure = null)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDotnetWorkers(configure);
        return builder;
    }
}
