using System.CommandLine;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Messaging.Health;
using MlPipeline.Core.Messaging.Producing;
using MlPipeline.Core.Messaging.Reading;

namespace MlPipeline.Host.Cli;

/// <summary>
/// One verb's connection to Kafka, built from the same configuration file and environment overrides as
/// <c>serve</c>. In embedded mode it connects to the broker a running <c>serve</c> started; it never starts one
/// (a second broker on the same data directory would corrupt it, and would vanish when the verb exits).
/// </summary>
internal sealed class KafkaVerbSession : IDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    private KafkaVerbSession(PipelineConfig config, string configPath, string bootstrapServers, ILoggerFactory loggerFactory)
    {
        Config = config;
        ConfigPath = configPath;
        BootstrapServers = bootstrapServers;
        _loggerFactory = loggerFactory;
        ClientConfigs = new KafkaClientConfigFactory(config, bootstrapServers);
    }

    public PipelineConfig Config { get; }

    public string ConfigPath { get; }

    public string BootstrapServers { get; }

    public KafkaClientConfigFactory ClientConfigs { get; }

    /// <summary>Bound on each broker request: <c>broker.startup_timeout_seconds</c>.</summary>
    public TimeSpan RequestTimeout => TimeSpan.FromSeconds(Config.Broker.StartupTimeoutSeconds);

    /// <exception cref="ConfigurationException">The file is unusable, or another process cannot know the broker's address.</exception>
    public static KafkaVerbSession Open(ParseResult parseResult, CommandLineContext context)
    {
        var environment = context.Console.Environment;
        var configPath = PipelineApplication.ResolveConfigPath(parseResult.GetValue(context.Options.Config), environment);
        var config = PipelineConfigLoader.Load(configPath, environment);
        var bootstrap = OutOfProcessBootstrap.Resolve(config);
        if (bootstrap.BootstrapServers is null)
            throw new ConfigurationException([$"{configPath}: {bootstrap.Problem}"]);

        var loggerFactory = parseResult.GetValue(context.Options.Verbose)
            ? LoggerFactory.Create(logging => logging
                .SetMinimumLevel(LogLevel.Debug)
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            : NullLoggerFactory.Instance;
        return new KafkaVerbSession(config, configPath, bootstrap.BootstrapServers, loggerFactory);
    }

    public TopicAdministrator CreateTopicAdministrator() =>
        new(ClientConfigs.CreateAdminClientConfig(), _loggerFactory.CreateLogger<TopicAdministrator>(), RequestTimeout);

    public KafkaHealthChecker CreateHealthChecker() =>
        new(
            ClientConfigs.CreateAdminClientConfig(),
            new KafkaHealthCheckOptions
            {
                Timeout = RequestTimeout,
                ExpectedTopics = Config.Topics.All.Select(topic => topic.Name).ToArray(),
                ConsumerGroups = [Config.Consumer.GroupId],
                UncommittedStartsAt = Config.Consumer.AutoOffsetReset,
            },
            TimeProvider.System,
            _loggerFactory.CreateLogger<KafkaHealthChecker>());

    /// <summary>A producer with the pipeline's producer settings (idempotent, acks=all), as the stages use.</summary>
    public KafkaProducerManager CreateProducer() =>
        new(ClientConfigs.CreateProducerConfig(), new KafkaMessageSerializer(), TimeProvider.System, _loggerFactory.CreateLogger<KafkaProducerManager>(),
            disposeFlushTimeout: RequestTimeout);

    /// <summary>Starts watching <paramref name="topic"/> from its current end for the first envelope <paramref name="accepts"/> takes.</summary>
    public Task<TopicEnvelopeWatch> WatchAsync(string topic, Func<KafkaMessage, bool> accepts, CancellationToken cancellationToken) =>
        TopicEnvelopeWatch.StartAsync(ClientConfigs.CreateConsumerConfig(), topic, accepts, RequestTimeout,
            _loggerFactory.CreateLogger<TopicEnvelopeWatch>(), cancellationToken);

    public KafkaRoundTripProbe CreateRoundTripProbe() =>
        new(ClientConfigs.CreateProducerConfig(), ClientConfigs.CreateConsumerConfig(), _loggerFactory.CreateLogger<KafkaRoundTripProbe>());

    /// <summary>The one-line explanation of an unreachable broker, with what to do about it in this mode.</summary>
    public string Unreachable(string reason) =>
        Config.Broker.Mode == BrokerMode.Embedded
            ? $"error: no Kafka broker answered at {BootstrapServers} ({reason}). broker.mode is embedded in {ConfigPath}: " +
              "command-line verbs do not start a broker, they connect to the one a running 'serve' started on " +
              "broker.host:broker.port. Start the service first (MlPipeline.Host serve with the same --config), " +
              "or set broker.mode: external and kafka.bootstrap_servers."
            : $"error: no Kafka broker answered at {BootstrapServers} ({reason}). broker.mode is external: check " +
              $"kafka.bootstrap_servers in {ConfigPath} (or {PipelineConfigLoader.BootstrapServersVariable}) and that Kafka is running " +
              "(docker compose -f docker-compose.kafka.yml ps).";

    public void Dispose() => _loggerFactory.Dispose();

    /// <summary>
    /// Runs a verb's body with the failures every verb shares turned into one clear line and an exit code:
    /// configuration problems exit <see cref="ExitCodes.Usage"/>, Kafka failures <see cref="ExitCodes.Failure"/>.
    /// </summary>
    public static async Task<int> RunAsync(
        ParseResult parseResult, CommandLineContext context, Func<KafkaVerbSession, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        KafkaVerbSession session;
        try
        {
            session = Open(parseResult, context);
        }
        catch (ConfigurationException exception)
        {
            await context.Console.Error.WriteLineAsync(exception.Message);
            return ExitCodes.Usage;
        }

        using (session)
        {
            try
            {
                return await body(session, cancellationToken);
            }
            catch (KafkaException exception) when (IsUnreachable(exception.Error))
            {
                await context.Console.Error.WriteLineAsync(session.Unreachable(exception.Error.Reason));
                return ExitCodes.Failure;
            }
            catch (Exception exception) when (exception is KafkaException or TimeoutException or InvalidDataException or MessageDeliveryException)
            {
                await context.Console.Error.WriteLineAsync($"error: {exception.Message}");
                return ExitCodes.Failure;
            }
        }
    }

    private static bool IsUnreachable(Error error) =>
        error.Code is ErrorCode.Local_Transport or ErrorCode.Local_TimedOut or ErrorCode.Local_AllBrokersDown
            or ErrorCode.Local_MsgTimedOut or ErrorCode.RequestTimedOut or ErrorCode.Local_Resolve;
}
