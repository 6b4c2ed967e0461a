using System.Globalization;
using MlPipeline.Broker.State;
using MlPipeline.Core.Messaging.Administration;
using BrokerErrorCode = MlPipeline.Broker.Protocol.ErrorCode;

namespace MlPipeline.Host.Hosting;

/// <summary>
/// Creates the pipeline's topics directly in the embedded broker's topic registry (no admin client), so they exist even
/// when the broker refuses topic administration to clients (<c>broker.allow_client_topic_admin: false</c>). The same
/// checks apply as to a client's CreateTopics (names, partition limits, configs).
/// </summary>
internal sealed class EmbeddedBrokerTopicCreator(KafkaEndpoint endpoint, ILogger<EmbeddedBrokerTopicCreator> logger) : ITopicCreator
{
    public Task<EnsureTopicsResult> EnsureTopicsAsync(IEnumerable<TopicSpec> topics, CancellationToken cancellationToken)
    {
        var server = endpoint.EmbeddedServer ?? throw new InvalidOperationException("The embedded broker has not been started yet.");
        var registry = server.Services.GetRequiredService<TopicRegistry>();
        var created = new List<string>();
        var existing = new List<string>();
        var failures = new List<string>();
        foreach (var topic in topics.DistinctBy(topic => topic.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<(string, string?)> configs = topic.RetentionMs is { } retentionMs
                ? [("retention.ms", retentionMs.ToString(CultureInfo.InvariantCulture))]
                : [];
            var (error, message) = registry.Create(topic.Name, topic.Partitions, topic.ReplicationFactor, configs, validateOnly: false);
            switch (error)
            {
                case BrokerErrorCode.None:
                    created.Add(topic.Name);
                    break;
                case BrokerErrorCode.TopicAlreadyExists:
                    existing.Add(topic.Name);
                    break;
                default:
                    failures.Add($"{topic.Name}: {error} {message}");
                    break;
            }
        }
        if (created.Count > 0) logger.LogInformation("Created topics {Topics} in the embedded broker", string.Join(", ", created));
        if (failures.Count > 0) throw new InvalidOperationException($"Could not create topics: {string.Join("; ", failures)}");
        return Task.FromResult(new EnsureTopicsResult(created, existing));
    }
}
