using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using MlPipeline.Core.Configuration;
using MlPipeline.Core.Training;
using MlPipeline.Host.Apis;
using MlPipeline.Tests.Core.Data;
using MlPipeline.Tests.Infrastructure;
using static MlPipeline.Tests.Host.DataPipeline.DataPipelineTestHost;

namespace MlPipeline.Tests.Host.DataPipeline;

/// <summary>
/// POST /api/train cannot pile up retrains: requests for a model join its waiting training, so a burst starts at most
/// two (the one running and the one waiting), and a full queue answers 503 with Retry-After.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class TrainRequestMergingTests
{
    [Test]
    public async Task TwoHundredTrainRequestsForOneModel_StartAtMostTwoTrainings()
    {
        using var data = new TemporaryDirectory("data");
        File.Copy(TestData.SalesDatasetPath, Path.Combine(data.Path, "Sales Dataset.csv"));
        // Trainings long enough (many trees) that the whole burst arrives while the first one it started still runs.
        await using var host = await PipelineHostRunner.StartAsync(Yaml(data.Path).Replace("number_of_trees: 20", "number_of_trees: 400", StringComparison.Ordinal));
        await IngestAsync(host.Client, "Sales Dataset.csv");
        Assert.That(async () => (await host.Client.GetAsync("/api/models/sales/1")).StatusCode, Is.EqualTo(HttpStatusCode.OK).After(60_000, 200),
            "the dataset's own training");
        Assert.That(() => StartedTrainings(host), Is.EqualTo(1).After(20_000, 200));

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await host.Client.PostAsJsonAsync("/api/train", new { model = "sales" });
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));
        // Settled: nothing waits and every started training has ended (completed or failed).
        Assert.That(() => host.Service<TrainingQueue>().Count == 0 && StartedTrainings(host) == EndedTrainings(host), Is.True.After(120_000, 500));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(answers.Select(a => a.StatusCode), Is.All.EqualTo(HttpStatusCode.Accepted));
            Assert.That(answers.Select(a => a.Body.GetProperty("training_id").GetString()).Distinct().Count(), Is.InRange(1, 2),
                "every request queued or joined one of at most two trainings");
            Assert.That(answers.Count(a => a.Body.GetProperty("status").GetString() == "joined"), Is.GreaterThanOrEqualTo(198));
            Assert.That(StartedTrainings(host) - 1, Is.InRange(1, 2), "trainings the burst started");
        }
    }

    [Test]
    public async Task TrainingQueueFull_TrainAnswers503WithRetryAfterAndAProblem()
    {
        using var directory = new TemporaryDirectory("train-queue-full");
        var queue = new TrainingQueue(capacity: 1);
        queue.TryEnqueue(new QueuedTraining(new TrainingRequest("waiting", null), DatasetCompleted: false));
        await using var stores = new TrainingDataStoreProvider(new TrainingDataStoreOptions { Directory = Path.Combine(directory.Path, "rows") });
        var jobs = new TrainingJobStore(Path.Combine(directory.Path, "jobs"));
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("""{"model": "another"}"""));

        var answer = await ModelsApi.TrainAsync(context.Request, stores, jobs, queue, new PipelineConfig(), CancellationToken.None);

        var problem = answer.Result as ProblemHttpResult;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(problem?.StatusCode, Is.EqualTo(StatusCodes.Status503ServiceUnavailable));
            Assert.That(problem?.ProblemDetails.Detail, Does.Contain("training.max_queued_trainings"));
            Assert.That(context.Response.Headers.RetryAfter.ToString(), Is.Not.Empty);
            Assert.That(queue.Count, Is.EqualTo(1), "nothing was queued");
        }
    }

    private static int StartedTrainings(PipelineHostRunner host) => CountEvents(host, "started");

    private static int EndedTrainings(PipelineHostRunner host) => CountEvents(host, "completed") + CountEvents(host, "failed");

    private static int CountEvents(PipelineHostRunner host, string kind)
    {
        using var consumer = KafkaTestClients.BuildConsumer<Ignore, string>(KafkaTestClients.ConsumerConfig(BootstrapServers(host)));
        var partitions = Enumerable.Range(0, 3).Select(p => new TopicPartition("ml-pipeline-model-training", p)).ToList();
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High.Value);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        var count = 0;
        var read = 0L;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (read < ends.Values.Sum() && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not { IsPartitionEOF: false } record)
                continue;
            read++;
            var data = JsonDocument.Parse(record.Message.Value).RootElement.GetProperty("data");
            if (data.GetProperty("model").GetString() == "sales" && data.GetProperty("event").GetString() == kind)
                count++;
        }

        consumer.Close();
        return count;
    }
}
