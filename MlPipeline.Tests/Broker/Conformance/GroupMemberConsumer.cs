using System.Diagnostics;
using Confluent.Kafka;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Conformance;

/// <summary>One message as a group member handled it, and whether committing it afterwards succeeded.</summary>
/// <summary>One message as a group member handled it (<paramref name="HandledAt"/>: a Stopwatch timestamp, to order
/// deliveries across members), and whether committing it afterwards succeeded.</summary>
public sealed record GroupDelivery(string Member, int Partition, long Offset, string Value, long HandledAt, bool Committed);

/// <summary>
/// A subscribed Confluent consumer running its blocking Consume loop on its own thread, as a pipeline stage
/// does: handle a message, then commit it synchronously (at-least-once). Records every delivery and its
/// current assignment (updated by the rebalance callbacks, which librdkafka runs inside Consume on the loop
/// thread) for the test thread to poll. Stops cleanly (<see cref="CloseAsync"/>: commit and LeaveGroup) or
/// dies (<see cref="KillAsync"/>: Dispose without Close, so it simply stops heartbeating, as a crashed
/// process would, and the broker must notice via the session timeout).
/// </summary>
public sealed class GroupMemberConsumer : IAsyncDisposable
{
    private readonly IConsumer<string, string> _consumer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    // Guarded by _gate: written on the loop thread, read by the test thread.
    private readonly HashSet<int> _assignment = [];
    private readonly List<GroupDelivery> _deliveries = [];
    private Exception? _failure;
    private readonly Task _loop;
    // Set by the test thread before it cancels the loop; read by the loop thread once the loop ends.
    private volatile bool _closeOnStop;

    public GroupMemberConsumer(string name, string bootstrapServers, string topic, string groupId)
    {
        Name = name;
        var config = KafkaTestClients.ConsumerConfig(bootstrapServers, groupId);
        config.ClientId = name;
        _consumer = new ConsumerBuilder<string, string>(config)
            .SetLogHandler((_, log) => TestContext.Progress.WriteLine($"[librdkafka {log.Level}] {name} {log.Facility}: {log.Message}"))
            .SetPartitionsAssignedHandler((_, partitions) => { lock (_gate) _assignment.UnionWith(partitions.Select(p => p.Partition.Value)); })
            .SetPartitionsRevokedHandler((_, partitions) => { lock (_gate) _assignment.ExceptWith(partitions.Select(p => p.Partition.Value)); })
            .SetPartitionsLostHandler((_, partitions) => { lock (_gate) _assignment.ExceptWith(partitions.Select(p => p.Partition.Value)); })
            .Build();
        _consumer.Subscribe(topic);
        _loop = Task.Factory.StartNew(RunLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public string Name { get; }

    /// <summary>The partitions this member owns right now.</summary>
    public IReadOnlySet<int> Assignment
    {
        get { lock (_gate) return _assignment.ToHashSet(); }
    }

    public IReadOnlyList<GroupDelivery> Deliveries
    {
        get { lock (_gate) return [.. _deliveries]; }
    }

    /// <summary>What ended the loop unexpectedly, if anything (a test asserts this is null).</summary>
    public Exception? Failure
    {
        get { lock (_gate) return _failure; }
    }

    /// <summary>Stops the loop, then Close(): the member leaves the group at once.</summary>
    public async Task CloseAsync()
    {
        _closeOnStop = true;
        await StopAsync();
    }

    /// <summary>Stops the loop and disposes without Close(): no LeaveGroup, no more heartbeats.</summary>
    public Task KillAsync() => StopAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _loop;
    }

    private void RunLoop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null || result.IsPartitionEOF) continue;
                long handledAt = Stopwatch.GetTimestamp();
                bool committed = TryCommit(result);
                lock (_gate) _deliveries.Add(new GroupDelivery(Name, result.Partition.Value, result.Offset.Value, result.Message.Value, handledAt, committed));
            }
            if (_closeOnStop) _consumer.Close();
        }
        catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
        {
            lock (_gate) _failure = ex;
        }
        finally
        {
            // With no Close() before it, Dispose destroys the handle without leaving the group.
            _consumer.Dispose();
        }
    }

    /// <summary>
    /// A commit racing a rebalance is refused (REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION): the message stays
    /// uncommitted and may be delivered again to the new owner, which at-least-once allows. Recorded, not thrown.
    /// </summary>
    private bool TryCommit(ConsumeResult<string, string> result)
    {
        try
        {
            _consumer.Commit(result);
            return true;
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            TestContext.Progress.WriteLine($"{Name}: commit of {result.TopicPartitionOffset} refused: {ex.Error.Reason}");
            return false;
        }
    }
}
