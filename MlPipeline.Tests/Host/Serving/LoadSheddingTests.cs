using System.Net;
using System.Text;
using MlPipeline.Core.Serving;

namespace MlPipeline.Tests.Host.Serving;

/// <summary>
/// Issue 22, load shedding at the door: HTTP predictions beyond <c>serving.max_waiting_http_predictions</c> are refused
/// at once with 503 and Retry-After. Calls are held inside the endpoint by bodies that do not finish until the test
/// says so, so "inside" is exact and no timing is involved.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class LoadSheddingTests
{
    private const int Limit = 2;

    [TestCase("/api/predict")]
    [TestCase("/api/predict/batch")]
    public async Task Predict_MoreCallsInsideThanTheBound_ExtraCallIs503WithRetryAfterWhileTheOthersWait(string path)
    {
        await using var host = await PipelineHostRunner.StartAsync($"serving:\n  max_waiting_http_predictions: {Limit}\n");
        var admission = host.Service<PredictionAdmission>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Enumerable.Range(0, Limit).Select(_ => host.Client.PostAsync(path, new HeldJsonContent(release.Task))).ToArray();
        Assert.That(() => admission.Inside, Is.EqualTo(Limit).After(20_000, 20));

        using var refused = await host.Client.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));
        string body = await refused.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(body, Does.Contain("serving.max_waiting_http_predictions"));
            Assert.That(held.Any(call => call.IsCompleted), Is.False, "refused while the admitted calls were still inside");
            Assert.That(admission.Refused, Is.EqualTo(1));
        }

        release.SetResult();
        foreach (var call in held)
        {
            using var answered = await call;
            Assert.That(answered.StatusCode, Is.Not.EqualTo(HttpStatusCode.ServiceUnavailable));
        }

        Assert.That(() => admission.Inside, Is.Zero.After(20_000, 20));
        using var afterwards = await host.Client.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.That(afterwards.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "admitted again once the others left (and told what is wrong with '{}')");
    }

    [Test]
    public async Task Predict_SheddingDisabled_CallsBeyondTheBoundAreAdmitted()
    {
        await using var host = await PipelineHostRunner.StartAsync($"serving:\n  load_shedding: false\n  max_waiting_http_predictions: {Limit}\n");
        var admission = host.Service<PredictionAdmission>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Enumerable.Range(0, Limit + 1).Select(_ => host.Client.PostAsync("/api/predict", new HeldJsonContent(release.Task))).ToArray();

        Assert.That(() => admission.Inside, Is.EqualTo(Limit + 1).After(20_000, 20));
        release.SetResult();
        foreach (var call in held)
        {
            using var answered = await call;
            Assert.That(answered.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "a held body is '{}': no features");
        }

        Assert.That(admission.Refused, Is.Zero);
    }

    /// <summary>A JSON body ("{}") whose last byte is sent only when <paramref name="release"/> completes.</summary>
    private sealed class HeldJsonContent : HttpContent
    {
        private readonly Task release;

        public HeldJsonContent(Task release)
        {
            this.release = release;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{"u8.ToArray());
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync("}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
