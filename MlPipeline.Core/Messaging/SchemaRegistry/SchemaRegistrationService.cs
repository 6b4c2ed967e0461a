using Confluent.SchemaRegistry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.SchemaRegistry;

/// <param name="Subjects">Value subjects to register the envelope schema under (<c>{topic}-value</c>).</param>
/// <param name="RetryDelay">Wait between attempts while the registry cannot be reached.</param>
public sealed record SchemaRegistrationOptions(IReadOnlyList<string> Subjects, TimeSpan RetryDelay);

/// <summary>
/// With <c>schema_registry.enabled</c>, registers the envelope's JSON Schema for every pipeline topic, so tools that
/// read through the registry (Kafka UI, ksqlDB, Connect) know the topics' shape. Like topic provisioning it runs in
/// the background and retries: a registry that is down must not keep the pipeline from starting. Registration is
/// Confluent's client (<c>POST /subjects/{subject}/versions</c>, idempotent: an identical schema returns its existing id).
/// </summary>
public sealed class SchemaRegistrationService(
    ISchemaRegistryClient client,
    SchemaRegistrationOptions options,
    TimeProvider timeProvider,
    ILogger<SchemaRegistrationService> logger) : BackgroundService
{
    private readonly Dictionary<string, int> _registered = [];

    /// <summary>Subject → schema id of what is registered so far.</summary>
    public IReadOnlyDictionary<string, int> Registered
    {
        get
        {
            lock (_registered)
                return new Dictionary<string, int>(_registered);
        }
    }

    /// <summary>The last failure, while some subject is not registered yet.</summary>
    public string? LastError { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pending = new Queue<string>(options.Subjects);
        while (pending.Count > 0 && !stoppingToken.IsCancellationRequested)
        {
            string subject = pending.Peek();
            try
            {
                // The client takes no cancellation token; a stop during a call waits at most its request timeout.
                int id = await client.RegisterSchemaAsync(subject, new Schema(EnvelopeJsonSchema.Text, SchemaType.Json), normalize: false);
                lock (_registered)
                    _registered[subject] = id;
                pending.Dequeue();
                continue;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is SchemaRegistryException or HttpRequestException or TaskCanceledException)
            {
                LastError = exception.Message;
                logger.LogWarning("Schema Registry: {Error}; retrying in {Delay}", exception.Message, options.RetryDelay);
            }

            try
            {
                await Task.Delay(options.RetryDelay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }

        LastError = null;
        logger.LogInformation("Schema Registry: envelope schema registered for {Count} subjects", options.Subjects.Count);
    }
}
