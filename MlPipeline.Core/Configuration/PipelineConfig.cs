namespace MlPipeline.Core.Configuration;

/// <summary>
/// The whole of <c>config/kafka_config.yaml</c>: one property per top-level section, one options class per section.
/// To add a section, add its options class and a property here (the loader and the unknown-key check find it by
/// its snake_case name, e.g. <c>SchemaRegistry</c> ↔ <c>schema_registry:</c>), its rules to
/// <see cref="PipelineConfigValidator"/>, and one line to <see cref="ConfigurationServiceCollectionExtensions"/>.
/// </summary>
/// <remarks>A section written as an empty key (<c>monitoring:</c>) deserializes to null; the setters turn that back
/// into the section's defaults so no consumer ever sees a null section.</remarks>
public sealed class PipelineConfig
{
    public PipelineConfig() => Topics.ErrorHandlingSource = ErrorHandling;

    public KafkaOptions Kafka { get; set => field = value ?? new(); } = new();

    public TopicsOptions Topics
    {
        get;
        set
        {
            field = value ?? new();
            field.ErrorHandlingSource = ErrorHandling;
        }
    } = new();

    public ProducerOptions Producer { get; set => field = value ?? new(); } = new();

    public ConsumerOptions Consumer { get; set => field = value ?? new(); } = new();

    public SchemaRegistryOptions SchemaRegistry { get; set => field = value ?? new(); } = new();

    public MonitoringOptions Monitoring { get; set => field = value ?? new(); } = new();

    public ErrorHandlingOptions ErrorHandling
    {
        get;
        set
        {
            field = value ?? new();
            Topics.ErrorHandlingSource = field;
        }
    } = new();

    public PerformanceOptions Performance { get; set => field = value ?? new(); } = new();

    public BrokerSectionOptions Broker { get; set => field = value ?? new(); } = new();

    public HttpOptions Http { get; set => field = value ?? new(); } = new();

    public ServiceOptions Service { get; set => field = value ?? new(); } = new();

    public DataSectionOptions Data { get; set => field = value ?? new(); } = new();

    public TrainingSectionOptions Training { get; set => field = value ?? new(); } = new();

    public ServingOptions Serving { get; set => field = value ?? new(); } = new();

    public AlertsOptions Alerts { get; set => field = value ?? new(); } = new();

    public AuthOptions Auth { get; set => field = value ?? new(); } = new();

    public RateLimitOptions RateLimits { get; set => field = value ?? new(); } = new();

    public LoggingOptions Logging { get; set => field = value ?? new(); } = new();
}
