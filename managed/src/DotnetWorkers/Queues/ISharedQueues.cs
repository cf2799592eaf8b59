using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace DotnetWorkers.Queues;

/// <summary>
/// Named bounded queues shared by every process (<see cref="SharedQueues"/>,
/// <c>Cluster.Queues</c>), as an interface: what dependency injection hands out. A queue is a
/// <see cref="Channel{T}"/>, so a fake can return <see cref="Channel.CreateBounded{T}(int)"/>.
/// </summary>
public interface ISharedQueues
{
    /// <inheritdoc cref="SharedQueues.Open{T}(string, int, int)"/>
    Channel<T> Open<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(string name, int capacity = 1024, int inlineBytes = 112);
}
