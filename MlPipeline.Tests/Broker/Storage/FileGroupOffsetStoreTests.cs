using MlPipeline.Broker.Storage;
using MlPipeline.Broker.Storage.Files;
using MlPipeline.Tests.Infrastructure;

namespace MlPipeline.Tests.Broker.Storage;

[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FileGroupOffsetStoreTests
{
    private readonly TemporaryDirectory _directory = new();

    private string JournalPath => Path.Combine(_directory.Path, "offsets.journal");

    [TearDown]
    public void DeleteFiles() => _directory.Dispose();

    [Test]
    public void Reopen_ReplaysCommitsAndDeletes()
    {
        using (var store = new FileGroupOffsetStore(_directory.Path))
        {
            store.Commit("g1", [("t", 0, new CommittedOffset(10, 0, "meta", 111)), ("t", 1, new CommittedOffset(20, 2, null, 112))]);
            store.Commit("g1", [("t", 0, new CommittedOffset(15, 1, null, 113))]);
            store.Commit("g2", [("gone", 0, new CommittedOffset(1, 0, null, 114))]);
            store.Commit("g3", [("t", 0, new CommittedOffset(1, 0, null, 115))]);
            store.DeleteTopic("gone");
            store.DeleteGroup("g3");
        }

        using var reopened = new FileGroupOffsetStore(_directory.Path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.GetAll("g1"), Is.EqualTo(new[]
            {
                ("t", 0, new CommittedOffset(15, 1, null, 113)),
                ("t", 1, new CommittedOffset(20, 2, null, 112)),
            }));
            Assert.That(reopened.GetAll("g2"), Is.Empty);
            Assert.That(reopened.Groups, Does.Not.Contain("g3"));
        }
    }

    [Test]
    public void Reopen_TornLastEntry_IsIgnoredAndLaterCommitsSurvive()
    {
        using (var store = new FileGroupOffsetStore(_directory.Path))
        {
            store.Commit("g", [("t", 0, new CommittedOffset(10, 0, "kept", 1))]);
            store.Commit("g", [("t", 0, new CommittedOffset(99, 0, "torn", 2))]);
        }
        using (var journal = new FileStream(JournalPath, FileMode.Open))
            journal.SetLength(journal.Length - 5);

        using (var recovered = new FileGroupOffsetStore(_directory.Path))
        {
            Assert.That(recovered.TryGet("g", "t", 0, out var offset) ? offset.Metadata : null, Is.EqualTo("kept"));
            recovered.Commit("g", [("t", 1, new CommittedOffset(7, 0, null, 3))]);
        }

        using var reopened = new FileGroupOffsetStore(_directory.Path);
        Assert.That(reopened.GetAll("g").Select(p => (p.Partition, p.Offset.Offset)), Is.EqualTo(new[] { (0, 10L), (1, 7L) }));
    }

    [Test]
    public void Commit_PastCompactionThreshold_ShrinksJournalAndKeepsState()
    {
        using (var store = new FileGroupOffsetStore(_directory.Path, compactionThresholdBytes: 4096))
        {
            for (var i = 0; i < 500; i++)
                store.Commit("g", [("t", i % 3, new CommittedOffset(i, 0, null, i))]);
        }

        using var reopened = new FileGroupOffsetStore(_directory.Path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(JournalPath).Length, Is.LessThan(4096 + 200));
            Assert.That(reopened.GetAll("g").Select(p => p.Offset.Offset), Is.EqualTo(new long[] { 498, 499, 497 }));
        }
    }

    [Test]
    public void AMillionCommittedOffsetsInTheJournal_ReopenAllocatesAFixedBound_AndCompactsTheJournal()
    {
        const int Commits = 1_000_000;
        const int Partitions = 100;
        // Written directly (a million fsynced commits would take minutes): what a long-running broker leaves behind.
        using (var journal = new FileStream(JournalPath, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
        {
            for (var i = 0; i < Commits; i++)
                journal.Write(OffsetJournalEncoding.Frame(OffsetJournalEncoding.EncodeCommit(
                    $"group-{i % 5}", [("orders", i % Partitions, new CommittedOffset(i, 0, null, 1_700_000_000_000 + i))])));
        }
        long journalBytes = new FileInfo(JournalPath).Length;

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var store = new FileGroupOffsetStore(_directory.Path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(journalBytes, Is.GreaterThan(40L * 1024 * 1024), "the journal is large");
            // Independent of the journal's length: buffers, names and the 100 live offsets (the old replay read it whole).
            Assert.That(allocated, Is.LessThan(4L * 1024 * 1024));
            Assert.That(store.TryGet("group-4", "orders", 99, out var last) ? last.Offset : -1, Is.EqualTo(Commits - 1));
            Assert.That(store.GetAll("group-0"), Has.Count.EqualTo(Partitions / 5 * 1));
            Assert.That(store.JournalBytes, Is.LessThan(64 * 1024), "compacted at open");
        }
    }

    [Test]
    public void ExpireOffsets_RemovesOnlyOldCommits_AndSurvivesReopen()
    {
        using (var store = new FileGroupOffsetStore(_directory.Path))
        {
            store.Commit("g", [("t", 0, new CommittedOffset(1, 0, null, 100)), ("t", 1, new CommittedOffset(2, 0, null, 300))]);
            store.Commit("old", [("t", 0, new CommittedOffset(3, 0, null, 100))]);
            Assert.That(store.ExpireOffsets("g", committedBeforeMs: 200), Is.EqualTo(1));
            Assert.That(store.ExpireOffsets("old", committedBeforeMs: 200), Is.EqualTo(1));
        }

        using var reopened = new FileGroupOffsetStore(_directory.Path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reopened.GetAll("g").Select(p => p.Partition), Is.EqualTo(new[] { 1 }));
            Assert.That(reopened.Groups, Does.Not.Contain("old"));
        }
    }
}
