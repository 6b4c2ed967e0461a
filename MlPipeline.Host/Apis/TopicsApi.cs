using Microsoft.AspNetCore.Http.HttpResults;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Host.Security;

namespace MlPipeline.Host.Apis;

/// <summary><c>GET /api/topics</c>: the topics on the broker and which configuration key names each pipeline topic.</summary>
internal static class TopicsApi
{
    public sealed record TopicSummary(string Name, int Partitions, string? ConfiguredAs);

    public sealed record TopicsResponse(IReadOnlyList<TopicSummary> Topics, IReadOnlyList<string> MissingConfiguredTopics);

    public static IEndpointRouteBuilder MapTopicsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/topics").RequireApiRole(ApiAccess.Predict);
        api.MapGet("", ListTopicsAsync)
            .WithTags("Topics")
            .WithSummary("Topics on the broker with their partition counts; configured pipeline topics that are missing.");
        return app;
    }

    internal static async Task<Results<Ok<TopicsResponse>, ProblemHttpResult>> ListTopicsAsync(
        TopicAdministrator administrator, PipelineConfig config, CancellationToken cancellationToken)
    {
        IReadOnlyList<TopicInfo> topics;
        try
        {
            topics = await administrator.DescribeTopicsAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return TypedResults.Problem(
                title: "Kafka is not reachable",
                detail: exception.Message,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var configured = config.Topics.All.ToDictionary(topic => topic.Name, topic => topic.KeyPath, StringComparer.Ordinal);
        var summaries = topics
            .OrderBy(topic => topic.Name, StringComparer.Ordinal)
            .Select(topic => new TopicSummary(topic.Name, topic.Partitions.Count, configured.GetValueOrDefault(topic.Name)))
            .ToArray();
        var present = topics.Select(topic => topic.Name).ToHashSet(StringComparer.Ordinal);
        var missing = configured.Keys.Where(name => !present.Contains(name)).Order(StringComparer.Ordinal).ToArray();
        return TypedResults.Ok(new TopicsResponse(summaries, missing));
    }
}
