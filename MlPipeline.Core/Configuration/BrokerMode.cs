namespace MlPipeline.Core.Configuration;

/// <summary>Which Kafka the pipeline talks to.</summary>
public enum BrokerMode
{
    /// <summary>The host starts MlPipeline.Broker in-process; a fresh machine needs nothing else.</summary>
    Embedded,
    /// <summary>An Apache Kafka cluster reached through <c>kafka.bootstrap_servers</c>.</summary>
    External,
}
