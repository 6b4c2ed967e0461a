using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Observability;

namespace MlPipeline.Core.Messaging.Producing;

/// <summary>
/// Owns the process's one long-lived producer (librdkafka batches, retries and keeps connections per
/// client, so one per process is both fastest and what Confluent recommends). Every send either
/// completes with the broker's acknowledgement or throws <see cref="MessageDeliveryException"/>.
/// </summary>
public sealed class KafkaProducerManager : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan QueueFullBackoff = TimeSpan.FromMilliseconds(20);

    private readonly IProducer<string?, byte[]> producer;

    // Shares the producer's librdkafka handle (no second connection) but sends keys as raw bytes, so a
    // dead-lettered record keeps its original key even when that key is not valid UTF-8.
    private readonly IProducer<byte[]?, byte[]?> rawProducer;
    private readonly KafkaMessageSerializer serializer;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<KafkaProducerManager> logger;
    private readonly TimeSpan disposeFlushTimeout;
    private readonly IMessageFlowObserver flowObserver;
    private int disposed;

    // Calls into librdkafka in progress (see EnterHandle). Dispose waits for them to end before it destroys the handle.
    private int callsInProgress;

    /// <param name="config">
    /// Client settings. Unless set explicitly, idempotence is switched on and acks=all (ARCHITECTURE.md
    /// "Delivery rules"); the caller's object is not modified.
    /// </param>
    /// <param name="flowObserver">Told how many records each topic received (acknowledged sends only).</param>
    public KafkaProducerManager(
        ProducerConfig config,
        KafkaMessageSerializer serializer,
        TimeProvider timeProvider,
        ILogger<KafkaProducerManager> logger,
        TimeSpan? disposeFlushTimeout = null,
        IMessageFlowObserver? flowObserver = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        this.serializer = serializer;
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.disposeFlushTimeout = disposeFlushTimeout ?? TimeSpan.FromSeconds(10);
        this.flowObserver = flowObserver ?? NullMessageFlowObserver.Instance;

        var effective = new ProducerConfig(config.ToDictionary(pair => pair.Key, pair => pair.Value));
        effective.EnableIdempotence ??= true;
        effective.Acks ??= Acks.All;
        ClientName = effective.ClientId ?? "mlpipeline-producer";

        producer = new ProducerBuilder<string?, byte[]>(effective)
            .SetLogHandler((_, message) => KafkaClientLogging.Log(logger, message))
            .SetErrorHandler((_, error) => KafkaClientLogging.LogError(logger, ClientName, error))
            .Build();
        rawProducer = new DependentProducerBuilder<byte[]?, byte[]?>(producer.Handle).Build();
    }

    public string ClientName { get; }

    /// <summary>Sends one envelope and waits for the broker's acknowledgement.</summary>
    /// <exception cref="MessageDeliveryException">The message was not delivered; the exception says why.</exception>
    public Task<DeliveryResult<string?, byte[]>> SendAsync(
        string topic,
        KafkaMessage message,
        string? key,
        CancellationToken cancellationToken) =>
        SendAsync(topic, message, key, [], cancellationToken);

    /// <summary>Sends one envelope with extra record headers (beside message_type and correlation_id) and waits for the acknowledgement.</summary>
    /// <exception cref="MessageDeliveryException">The message was not delivered; the exception says why.</exception>
    public async Task<DeliveryResult<string?, byte[]>> SendAsync(
        string topic,
        KafkaMessage message,
        string? key,
        IReadOnlyList<KeyValuePair<string, string>> extraHeaders,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(extraHeaders);
        var record = ToRecord(message, key);
        foreach (var (name, value) in extraHeaders)
        {
            record.Headers.Add(name, Encoding.UTF8.GetBytes(value));
        }

        try
        {
            Task<DeliveryResult<string?, byte[]>> delivery;
            EnterHandle();
            try
            {
                // The hand-over to librdkafka happens inside this call; only the wait for the acknowledgement is async.
                delivery = producer.ProduceAsync(topic, record, cancellationToken);
            }
            finally
            {
                ExitHandle();
            }

            var delivered = await delivery.ConfigureAwait(false);
            flowObserver.OnProduced(topic, 1);
            return delivered;
        }
        catch (ProduceException<string?, byte[]> exception)
        {
            throw new MessageDeliveryException(topic, key, exception.Error.Code, exception.Error.Reason, exception);
        }
    }

    /// <summary>
    /// Sends many envelopes without waiting for each in turn: all are handed to librdkafka at once and the
    /// acknowledgements collected, so one failure never stops the rest.
    /// </summary>
    /// <returns>One result per message, in input order.</returns>
    public async Task<IReadOnlyList<BatchSendResult>> SendBatchAsync(
        string topic,
        IEnumerable<(string? Key, KafkaMessage Message)> messages,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(messages);

        var batch = messages.ToList();
        var results = new BatchSendResult[batch.Count];
        if (batch.Count == 0)
        {
            return results;
        }

        // Delivery callbacks run on librdkafka's poll thread: they only record and count down.
        var outstanding = batch.Count;
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Complete(int index, BatchSendResult result)
        {
            results[index] = result;
            if (Interlocked.Decrement(ref outstanding) == 0)
            {
                allDelivered.TrySetResult();
            }
        }

        for (var index = 0; index < batch.Count; index++)
        {
            var (key, message) = batch[index];
            var position = index;
            try
            {
                await ProduceWhenQueueHasRoomAsync(
                    topic,
                    ToRecord(message, key),
                    report => Complete(
                        position,
                        new BatchSendResult(
                            position,
                            key,
                            message.MessageId,
                            report.Error.IsError ? null : report.TopicPartitionOffset,
                            report.Error.IsError ? report.Error : null)),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ProduceException<string?, byte[]> exception)
            {
                // Rejected before it was queued (e.g. larger than message.max.bytes): no callback will come.
                Complete(position, new BatchSendResult(position, key, message.MessageId, null, exception.Error));
            }
        }

        await allDelivered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var failures = results.Count(result => !result.Succeeded);
        if (failures < results.Length)
        {
            flowObserver.OnProduced(topic, results.Length - failures);
        }

        if (failures > 0)
        {
            logger.LogWarning("{Failures} of {Count} messages to {Topic} were not delivered", failures, results.Length, topic);
        }

        return results;
    }

    /// <summary>
    /// Sends bytes exactly as given (no envelope): used to dead-letter a record with its original key,
    /// value and headers untouched.
    /// </summary>
    /// <exception cref="MessageDeliveryException">The record was not delivered.</exception>
    public async Task<DeliveryResult<byte[]?, byte[]?>> SendRawAsync(
        string topic,
        byte[]? key,
        byte[]? value,
        Headers headers,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        try
        {
            Task<DeliveryResult<byte[]?, byte[]?>> delivery;
            EnterHandle();
            try
            {
                delivery = rawProducer.ProduceAsync(
                    topic, new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers }, cancellationToken);
            }
            finally
            {
                ExitHandle();
            }

            var delivered = await delivery.ConfigureAwait(false);
            flowObserver.OnProduced(topic, 1);
            return delivered;
        }
        catch (ProduceException<byte[]?, byte[]?> exception)
        {
            var printableKey = key is null ? null : Encoding.UTF8.GetString(key);
            throw new MessageDeliveryException(topic, printableKey, exception.Error.Code, exception.Error.Reason, exception);
        }
    }

    /// <summary>Waits (blocking) until queued messages are delivered or <paramref name="timeout"/> passes.</summary>
    /// <returns>How many messages were still undelivered.</returns>
    public int Flush(TimeSpan timeout)
    {
        EnterHandle();
        try
        {
            return producer.Flush(timeout);
        }
        finally
        {
            ExitHandle();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        // No new call can enter now; let the ones in progress leave the handle before it is destroyed.
        SpinWait.SpinUntil(() => Volatile.Read(ref callsInProgress) == 0);
        var undelivered = producer.Flush(disposeFlushTimeout);
        if (undelivered > 0)
        {
            logger.LogError("{Undelivered} messages were still undelivered when producer {ClientName} was disposed", undelivered, ClientName);
        }

        rawProducer.Dispose();
        producer.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        // Flush blocks for up to the timeout: keep it off the caller's thread.
        await Task.Factory.StartNew(Dispose, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Enters a call into librdkafka, or throws <see cref="ObjectDisposedException"/> once the producer is disposed. The
    /// host closes this producer before the embedded broker stops (KafkaClientShutdownService) and a caller may still
    /// send after that (a prediction result's pending retry when the stop outlived its timeout). librdkafka does not
    /// guard a destroyed handle: producing on it corrupts native memory and kills the process. Counting the call before
    /// looking at the flag (and Dispose setting the flag before waiting for the count) means no call can be inside the
    /// client when it is destroyed. Every EnterHandle is paired with an ExitHandle in a finally block.
    /// </summary>
    private void EnterHandle()
    {
        Interlocked.Increment(ref callsInProgress);
        if (Volatile.Read(ref disposed) == 1)
        {
            Interlocked.Decrement(ref callsInProgress);
            throw new ObjectDisposedException(nameof(KafkaProducerManager));
        }
    }

    private void ExitHandle() => Interlocked.Decrement(ref callsInProgress);

    private Message<string?, byte[]> ToRecord(KafkaMessage message, string? key)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = new Headers { { KafkaHeaderNames.MessageType, Encoding.UTF8.GetBytes(message.MessageType.ToWireName()) } };
        if (message.CorrelationId is { } correlationId)
        {
            headers.Add(KafkaHeaderNames.CorrelationId, Encoding.UTF8.GetBytes(correlationId));
        }

        return new Message<string?, byte[]>
        {
            Key = key,
            Value = serializer.Serialize(message),
            // The record timestamp is left to the client (now): the envelope's own may come from a test clock
            // and an old record timestamp would make the broker's retention delete the message at once.
            Headers = headers,
        };
    }

    private async Task ProduceWhenQueueHasRoomAsync(
        string topic,
        Message<string?, byte[]> record,
        Action<DeliveryReport<string?, byte[]>> onDelivered,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            bool queued;
            EnterHandle();
            try
            {
                queued = TryProduce(topic, record, onDelivered);
            }
            finally
            {
                ExitHandle();
            }

            if (queued)
            {
                return;
            }

            // The local queue (queue.buffering.max.messages) is full: wait for deliveries to drain it.
            await Task.Delay(QueueFullBackoff, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <returns>False when librdkafka's local queue is full; any other refusal throws.</returns>
    private bool TryProduce(string topic, Message<string?, byte[]> record, Action<DeliveryReport<string?, byte[]>> onDelivered)
    {
        try
        {
            producer.Produce(topic, record, onDelivered);
            return true;
        }
        catch (ProduceException<string?, byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
    }
}
