using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Messaging.Reading;

/// <summary>
/// Waits for the first envelope on one topic that a predicate accepts, reading from the topic's end as it was when
/// <see cref="StartAsync"/> returned (a <see cref="TopicTailReader"/>: no group, nothing committed). Start it BEFORE
/// sending whatever the awaited envelope answers, so an answer cannot slip in between the send and the assignment.
/// Used by the command line (<c>predict</c> waits for its result, <c>ingest --wait</c> for its training).
/// </summary>
public sealed class TopicEnvelopeWatch : IAsyncDisposable
{
    private readonly TaskCompletionSource<KafkaMessage> matched = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly KafkaMessageSerializer serializer = new();
    private readonly Func<KafkaMessage, bool> accepts;
    private readonly TopicTailReader reader;

    private TopicEnvelopeWatch(ConsumerConfig consumer, string topic, Func<KafkaMessage, bool> accepts, TimeSpan requestTimeout, ILogger logger)
    {
        this.accepts = accepts;
        reader = new TopicTailReader(consumer, topic, OnRecord, requestTimeout, logger);
    }

    /// <param name="accepts">Called on the reader's thread for every valid envelope; an exception counts as "no".</param>
    public static async Task<TopicEnvelopeWatch> StartAsync(
        ConsumerConfig consumer, string topic, Func<KafkaMessage, bool> accepts, TimeSpan requestTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        var watch = new TopicEnvelopeWatch(consumer, topic, accepts, requestTimeout, logger);
        try
        {
            await watch.reader.StartAsync(cancellationToken).ConfigureAwait(false);
            return watch;
        }
        catch
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The accepted envelope, or null when none came within <paramref name="timeout"/>.</summary>
    public async Task<KafkaMessage?> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            return await matched.Task.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public ValueTask DisposeAsync() => reader.DisposeAsync();

    private void OnRecord(ConsumeResult<byte[]?, byte[]?> record)
    {
        if (matched.Task.IsCompleted || !serializer.TryDeserialize(record.Message.Value, out var envelope, out _))
        {
            return;
        }

        bool accepted;
        try
        {
            accepted = accepts(envelope);
        }
        catch (System.Text.Json.JsonException)
        {
            // Someone else's envelope with a data shape the predicate cannot read: not ours.
            accepted = false;
        }

        if (accepted)
        {
            matched.TrySetResult(envelope);
        }
    }
}
