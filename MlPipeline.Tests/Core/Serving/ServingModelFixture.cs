using Microsoft.Extensions.Logging.Abstractions;
using MlPipeline.Core.Serving;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Serving;

/// <summary>
/// Two small trained versions of one model (different data, so their predictions differ) and a fresh store per
/// test to save them into. Training happens once per fixture; saving is cheap.
/// </summary>
internal sealed class ServingModelFixture
{
    public ServingModelFixture()
    {
        Data = SyntheticRegressionData.Generate(200);
        First = TrainedModels.TrainSynthetic(Data);
        Second = TrainedModels.TrainSynthetic(SyntheticRegressionData.Generate(200, seed: 99));
    }

    public SyntheticRegressionData Data { get; }

    public TrainedModel First { get; }

    public TrainedModel Second { get; }

    /// <summary>Feature values of raw row <paramref name="row"/> in input order (x1, x2, category, when).</summary>
    public object?[] Row(int row) =>
        SyntheticRegressionData.Schema.Features.Select(f => (object?)Data.RawRows[row][f.Name]).ToArray();

    /// <summary>A store in <paramref name="directory"/> holding both versions of <paramref name="name"/>, nothing promoted.</summary>
    public async Task<ModelStore> StoreWithBothVersionsAsync(TemporaryDirectory directory, string name = "m")
    {
        var store = new ModelStore(new ModelStoreOptions { RootDirectory = directory.Path }, TimeProvider.System);
        await store.SaveNewVersionAsync(name, First, CancellationToken.None);
        await store.SaveNewVersionAsync(name, Second, CancellationToken.None);
        return store;
    }

    public static ServingModelRegistry Registry(ModelStore store) =>
        new(store, new ModelScorerOptions { MaxPooledEngines = 2 }, NullLogger<ServingModelRegistry>.Instance);
}
