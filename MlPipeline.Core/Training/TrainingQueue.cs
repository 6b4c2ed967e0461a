using System.Threading.Channels;

namespace MlPipeline.Core.Training;

/// <summary>
/// A training run asked for. <see cref="DatasetCompleted"/>: triggered by a complete dataset (recorded in
/// <see cref="TrainingJobStore"/>), not by a caller.
/// </summary>
public sealed record QueuedTraining(TrainingRequest Request, bool DatasetCompleted);

/// <summary>What became of a request to queue a training.</summary>
public enum TrainingQueueOutcome
{
    /// <summary>A new training was queued for the model.</summary>
    Queued,

    /// <summary>The model already had a training waiting; the request joined it.</summary>
    Joined,

    /// <summary>As many trainings as allowed are waiting; nothing was queued.</summary>
    Full,
}

/// <summary>The answer to <see cref="TrainingQueue.TryEnqueue"/>: the waiting training's id and what it will train, unless the queue was full.</summary>
public sealed record TrainingTicket(TrainingQueueOutcome Outcome, string? TrainingId, TrainingRequest? Request);

/// <summary>A training taken off the queue by the worker: the merged request and the completed datasets it covers.</summary>
/// <param name="TrainingId">The id callers were given when they queued or joined it.</param>
/// <param name="Request">What to train: one dataset, or all stored data of the model when requests for different datasets merged.</param>
/// <param name="CompletedDatasets">Datasets whose completion asked for this run; each is marked done after it.</param>
/// <param name="RequestedByCaller">True when an API call or the every-N-rows rule asked for it, not only completed datasets.</param>
public sealed record DequeuedTraining(string TrainingId, TrainingRequest Request, IReadOnlyList<string> CompletedDatasets, bool RequestedByCaller);

/// <summary>
/// Hands training runs from the consumer and the HTTP API to the one training worker, bounded and merged: a model has
/// at most one training waiting (with the one running, at most two per model), and later requests for it join the
/// waiting one instead of queueing another full retrain. Requests for different datasets of one model merge into a
/// run on all of its stored data, which covers both. Callers (<see cref="TryEnqueue"/>) are refused once
/// <c>capacity</c> trainings wait; a completed dataset (<see cref="Enqueue"/>) is never refused, because its need for
/// training is already recorded durably and the consumer must not block. Thread-safe.
/// </summary>
public sealed class TrainingQueue(int capacity)
{
    private readonly Lock gate = new();
    // model => its waiting training; guarded by gate. An entry leaves when the worker takes it.
    private readonly Dictionary<string, WaitingTraining> waiting = new(StringComparer.Ordinal);
    // The waiting trainings in arrival order; the worker reads them one by one.
    private readonly Channel<WaitingTraining> order = Channel.CreateUnbounded<WaitingTraining>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Most trainings waiting at once before callers are refused.</summary>
    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be at least 1");

    /// <summary>Trainings waiting now (not counting the one running).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return waiting.Count;
            }
        }
    }

    /// <summary>Queues a caller's request, or joins the model's waiting training; <see cref="TrainingQueueOutcome.Full"/> at capacity.</summary>
    public TrainingTicket TryEnqueue(QueuedTraining training) => Add(training, refuseWhenFull: true);

    /// <summary>Queues (or joins) a training that must not be refused: a completed dataset's, or one resumed at start.</summary>
    public TrainingTicket Enqueue(QueuedTraining training) => Add(training, refuseWhenFull: false);

    /// <summary>Waits for the next training and takes it: from now on, a new request for its model queues a new one.</summary>
    public async ValueTask<DequeuedTraining> DequeueAsync(CancellationToken cancellationToken)
    {
        var next = await order.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            waiting.Remove(next.Request.Model);
            return new DequeuedTraining(next.Id, next.Request, next.CompletedDatasets.ToArray(), next.RequestedByCaller);
        }
    }

    private TrainingTicket Add(QueuedTraining training, bool refuseWhenFull)
    {
        ArgumentNullException.ThrowIfNull(training);
        var request = training.Request;
        lock (gate)
        {
            if (waiting.TryGetValue(request.Model, out var existing))
            {
                existing.Merge(training);
                return new TrainingTicket(TrainingQueueOutcome.Joined, existing.Id, existing.Request);
            }

            if (refuseWhenFull && waiting.Count >= Capacity)
            {
                return new TrainingTicket(TrainingQueueOutcome.Full, null, null);
            }

            var created = new WaitingTraining(Guid.NewGuid().ToString("N"), request);
            created.Merge(training);
            waiting.Add(request.Model, created);
            order.Writer.TryWrite(created);
            return new TrainingTicket(TrainingQueueOutcome.Queued, created.Id, created.Request);
        }
    }

    /// <summary>One model's waiting training; changed only under the queue's gate.</summary>
    private sealed class WaitingTraining(string id, TrainingRequest request)
    {
        public string Id { get; } = id;

        public TrainingRequest Request { get; private set; } = request;

        public List<string> CompletedDatasets { get; } = [];

        public bool RequestedByCaller { get; private set; }

        public void Merge(QueuedTraining training)
        {
            // Two different scopes (two datasets, or a dataset and all data) merge into all data of the model.
            if (!string.Equals(Request.DatasetId, training.Request.DatasetId, StringComparison.Ordinal))
            {
                Request = Request with { DatasetId = null };
            }

            if (training.DatasetCompleted && training.Request.DatasetId is { } datasetId)
            {
                if (!CompletedDatasets.Contains(datasetId, StringComparer.Ordinal))
                {
                    CompletedDatasets.Add(datasetId);
                }
            }
            else
            {
                RequestedByCaller = true;
            }
        }
    }
}
