using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class TrainingQueueTests
{
    [Test]
    public void ManyRequestsForOneModel_JoinTheOneWaitingTraining()
    {
        var queue = new TrainingQueue(capacity: 10);

        var tickets = Enumerable.Range(0, 200).Select(_ => queue.TryEnqueue(Caller("sales"))).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(tickets[0].Outcome, Is.EqualTo(TrainingQueueOutcome.Queued));
            Assert.That(tickets.Skip(1).Select(t => t.Outcome), Is.All.EqualTo(TrainingQueueOutcome.Joined));
            Assert.That(tickets.Select(t => t.TrainingId).Distinct().Count(), Is.EqualTo(1), "every caller got the one training's id");
            Assert.That(queue.Count, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task TakenTraining_FreesTheModelSoTheNextRequestQueuesANewOne()
    {
        var queue = new TrainingQueue(capacity: 10);
        var first = queue.TryEnqueue(Caller("sales"));

        var taken = await queue.DequeueAsync(CancellationToken.None);
        var second = queue.TryEnqueue(Caller("sales"));
        var joined = queue.TryEnqueue(Caller("sales"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(taken.TrainingId, Is.EqualTo(first.TrainingId));
            Assert.That(second.Outcome, Is.EqualTo(TrainingQueueOutcome.Queued), "one may wait while one runs");
            Assert.That(second.TrainingId, Is.Not.EqualTo(first.TrainingId));
            Assert.That(joined.TrainingId, Is.EqualTo(second.TrainingId));
        }
    }

    [Test]
    public void AtCapacity_CallersAreRefused_CompletedDatasetsAndWaitingModelsStillGetIn()
    {
        var queue = new TrainingQueue(capacity: 2);
        queue.TryEnqueue(Caller("a"));
        queue.TryEnqueue(Caller("b"));

        var refused = queue.TryEnqueue(Caller("c"));
        var joined = queue.TryEnqueue(Caller("a"));
        var completed = queue.Enqueue(new QueuedTraining(new TrainingRequest("d", "ds-1"), DatasetCompleted: true));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused, Is.EqualTo(new TrainingTicket(TrainingQueueOutcome.Full, null, null)));
            Assert.That(joined.Outcome, Is.EqualTo(TrainingQueueOutcome.Joined), "joining adds no work, so it is never refused");
            Assert.That(completed.Outcome, Is.EqualTo(TrainingQueueOutcome.Queued), "a completed dataset's training is recorded durably and must not be lost");
            Assert.That(queue.Count, Is.EqualTo(3));
        }
    }

    [Test]
    public async Task RequestsForDifferentDatasetsOfOneModel_MergeIntoAllDataAndRememberEveryCompletedDataset()
    {
        var queue = new TrainingQueue(capacity: 10);
        queue.Enqueue(new QueuedTraining(new TrainingRequest("sales", "ds-1"), DatasetCompleted: true));
        queue.Enqueue(new QueuedTraining(new TrainingRequest("sales", "ds-2"), DatasetCompleted: true));
        queue.Enqueue(new QueuedTraining(new TrainingRequest("other", "ds-3"), DatasetCompleted: true));

        var sales = await queue.DequeueAsync(CancellationToken.None);
        var other = await queue.DequeueAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(sales.Request, Is.EqualTo(new TrainingRequest("sales", null)));
            Assert.That(sales.CompletedDatasets, Is.EqualTo(new[] { "ds-1", "ds-2" }));
            Assert.That(sales.RequestedByCaller, Is.False);
            Assert.That(other.Request, Is.EqualTo(new TrainingRequest("other", "ds-3")), "another model's training is untouched");
        }
    }

    [Test]
    public async Task CallerJoiningADatasetTraining_MakesItRunEvenIfTheDatasetIsAlreadyDone()
    {
        var queue = new TrainingQueue(capacity: 10);
        queue.Enqueue(new QueuedTraining(new TrainingRequest("sales", "ds-1"), DatasetCompleted: true));
        queue.TryEnqueue(new QueuedTraining(new TrainingRequest("sales", "ds-1"), DatasetCompleted: false));

        var taken = await queue.DequeueAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(taken.Request, Is.EqualTo(new TrainingRequest("sales", "ds-1")), "same scope: nothing widens");
            Assert.That(taken.RequestedByCaller, Is.True);
        }
    }

    private static QueuedTraining Caller(string model) => new(new TrainingRequest(model, null), DatasetCompleted: false);
}
