using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Reading;
using MlPipeline.Core.Messaging;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Core.Serving;

/// <summary>Where and how the HTTP API reads results.</summary>
/// <param name="Consumer">Client settings; no group is joined (see <see cref="TopicTailReader"/>).</param>
/// <param name="ResultsTopic">The prediction results topic.</param>
/// <param name="StartupWait">How long start-up waits for the reader before letting the host start anyway (requests get 503 until it is ready).</param>
public sealed record PredictionResultsListenerOptions(ConsumerConfig Consumer, string ResultsTopic, TimeSpan StartupWait);

/// <summary>
/// Feeds this API instance's <see cref="PredictionResultCache"/> from the results topic. It starts in the host's
/// start-up, before the HTTP server accepts requests, so a result can never arrive before its reader; while it is not
/// assigned yet (topics still being created, broker unreachable) <see cref="IsReady"/> is false and the API refuses
/// predictions rather than issue ids whose results it might miss.
/// </summary>
public sealed class PredictionResultsListener(
    PredictionResultsListenerOptions options,
    PredictionResultCache cache,
    KafkaMessageSerializer serializer,
    TopicProvisioningService topics,
    TimeProvider timeProvider,
    ILogger<PredictionResultsListener> logger) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task running = Task.CompletedTask;
    private TopicTailReader? reader;
    private int disposed;

    public bool IsReady => ready.Task.IsCompletedSuccessfully;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        running = RunAsync(stopping.Token);
        try
        {
            await ready.Task.WaitAsync(options.StartupWait, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("Prediction results reader is not ready after {Wait}; predictions are refused until it is", options.StartupWait);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref disposed) == 1)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await running.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await topics.WhenReadyAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                var candidate = new TopicTailReader(options.Consumer, options.ResultsTopic, OnRecord, options.StartupWait, logger);
                try
                {
                    await candidate.StartAsync(cancellationToken).ConfigureAwait(false);
                    reader = candidate;
                    ready.TrySetResult();
                    await Task.Delay(Timeout.InfiniteTimeSpan, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning("Prediction results reader could not start ({Reason}); retrying", exception.Message);
                    await candidate.DisposeAsync().ConfigureAwait(false);
                    await Task.Delay(RetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("Prediction results reader stopped");
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void OnRecord(ConsumeResult<byte[]?, byte[]?> record)
    {
        // The header (or key) tells whose result it is without parsing: most results on a shared topic are other instances'.
        var requestId = record.Message.Headers?.TryGetLastBytes(KafkaHeaderNames.CorrelationId, out var header) == true && header is not null
            ? Encoding.UTF8.GetString(header)
            : record.Message.Key is { } key ? Encoding.UTF8.GetString(key) : null;
        if (requestId is null || !cache.IsPending(requestId))
        {
            return;
        }

        if (!serializer.TryDeserialize(record.Message.Value, out var envelope, out var reason))
        {
            logger.LogWarning("Result for request {RequestId} is not a valid envelope: {Reason}", requestId, reason);
            return;
        }

        try
        {
            cache.TryComplete(envelope.CorrelationId ?? requestId, PredictionResult.FromJson(envelope.Data));
        }
        catch (JsonException exception)
        {
            logger.LogWarning("Result for request {RequestId} is not a prediction result: {Reason}", requestId, exception.Message);
        }
    }
}
