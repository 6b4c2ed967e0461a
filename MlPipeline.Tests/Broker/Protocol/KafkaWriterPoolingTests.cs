using System.Buffers;
using MlPipeline.Broker.Protocol;

namespace MlPipeline.Tests.Broker.Protocol;

/// <summary>A pooled <see cref="KafkaWriter"/> (connections' response buffers) rents every buffer and gives each one back.</summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class KafkaWriterPoolingTests
{
    [Test]
    public void GrowingPastSeveralSizes_KeepsTheContentAndReturnsEveryOutgrownBuffer()
    {
        var pool = new CountingPool();
        var writer = new KafkaWriter(16, pool);
        byte[] payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();

        writer.WriteRaw(payload);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(writer.WrittenSpan.ToArray(), Is.EqualTo(payload));
            Assert.That(pool.Outstanding, Is.EqualTo(1), "only the buffer in use is rented");
        }
        writer.Dispose();
    }

    [Test]
    public void Dispose_ReturnsTheBufferInUse_Once()
    {
        var pool = new CountingPool();
        var writer = new KafkaWriter(4096, pool);
        writer.WriteInt64(42);

        writer.Dispose();
        writer.Dispose();

        Assert.That(pool.Outstanding, Is.Zero);
    }

    [Test]
    public void Shrink_AfterAHugeResponse_ReturnsTheLargeBufferAndStartsEmpty()
    {
        var pool = new CountingPool();
        using var writer = new KafkaWriter(4096, pool);
        writer.WriteRaw(new byte[1_000_000]);

        writer.Shrink(4096);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(writer.Length, Is.Zero);
            Assert.That(writer.Capacity, Is.LessThan(1_000_000));
            Assert.That(pool.Outstanding, Is.EqualTo(1));
            Assert.That(pool.LargestReturned, Is.GreaterThanOrEqualTo(1_000_000));
        }
    }

    [Test]
    public void WritingAfterDispose_Throws()
    {
        var writer = new KafkaWriter(16, new CountingPool());
        writer.Dispose();

        Assert.That(() => writer.WriteInt32(1), Throws.TypeOf<ObjectDisposedException>());
    }

    /// <summary>Hands out fresh arrays and counts rents against returns (a real pool would hide a leak).</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private int _outstanding;
        private int _largestReturned;

        public int Outstanding => Volatile.Read(ref _outstanding);

        public int LargestReturned => Volatile.Read(ref _largestReturned);

        public override byte[] Rent(int minimumLength)
        {
            Interlocked.Increment(ref _outstanding);
            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Interlocked.Decrement(ref _outstanding);
            _largestReturned = Math.Max(_largestReturned, array.Length);
        }
    }
}
