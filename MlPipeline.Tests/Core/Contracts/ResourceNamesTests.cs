using MlPipeline.Core.Contracts;

namespace MlPipeline.Tests.Core.Contracts;

/// <summary>Model names and dataset ids: one anchored pattern, a length cap, no trailing newline.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class ResourceNamesTests
{
    [TestCase("sales")]
    [TestCase("sales.v2_eu-west")]
    [TestCase("_x")]
    [TestCase("ds-0193a1b2c3d4e5f60718293a4b5c6d7e")]
    public void ValidNames_AreAccepted(string name)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ResourceNames.IsValidModelName(name), Is.True);
            Assert.That(ResourceNames.IsValidDatasetId(name), Is.True);
        }
    }

    [TestCase("evil\n")]
    [TestCase("evil\r\n")]
    [TestCase("\nevil")]
    [TestCase("")]
    [TestCase(" ")]
    [TestCase(".hidden")]
    [TestCase("..")]
    [TestCase("a/b")]
    [TestCase("a\\b")]
    [TestCase("sales ")]
    [TestCase("ünïcode")]
    public void InvalidNames_AreRefused(string name)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ResourceNames.IsValidModelName(name), Is.False);
            Assert.That(ResourceNames.IsValidDatasetId(name), Is.False);
        }
    }

    [Test]
    public void Length_IsCappedAtMaxLength()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ResourceNames.IsValidModelName(new string('a', ResourceNames.MaxLength)), Is.True);
            Assert.That(ResourceNames.IsValidModelName(new string('a', ResourceNames.MaxLength + 1)), Is.False);
            Assert.That(ResourceNames.IsValidDatasetId(new string('a', ResourceNames.MaxLength + 1)), Is.False);
        }
    }
}
