using System.Text;
using MlPipeline.Core.Training;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class AppendOnlyLineFileTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private string FilePath => Path.Combine(directory.Path, "lines.txt");

    private static bool IsNumber(string line) => long.TryParse(line, out _);

    [Test]
    public async Task Recover_HandsOverEachWholeLine_AndCutsATornTail()
    {
        await File.WriteAllTextAsync(FilePath, "1\n2\n3");
        var seen = new List<string>();

        var length = await AppendOnlyLineFile.RecoverAsync(FilePath, line => { seen.Add(line); return IsNumber(line); }, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Is.EqualTo(new[] { "1", "2" }));
            Assert.That(length, Is.EqualTo(4));
            Assert.That(await File.ReadAllTextAsync(FilePath), Is.EqualTo("1\n2\n"));
        }
    }

    [Test]
    public async Task Recover_AnUnreadableLastLine_IsCutAsATornTail()
    {
        await File.WriteAllTextAsync(FilePath, "1\nnot a number\n");

        var length = await AppendOnlyLineFile.RecoverAsync(FilePath, IsNumber, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.EqualTo(2));
            Assert.That(await File.ReadAllTextAsync(FilePath), Is.EqualTo("1\n"));
        }
    }

    [Test]
    public async Task Recover_AnUnreadableLineWithLinesAfterIt_IsCorruptionAndLeavesTheFileAlone()
    {
        await File.WriteAllTextAsync(FilePath, "1\ngarbage\n3\n");

        Assert.That(async () => await AppendOnlyLineFile.RecoverAsync(FilePath, IsNumber, CancellationToken.None),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("at byte 2"));
        Assert.That(await File.ReadAllTextAsync(FilePath), Is.EqualTo("1\ngarbage\n3\n"));
    }

    [Test]
    public async Task Append_ReturnsTheNewLength_AndAPrefixReadsOnlyThatMany()
    {
        await using var file = new AppendOnlyLineFile(FilePath, flushToDisk: true);

        var first = await file.AppendAsync(Encoding.UTF8.GetBytes("1\n2\n"), CancellationToken.None);
        var second = await file.AppendAsync(Encoding.UTF8.GetBytes("3\n"), CancellationToken.None);
        using var prefix = new StreamReader(file.OpenPrefix(first));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((first, second), Is.EqualTo((4L, 6L)));
            Assert.That(await prefix.ReadToEndAsync(), Is.EqualTo("1\n2\n"));
        }
    }

    [Test]
    public async Task Append_ThatIsCancelled_LeavesNothingOfTheBatchInTheFile()
    {
        await using var file = new AppendOnlyLineFile(FilePath, flushToDisk: false);
        await file.AppendAsync(Encoding.UTF8.GetBytes("1\n"), CancellationToken.None);

        Assert.That(async () => await file.AppendAsync(Encoding.UTF8.GetBytes("2\n"), new CancellationToken(canceled: true)),
            Throws.InstanceOf<OperationCanceledException>());
        var length = await file.AppendAsync(Encoding.UTF8.GetBytes("3\n"), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(length, Is.EqualTo(4));
            Assert.That(await File.ReadAllTextAsync(FilePath), Is.EqualTo("1\n3\n"));
        }
    }
}
