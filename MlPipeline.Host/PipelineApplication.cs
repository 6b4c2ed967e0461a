using MlPipeline.Broker;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Core.Security;
using MlPipeline.Host.Apis;
using MlPipeline.Host.Apis.Http;
using MlPipeline.Host.Hosting;

namespace MlPipeline.Host;

/// <summary>What a host is built from: the configuration file, the environment that overrides it, and command-line args.</summary>
/// <param name="ConfigPath">Path of <c>kafka_config.yaml</c>.</param>
/// <param name="Environment">Variables that override the file (KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, PORT).</param>
/// <param name="Args">ASP.NET Core command-line args (e.g. <c>--urls</c>).</param>
public sealed record PipelineHostSettings(string ConfigPath, IReadOnlyDictionary<string, string?> Environment, string[] Args)
{
    /// <summary>A last say over the embedded broker's services: tests put a failing disk under it this way.</summary>
    internal Action<IServiceCollection>? ConfigureEmbeddedBroker { get; init; }
}

/// <summary>Builds the whole service: one Generic Host with the pipeline's hosted services and the HTTP API.</summary>
public static class PipelineApplication
{
    /// <summary>Environment variable naming the configuration file, when <c>--config</c> is not given.</summary>
    public const string ConfigPathVariable = "MLPIPELINE_CONFIG";

    public const string DefaultConfigPath = "config/kafka_config.yaml";

    /// <summary>
    /// Loads and validates the configuration, builds the host and, in embedded mode, starts the broker (so that every
    /// Kafka client is configured with its real address). Throws <see cref="ConfigurationException"/> (one line per
    /// problem) before anything starts when the configuration is unusable. The caller runs (or disposes) the host.
    /// </summary>
    /// <param name="configureLogging">Adjusts logging after the <c>logging:</c> section was applied, so its calls win
    /// (tests raise the minimum level; a category the file names keeps the file's level).</param>
    public static async Task<WebApplication> BuildAsync(
        PipelineHostSettings settings, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        var config = PipelineConfigLoader.Load(settings.ConfigPath, settings.Environment);
        var keys = ApiKeyRing.Load(config.Auth, settings.Environment, settings.ConfigPath);
        var endpoint = KafkaEndpoint.Resolve(config);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = settings.Args,
            // Named explicitly: when a test process builds the host, the entry assembly is the test runner's.
            ApplicationName = typeof(PipelineApplication).Assembly.GetName().Name,
        });
        // Both are no-ops unless the process really runs under systemd (Type=notify) or the Windows service manager.
        builder.Host.UseSystemd();
        builder.Host.UseWindowsService(options => options.ServiceName = "MlPipeline");
        // How long stages may drain and commit after a stop request; install-systemd.sh sizes TimeoutStopSec from it.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(config.Service.ShutdownTimeoutSeconds));
        ConfigureUrls(builder, config.Http);
        RefuseOpenExposure(builder, config, keys, settings.ConfigPath);
        builder.Logging.AddPipelineLogging(config.Logging, builder.Environment);
        configureLogging?.Invoke(builder.Logging);

        builder.Services.AddSingleton(new ServiceClock(DateTimeOffset.UtcNow));
        builder.Services.AddPipelineConfiguration(config);
        builder.Services.AddPipelineMessaging(config, endpoint);
        builder.Services.AddSchemaRegistration(config);
        builder.Services.AddDataPipeline(config);
        builder.Services.AddServingStage(config);
        builder.Services.AddMonitoring(config);
        builder.Services.ConfigureHttpJsonOptions(options => JsonDefaults.Configure(options.SerializerOptions));
        builder.Services.AddApiErrorHandling();
        builder.Services.AddOpenApi();
        builder.Services.AddApiSecurity(config, keys);

        var app = builder.Build();
        if (endpoint.EmbeddedBroker is { } brokerOptions)
        {
            var server = await BrokerServer.StartAsync(
                brokerOptions, app.Services.GetRequiredService<ILoggerFactory>(), timeProvider: null, settings.ConfigureEmbeddedBroker, cancellationToken);
            endpoint.AttachEmbeddedBroker(server);
        }

        app.UseApiErrorHandling();
        app.UseApiSecurity();
        app.MapOpenApi();
        app.MapHealthApi();
        app.MapTopicsApi();
        app.MapStatusApi();
        app.MapIngestionApi();
        app.MapModelsApi();
        app.MapPredictionsApi();
        app.MapInferenceV2Api();
        app.MapMonitoringApi();
        return app;
    }

    /// <summary>Where the configuration file is: <c>--config PATH</c>, then MLPIPELINE_CONFIG, then the default.</summary>
    public static string ResolveConfigPath(string[] args, IReadOnlyDictionary<string, string?> environment)
    {
        int index = Array.IndexOf(args, "--config");
        return ResolveConfigPath(index >= 0 && index + 1 < args.Length ? args[index + 1] : null, environment);
    }

    /// <summary>Where the configuration file is: <paramref name="explicitPath"/> (from <c>--config</c>), then MLPIPELINE_CONFIG, then the default.</summary>
    public static string ResolveConfigPath(string? explicitPath, IReadOnlyDictionary<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
            return explicitPath;
        if (environment.TryGetValue(ConfigPathVariable, out var fromEnvironment) && !string.IsNullOrWhiteSpace(fromEnvironment))
            return fromEnvironment;
        // `dotnet run` from the repository root finds config/ in the working directory; a published service finds
        // the copy next to its binary.
        return File.Exists(DefaultConfigPath)
            ? DefaultConfigPath
            : Path.Combine(AppContext.BaseDirectory, DefaultConfigPath);
    }

    /// <summary>Stops start-up (as a configuration error: exit 2, one line) when the API would listen beyond this machine
    /// with no key configured and <c>auth.allow_anonymous</c> is not set.</summary>
    private static void RefuseOpenExposure(WebApplicationBuilder builder, PipelineConfig config, ApiKeyRing keys, string configPath)
    {
        var urls = (builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ListenAddressGuard.Check(urls, keys.HasKeys, config.Auth.AllowAnonymous) is { } refusal)
            throw new ConfigurationException($"{configPath}: {refusal}");
    }

    private static void ConfigureUrls(WebApplicationBuilder builder, HttpOptions http)
    {
        // --urls / ASPNETCORE_URLS win: they are how hosting environments assign addresses.
        if (!string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            return;
        builder.WebHost.UseUrls($"http://{http.Host}:{http.Port}");
    }
}
