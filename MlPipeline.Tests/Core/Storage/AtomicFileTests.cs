using System.Text;
using MlPipeline.Core.Storage;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Storage;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class AtomicFileTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private string Target => Path.Combine(directory.Path, "record.json");

    [TestCase(true)]
    [TestCase(false)]
    public async Task WriteAsync_ReplacesTheWholeFile_AndLeavesNothingElseBehind(bool durable)
    {
        await File.WriteAllTextAsync(Target, "old, and longer than the new content");

        await AtomicFile.WriteAsync(Target, (stream, token) => stream.WriteAsync(Encoding.UTF8.GetBytes("new"), token).AsTask(), CancellationToken.None, durable);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await File.ReadAllTextAsync(Target), Is.EqualTo("new"));
            Assert.That(Directory.GetFiles(directory.Path), Is.EqualTo(new[] { Target }));
        }
    }

    [Test]
    public async Task Write_ThatFailsHalfWay_LeavesTheOldFileWholeAndNoTemporaryFile()
    {
        await File.WriteAllTextAsync(Target, "old");

        Assert.That(
            () => AtomicFile.Write(Target, stream =>
            {
                stream.Write("half of the new"u8);
                throw new InvalidOperationException("serializer failed");
            }),
            Throws.InvalidOperationException);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await File.ReadAllTextAsync(Target), Is.EqualTo("old"));
            Assert.That(Directory.GetFiles(directory.Path), Is.EqualTo(new[] { Target }));
        }
    }

    [Test]
    public async Task Replace_MovesTheSourceOverTheDestination()
    {
        var source = Path.Combine(directory.Path, "pending.json");
        await File.WriteAllTextAsync(source, "done");
        await File.WriteAllTextAsync(Target, "old");

        AtomicFile.Replace(source, Target);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await File.ReadAllTextAsync(Target), Is.EqualTo("done"));
            Assert.That(File.Exists(source), Is.False);
        }
    }
}
