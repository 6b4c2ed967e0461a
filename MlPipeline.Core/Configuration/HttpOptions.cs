namespace MlPipeline.Core.Configuration;

/// <summary>The <c>http:</c> section: the minimal API beside the stages.</summary>
public sealed class HttpOptions
{
    /// <summary>
    /// Address the API listens on. <value>Default 127.0.0.1 (this machine only). Listening on another address
    /// (0.0.0.0: every interface) needs an API key (auth.api_keys) or auth.allow_anonymous: true.
    /// <c>--urls</c> or <c>ASPNETCORE_URLS</c> replace both keys.</value>
    /// </summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port the API listens on; 0 picks a free one. <c>PORT</c> overrides it. <value>Default 8000, as the original API.</value></summary>
    public int Port { get; set; } = 8000;
}
