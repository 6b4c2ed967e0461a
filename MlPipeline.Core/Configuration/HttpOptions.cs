namespace MlPipeline.Core.Configuration;

/// <summary>The <c>http:</c> section: the minimal API beside the stages.</summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Address the API listens on. <value>Default 0.0.0.0 (every interface), as the original API: predictions are
    /// called from other machines. Use 127.0.0.1 to keep it local. <c>--urls</c> or <c>ASPNETCORE_URLS</c> replace both keys.</value>
    /// </summary>
    public string Host { get; set; } = "0.0.0.0";

    /// <summary>Port the API listens on; 0 picks a free one. <c>PORT</c> overrides it. <value>Default 8000, as the original API.</value></summary>
    public int Port { get; set; } = 8000;
}
