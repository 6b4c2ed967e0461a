using MlPipeline.Core.Training;

namespace MlPipeline.Tests.Core.Training;

[Parallelizable(ParallelScope.All)]
public sealed class LowPriorityThreadTests
{
    [Test]
    public async Task Run_WorkSeesItsOwnLowerPriorityThreadOffThePool()
    {
        var (isPoolThread, nice, name) = await LowPriorityThread.Run(
            () => (Thread.CurrentThread.IsThreadPoolThread, LowPriorityThread.CurrentThreadNice(), Thread.CurrentThread.Name), "batch-test");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(isPoolThread, Is.False);
            Assert.That(name, Is.EqualTo("batch-test"));
            if (OperatingSystem.IsLinux())
                Assert.That(nice, Is.GreaterThanOrEqualTo(LowPriorityThread.LinuxNice), "the thread's nice value was raised");
        }
    }

    [Test]
    public void Run_WorkThrows_TaskFaultsWithTheException()
    {
        var failing = LowPriorityThread.Run<int>(() => throw new InvalidOperationException("boom"), "batch-test");
        Assert.That(async () => await failing, Throws.InvalidOperationException.With.Message.EqualTo("boom"));
    }
}
