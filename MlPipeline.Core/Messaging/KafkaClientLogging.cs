using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging;

/// <summary>Routes librdkafka's own log lines and errors to <see cref="ILogger"/> instead of stderr.</summary>
internal static class KafkaClientLogging
{
    public static void Log(ILogger logger, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        logger.Log(level, "librdkafka {ClientName} [{Facility}] {Message}", message.Name, message.Facility, message.Message);
    }

    public static void LogError(ILogger logger, string clientName, Error error)
    {
        // librdkafka reports transient broker trouble here too and recovers by itself; only fatal ones need action.
        var level = error.IsFatal ? LogLevel.Critical : LogLevel.Warning;
        logger.Log(level, "Kafka client {ClientName} error {Code}: {Reason}", clientName, error.Code, error.Reason);
    }
}
