using System.Threading.Channels;

namespace MlPipeline.Core.Training;

/// <summary>A queued training run. <see cref="DatasetCompleted"/>: triggered by a complete dataset (recorded in <see cref="TrainingJobStore"/>).</summary>
public sealed record QueuedTraining(TrainingRequest Request, bool DatasetCompleted);

/// <summary>
/// Hands training runs from the consumer (which must not block for minutes) and the HTTP API to the one training
/// worker. Unbounded on purpose: entries are tiny and the consumer must never wait on a long training run.
/// </summary>
public sealed class TrainingQueue
{
    private readonly Channel<QueuedTraining> channel = Channel.CreateUnbounded<QueuedTraining>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<QueuedTraining> Reader => channel.Reader;

    public void Enqueue(QueuedTraining training) => channel.Writer.TryWrite(training);
}
