using MlPipeline.Core.Training;

namespace MlPipeline.Core.Configuration;

/// <summary>
/// The <c>training:</c> section — on this branch only the model store keys serving needs. The training stage's branch
/// defines the full section with these same two keys; when both meet, that definition wins.
/// </summary>
public sealed class TrainingSectionOptions
{
    /// <summary>Root of the model store. <value>Default <c>models</c>.</value></summary>
    public string ModelsDir { get; set; } = "models";

    /// <summary>Newest versions kept per model name (the current one is always kept), 1-10000. <value>Default 5.</value></summary>
    public int KeepVersions { get; set; } = 5;

    public ModelStoreOptions ToModelStoreOptions() => new() { RootDirectory = ModelsDir, KeepVersions = KeepVersions };
}
