using System.ComponentModel.DataAnnotations;

namespace MlPipeline.Core.Training;

/// <summary>Where and how many model versions are kept. Maps to the <c>model_store</c> section of the config.</summary>
public sealed record ModelStoreOptions
{
    /// <summary>The root directory; each model is <c>&lt;root&gt;/&lt;name&gt;/&lt;version&gt;/</c>.</summary>
    /// <value>Defaults to <c>models</c>.</value>
    [Required]
    public string RootDirectory { get; init; } = "models";

    /// <summary>How many of the newest versions of each name are kept; the current version is always kept as well.</summary>
    /// <value>Defaults to 5.</value>
    [Range(1, 10_000)]
    public int KeepVersions { get; init; } = 5;
}
