namespace MlPipeline.Core.Configuration;

/// <summary>The <c>http:</c> section: the minimal API beside the stages.</summary>
public sealed class HttpOptions
{
    /// <summary>Port the API listens on; 0 picks a free one. <c>PORT</c> overrides it. <value>Default 8000, as the original API.</value></summary>
    public int Port { get; set; } = 8000;
}
