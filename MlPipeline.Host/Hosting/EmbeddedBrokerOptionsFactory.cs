using MlPipeline.Broker;
using MlPipeline.Core.Configuration;

namespace MlPipeline.Host.Hosting;

/// <summary>Maps the <c>broker:</c> section (plus the producer's request size) onto <see cref="BrokerOptions"/>
/// for the embedded broker.</summary>
public static class EmbeddedBrokerOptionsFactory
{
    public static BrokerOptions Create(PipelineConfig config)
    {
        var broker = config.Broker;
        var defaults = new BrokerOptions();
        return new BrokerOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            DataDirectory = broker.DataDir,
            DefaultPartitions = broker.Partitions,
            DefaultRetentionMs = broker.RetentionMs,
            FlushPolicy = broker.Flush == BrokerFlushPolicy.Always ? FlushPolicy.Always : FlushPolicy.Interval,
            ConnectionsMaxIdle = broker.ConnectionsMaxIdleMs == -1 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(broker.ConnectionsMaxIdleMs),
            // The broker must accept the largest batch our producer may send (Kafka pairs message.max.bytes on
            // the broker with max.request.size on the producer).
            MaxMessageBytes = Math.Max(defaults.MaxMessageBytes, config.Producer.MaxRequestSize),
            MaxPartitionsPerTopic = broker.MaxPartitionsPerTopic,
            MaxPartitions = broker.MaxPartitions,
            FetchMaxBytes = broker.FetchMaxBytes,
            MaxConnections = broker.MaxConnections,
            MaxConnectionsPerIp = broker.MaxConnectionsPerIp,
            MaxRequestBytes = broker.SocketRequestMaxBytes,
            OffsetsRetention = TimeSpan.FromMinutes(broker.OffsetsRetentionMinutes),
            ProducerIdExpiration = TimeSpan.FromMilliseconds(broker.ProducerIdExpirationMs),
            AllowClientTopicAdmin = broker.AllowClientTopicAdmin,
            AllowUnauthenticatedRemote = broker.AllowUnauthenticatedRemote,
        };
    }
}
