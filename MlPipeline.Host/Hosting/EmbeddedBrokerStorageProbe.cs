using MlPipeline.Broker.State;
using MlPipeline.Core.Monitoring.Alerts;

namespace MlPipeline.Host.Hosting;

/// <summary>Reads the embedded broker's partitions in process: no round trip, and exact (the broker counts refused appends).</summary>
internal sealed class EmbeddedBrokerStorageProbe(KafkaEndpoint endpoint) : IBrokerStorageProbe
{
    public IReadOnlyList<(string Partition, int FailedAppends)> PartitionsFailingAppends()
    {
        if (endpoint.EmbeddedServer?.Services.GetService<TopicRegistry>() is not { } topics)
        {
            return [];
        }

        var failing = new List<(string, int)>();
        foreach (var topic in topics.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                if (partition.FailedAppends > 0)
                {
                    failing.Add(($"{topic.Name}-{partition.Index}", partition.FailedAppends));
                }
            }
        }

        return failing;
    }
}
