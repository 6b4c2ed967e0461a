using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MlPipeline.Tests.Host;

[Parallelizable(ParallelScope.All)]
public sealed class ShutdownTimeoutTests
{
    [Test]
    public async Task ServiceShutdownTimeout_Configured_BecomesTheHostsShutdownTimeout()
    {
        await using var host = await PipelineHostRunner.StartAsync("service:\n  shutdown_timeout_seconds: 7\n");

        Assert.That(host.Service<IOptions<HostOptions>>().Value.ShutdownTimeout, Is.EqualTo(TimeSpan.FromSeconds(7)));
    }
}
