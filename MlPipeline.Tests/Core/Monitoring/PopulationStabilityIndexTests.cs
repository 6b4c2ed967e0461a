using MlPipeline.Core.Monitoring;

namespace MlPipeline.Tests.Core.Monitoring;

[Parallelizable(ParallelScope.All)]
public sealed class PopulationStabilityIndexTests
{
    private static readonly double[] Edges = [0, 1, 2, 3, 4];
    private static readonly double[] Uniform = [0.25, 0.25, 0.25, 0.25];

    [Test]
    public void Numeric_SameDistribution_IsZero()
    {
        double[] values = [0.5, 1.5, 2.5, 3.5];

        Assert.That(PopulationStabilityIndex.Numeric(Edges, Uniform, values), Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void Numeric_ValuesBeyondTheTrainingRange_CountInTheOuterBins()
    {
        double[] outside = [-10, -5, 50, 90];
        double[] edgesOnly = [0.1, 0.2, 3.9, 3.95];

        Assert.That(
            PopulationStabilityIndex.Numeric(Edges, Uniform, outside),
            Is.EqualTo(PopulationStabilityIndex.Numeric(Edges, Uniform, edgesOnly)).Within(1e-12));
    }

    [Test]
    public void Categorical_UnseenCategory_RaisesThePsi()
    {
        var frequencies = new Dictionary<string, double> { ["A"] = 0.5, ["B"] = 0.5 };

        var same = PopulationStabilityIndex.Categorical(frequencies, ["A", "B", "A", "B"], "__other__");
        var unseen = PopulationStabilityIndex.Categorical(frequencies, ["A", "B", "Z", "Z"], "__other__");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(same, Is.EqualTo(0).Within(1e-12));
            Assert.That(unseen, Is.GreaterThan(0.2));
        }
    }
}
