using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlPipeline.Host;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Host;

/// <summary>
/// The real service, in process: built by <see cref="PipelineApplication"/> from a YAML file written for the test,
/// with Kestrel on a free loopback port and (in embedded mode) its own broker on another free port and data in a
/// temporary directory. Dispose stops the host and deletes the directory.
/// </summary>
public sealed class PipelineHostRunner : IAsyncDisposable
{
    private readonly TemporaryDirectory _directory;

    private PipelineHostRunner(WebApplication app, TemporaryDirectory directory, HttpClient client)
    {
        App = app;
        _directory = directory;
        Client = client;
    }

    public WebApplication App { get; }

    /// <summary>A client whose base address is the host's HTTP endpoint.</summary>
    public HttpClient Client { get; }

    public string DataDirectory => _directory.Path;

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>
    /// Starts a host from the sections in <paramref name="yaml"/> (every other key keeps its default). Unless the
    /// YAML says otherwise the broker is embedded on a free port with data under the test's directory.
    /// <c>{dir}</c> in the YAML stands for that directory. <paramref name="addLogging"/> may add a provider (e.g. to
    /// record warnings); the minimum level stays Warning. <paramref name="configureEmbeddedBroker"/> may replace the
    /// embedded broker's services (its storage).
    /// </summary>
    public static async Task<PipelineHostRunner> StartAsync(
        string yaml = "",
        IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default,
        Action<ILoggingBuilder>? addLogging = null,
        Action<IServiceCollection>? configureEmbeddedBroker = null)
    {
        var directory = new TemporaryDirectory();
        try
        {
            string configPath = System.IO.Path.Combine(directory.Path, "kafka_config.yaml");
            await File.WriteAllTextAsync(configPath, WithTestDefaults(yaml.Replace("{dir}", directory.Path, StringComparison.Ordinal), directory.Path), cancellationToken);
            var settings = new PipelineHostSettings(configPath, environment ?? new Dictionary<string, string?>(), [])
            {
                ConfigureEmbeddedBroker = configureEmbeddedBroker,
            };
            // Console logging stays: NUnit captures it per test and shows it with a failure (Kestrel's own errors included).
            var app = await PipelineApplication.BuildAsync(
                settings,
                logging =>
                {
                    logging.SetMinimumLevel(LogLevel.Warning);
                    addLogging?.Invoke(logging);
                },
                cancellationToken);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
            return new PipelineHostRunner(app, directory, client);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _directory.Dispose();
    }

    // Sections given by the test replace these wholesale, so each default is a whole section.
    private static string WithTestDefaults(string yaml, string directory)
    {
        var sections = new List<string> { yaml };
        if (!yaml.Contains("broker:", StringComparison.Ordinal))
            sections.Add($"broker:\n  mode: embedded\n  port: 0\n  data_dir: \"{System.IO.Path.Combine(directory, "broker")}\"\n  startup_timeout_seconds: 5\n");
        if (!yaml.Contains("http:", StringComparison.Ordinal))
            sections.Add("http:\n  host: 127.0.0.1\n  port: 0\n");
        // Data, rows and models stay in the test's directory; the first-start sample ingestion is off unless asked for.
        if (!yaml.Contains("data:", StringComparison.Ordinal))
            sections.Add($"data:\n  data_dir: \"{System.IO.Path.Combine(directory, "data")}\"\n  ingest_sample_on_first_start: false\n");
        if (!yaml.Contains("training:", StringComparison.Ordinal))
            sections.Add($"training:\n  data_dir: \"{System.IO.Path.Combine(directory, "training")}\"\n  models_dir: \"{System.IO.Path.Combine(directory, "models")}\"\n  trainer: fasttree\n  number_of_trees: 20\n");
        // Tests that send hundreds of calls prove other things than the rate limiter (RateLimitTests set their own).
        if (!yaml.Contains("rate_limits:", StringComparison.Ordinal))
            sections.Add("rate_limits:\n  enabled: false\n");
        if (!yaml.Contains("error_handling:", StringComparison.Ordinal))
            sections.Add("error_handling:\n  retry_delay_seconds: 0\n");
        return string.Join("\n", sections);
    }
}
