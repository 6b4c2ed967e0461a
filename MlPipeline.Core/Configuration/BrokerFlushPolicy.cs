namespace MlPipeline.Core.Configuration;

/// <summary>When the embedded broker fsyncs (<c>broker.flush</c>). Core's own spelling of the broker's setting, so
/// Core does not reference MlPipeline.Broker; Host maps it onto the broker's options.</summary>
public enum BrokerFlushPolicy
{
    /// <summary>fsync on the broker's flush interval.</summary>
    Interval,
    /// <summary>fsync before every produce is acknowledged.</summary>
    Always,
}
