namespace MlPipeline.Core.Configuration;

/// <summary>The <c>error_handling:</c> section: what a stage does with a message its handler failed on.</summary>
public sealed class ErrorHandlingOptions
{
    internal const string DefaultDeadLetterTopic = "ml-pipeline-dead-letter";

    /// <summary>Handler retries (Polly) before a message is dead-lettered; 0 means no retry. <value>Default 3.</value></summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Seconds before the first retry (backoff base). <value>Default 5.</value></summary>
    public int RetryDelaySeconds { get; set; } = 5;

    /// <summary>Topic that receives failed messages with the error in headers. The single source of this name;
    /// <see cref="TopicsOptions.DeadLetterTopic"/> mirrors it. <value>Default <c>ml-pipeline-dead-letter</c>.</value></summary>
    public string DeadLetterTopic { get; set; } = DefaultDeadLetterTopic;

    /// <summary>Send exhausted messages to <see cref="DeadLetterTopic"/>; when false they are logged and skipped.
    /// <value>Default true.</value></summary>
    public bool EnableDeadLetterQueue { get; set; } = true;
}
