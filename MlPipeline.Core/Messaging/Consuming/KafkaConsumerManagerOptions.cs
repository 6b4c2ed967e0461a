namespace MlPipeline.Core.Messaging.Consuming;

/// <summary>How consumed messages are retried, dead-lettered and drained. Defaults follow config/kafka_config.yaml.</summary>
public sealed record KafkaConsumerManagerOptions
{
    /// <summary>Retries of a failing handler before its message is dead-lettered; 0 dead-letters on the first failure. <value>Default 3.</value></summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Delay before the first retry; doubled for each later one; zero retries at once. <value>Default 1 s.</value></summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Shortest delay between two attempts to dead-letter a message: even with <see cref="RetryBaseDelay"/> zero, an
    /// unreachable dead-letter topic must not be retried in a tight loop. <value>Default 100 ms.</value>
    /// </summary>
    public TimeSpan DeadLetterMinimumDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between two attempts, also for the endless dead-letter retries. <value>Default 30 s.</value></summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>When false a message that still fails is logged as an error and skipped. <value>Default true.</value></summary>
    public bool EnableDeadLetter { get; init; } = true;

    /// <value>Default <c>ml-pipeline-dead-letter</c>.</value>
    public string DeadLetterTopic { get; init; } = "ml-pipeline-dead-letter";

    /// <summary>
    /// With the client's auto-commit off (<c>consumer.enable_auto_commit: false</c>), handled offsets are committed after
    /// this many messages (<c>consumer.max_poll_records</c>), whenever the consumer goes idle, on rebalance and on stop.
    /// Ignored while auto-commit is on. <value>Default 500.</value>
    /// </summary>
    public int CommitEvery { get; init; } = 500;

    /// <summary>
    /// Most records one subscription handles at once (<c>performance.consumer_threads</c>), never two of the same
    /// partition: each partition is handled in order on its own lane, and lanes of different partitions run side by
    /// side. More than the partitions a member is assigned just stay idle; 1 handles one record at a time.
    /// <value>Default 4.</value>
    /// </summary>
    public int MaxConcurrentHandlers { get; init; } = 4;

    /// <summary>
    /// How long a stop waits for the in-flight handlers before cancelling them; also how long a rebalance waits for the
    /// handlers of revoked partitions before giving up on them (they are then redelivered to the new owner).
    /// <value>Default 10 s.</value>
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MaxRetries < 0)
        {
            throw new ArgumentException($"MaxRetries must be 0 or more, was {MaxRetries}.", nameof(MaxRetries));
        }

        if (RetryBaseDelay < TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
        {
            throw new ArgumentException(
                $"RetryBaseDelay must be zero or more and at most RetryMaxDelay, were {RetryBaseDelay} and {RetryMaxDelay}.",
                nameof(RetryBaseDelay));
        }

        if (CommitEvery < 1)
        {
            throw new ArgumentException($"CommitEvery must be 1 or more, was {CommitEvery}.", nameof(CommitEvery));
        }

        if (MaxConcurrentHandlers < 1)
        {
            throw new ArgumentException($"MaxConcurrentHandlers must be 1 or more, was {MaxConcurrentHandlers}.", nameof(MaxConcurrentHandlers));
        }

        if (EnableDeadLetter && string.IsNullOrWhiteSpace(DeadLetterTopic))
        {
            throw new ArgumentException("DeadLetterTopic must be set when dead-lettering is enabled.", nameof(DeadLetterTopic));
        }

        if (ShutdownGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException($"ShutdownGracePeriod must not be negative, was {ShutdownGracePeriod}.", nameof(ShutdownGracePeriod));
        }
    }
}
