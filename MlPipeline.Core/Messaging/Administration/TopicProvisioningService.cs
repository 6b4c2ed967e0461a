using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MlPipeline.Core.Messaging.Administration;

/// <param name="Topics">What must exist.</param>
/// <param name="RetryDelay">Wait between attempts while the broker cannot be reached.</param>
public sealed record TopicProvisioningOptions(IReadOnlyList<TopicSpec> Topics, TimeSpan RetryDelay);

/// <summary>
/// Makes sure every configured topic exists, as the original setup script did, without blocking start-up: an
/// unreachable external broker must not hang the host (health reports it instead), so creation runs in the
/// background and retries until it succeeds. Stages that consume await <see cref="WhenReadyAsync"/> first,
/// because a consumer subscribed to a missing topic would only notice it at its next metadata refresh.
/// </summary>
public sealed class TopicProvisioningService(
    ITopicCreator administrator,
    TopicProvisioningOptions options,
    TimeProvider timeProvider,
    ILogger<TopicProvisioningService> logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once every topic exists.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>The last failure while creating topics, while not yet ready.</summary>
    public string? LastError { get; private set; }

    public Task WhenReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await administrator.EnsureTopicsAsync(options.Topics, stoppingToken);
                logger.LogInformation(
                    "Topics ready: created {Created}, already present {Existing}",
                    result.Created.Count == 0 ? "none" : string.Join(", ", result.Created),
                    result.AlreadyExisting.Count);
                LastError = null;
                _ready.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LastError = exception.Message;
                logger.LogWarning(
                    "Could not create the pipeline's topics ({Error}); retrying in {Delay}",
                    exception.Message, options.RetryDelay);
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
    }
}
