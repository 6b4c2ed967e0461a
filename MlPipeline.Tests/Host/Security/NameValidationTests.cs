using System.Net;
using System.Text;

namespace MlPipeline.Tests.Host.Security;

/// <summary>Names a caller sends never become folders unless they are plain names.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class NameValidationTests
{
    [TestCase("evil%0A")]
    [TestCase("..%2Fescape")]
    [TestCase("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Upload_ModelNameThatIsNotAPlainName_Answers400AndCreatesNothing(string model)
    {
        await using var host = await PipelineHostRunner.StartAsync();

        using var response = await host.Client.PostAsync($"/api/ingest/upload?model={model}",
            new StringContent("Quantity,Total Amount\n1,2\n", Encoding.UTF8, "text/csv"));
        using var train = await host.Client.PostAsync("/api/train",
            new StringContent($"{{\"model\": \"{Uri.UnescapeDataString(model).Replace("\n", "\\n", StringComparison.Ordinal)}\"}}", Encoding.UTF8, "application/json"));

        var models = Path.Combine(host.DataDirectory, "models");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("not a valid model name"));
            Assert.That(train.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(Directory.Exists(models) ? Directory.GetDirectories(models) : [], Is.Empty);
        }
    }

    [Test]
    public async Task Train_DatasetIdWithNewline_Answers400()
    {
        await using var host = await PipelineHostRunner.StartAsync();

        using var response = await host.Client.PostAsync("/api/train",
            new StringContent("{\"dataset_id\": \"ds-1\\n\"}", Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}
