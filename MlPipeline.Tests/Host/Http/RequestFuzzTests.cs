using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;

namespace MlPipeline.Tests.Host.Http;

/// <summary>
/// 10,000 requests made by mutating valid ones (fixed seed) against every endpoint of a real host: wrong methods, paths,
/// queries, content types and charsets, and bodies with bytes flipped, cut, repeated or spliced with JSON and Unicode
/// trouble. Whatever arrives, the service answers it below 500 and is still serving afterwards.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class RequestFuzzTests
{
    private const int Seed = 20261205;
    private const int RequestCount = 10_000;
    private const int Callers = 8;

    [Test]
    public async Task TenThousandMutatedValidRequests_NoneAnswers5xx_AndTheHostStillServes()
    {
        using var data = new Infrastructure.TemporaryDirectory("fuzz-data");
        File.WriteAllText(Path.Combine(data.Path, "tiny.csv"), "a,b,y\n1,2,3\n2,3,5\n3,4,7\n");
        // Queues large enough that accepted work never fills them (a full queue is an honest 503, not what this looks
        // for) and waits short enough that ?wait_ms cannot stall a caller.
        await using var host = await PipelineHostRunner.StartAsync(
            $"data:\n  data_dir: \"{data.Path}\"\n  ingest_sample_on_first_start: false\n  ingestion_queue_capacity: 10000\n" +
            "training:\n  data_dir: \"{dir}/training\"\n  models_dir: \"{dir}/models\"\n  max_queued_trainings: 10000\n  trainer: fasttree\n  number_of_trees: 2\n  threads: 1\n" +
            "serving:\n  max_wait_ms: 50\n  max_request_bytes: 65536\n" +
            "producer:\n  linger_ms: 0\n");
        // Ready once the endpoint answers for itself: with no model stored the door refuses a prediction with 404
        // (Unknown model) before anything is published; until then start-up may still answer 503.
        Assert.That(async () => (await host.Client.PostAsJsonAsync("/api/predict", new { features = new[] { 1, 2 } })).StatusCode,
            Is.EqualTo(HttpStatusCode.NotFound).After(30_000, 200), "the API answers before the fuzzing starts");

        var failures = new List<string>();
        var answered = 0;
        var perCaller = RequestCount / Callers;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var mutator = new RequestMutator(new Random(Seed + caller));
            for (var i = 0; i < perCaller; i++)
            {
                var request = mutator.Next();
                var outcome = await SendAsync(host.Client, request);

                lock (failures)
                {
                    if (outcome is null)
                        answered++;
                    else if (failures.Count < 20)
                        failures.Add($"{request}: {outcome}");
                    else
                        failures[^1] = "…";
                }
            }
        })));

        using var health = await host.Client.GetAsync("/health");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failures, Is.Empty, "requests answered 5xx or not at all");
            Assert.That(answered, Is.EqualTo(perCaller * Callers));
            Assert.That(host.Service<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, Is.False, "the host is still running");
            Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "and still serving");
        }
    }

    /// <summary>Null when the service answered below 500; otherwise what went wrong.</summary>
    private static async Task<string?> SendAsync(HttpClient client, FuzzRequest fuzz)
    {
        using var message = new HttpRequestMessage(new HttpMethod(fuzz.Method), fuzz.Path);
        if (fuzz.Body is not null)
        {
            message.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is not null)
                message.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
        }

        try
        {
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            return (int)response.StatusCode >= 500 ? $"{(int)response.StatusCode} {body}" : null;
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException or UriFormatException)
        {
            // HttpClient refused to send it (a header or URI it cannot write): the service never saw it.
            return null;
        }
        catch (HttpRequestException exception)
        {
            return $"no answer: {exception.Message}";
        }
    }

    private sealed record FuzzRequest(string Method, string Path, string? ContentType, byte[]? Body)
    {
        public override string ToString() =>
            $"{Method} {Path} [{ContentType}] {(Body is null ? "" : Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 120)))}";
    }

    /// <summary>Picks a valid request of some endpoint and mutates it a few ways; deterministic for a given Random.</summary>
    private sealed class RequestMutator(Random random)
    {
        private static readonly string[] JsonTrouble =
        [
            "\"", "\\", "{", "}", "[", "]", ",", ":", "\\ud800", "\\udfff", "\\u0000", "\"features\": 1, \"features\": 2, ",
            "1e999", "-0", "null", "true", "\u00e9", "\ud83d\ude00", "\\x", "/*", "NaN", new string('[', 200), "\"model\": \"..\", ",
        ];

        private static readonly string[] ContentTypes =
        [
            "application/json", "application/json; charset=utf-8", "application/json; charset=bogus", "application/json; charset=utf-16",
            "text/plain", "text/csv", "text/csv; charset=latin1", "multipart/form-data", "multipart/form-data; boundary=",
            "multipart/form-data; boundary=" + new string('x', 300), "application/problem+json", "application/x-www-form-urlencoded", ";;;", "",
        ];

        private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"];

        private readonly List<string> knownIds = ["ds-unknown", Guid.NewGuid().ToString()];

        public FuzzRequest Next()
        {
            var request = Valid();
            var mutations = random.Next(0, 4);
            for (var i = 0; i < mutations; i++)
            {
                request = random.Next(10) switch
                {
                    0 => request with { Method = Pick(Methods) },
                    1 => request with { Path = MutatePath(request.Path) },
                    2 => request with { ContentType = Pick(ContentTypes) },
                    _ => request with { Body = MutateBody(request.Body ?? []) },
                };
            }

            return request;
        }

        private FuzzRequest Valid()
        {
            var features = $"[{random.Next(100)}, {random.Next(100)}]";
            return random.Next(20) switch
            {
                // Endpoints that do a broker round trip or build a large document per call are visited less often, to
                // keep the run short; they are still mutated like the rest.
                0 => new("GET", random.Next(4) == 0 ? "/health" : "/api/alerts", null, null),
                1 => new("GET", random.Next(8) == 0 ? Pick(["/api/status", "/api/topics", "/api/health/kafka", "/openapi/v1.json"]) : "/metrics", null, null),
                2 or 3 => new("GET", Pick(["/api/alerts", "/metrics", "/", "/dashboard/dashboard.js", "/dashboard/dashboard.css"]), null, null),
                4 => Json("/api/ingest", $"{{\"file_path\": \"tiny.csv\", \"model\": \"fuzz{random.Next(3)}\", \"label\": \"y\"}}"),
                5 => random.Next(2) == 0 ? new("POST", $"/api/ingest/upload?model=fuzz{random.Next(3)}&label=y", "text/csv", "a,b,y\n1,2,3\n2,3,5\n"u8.ToArray()) : Multipart(),
                6 or 7 => new("GET", $"/api/ingestions/{Pick(knownIds)}", null, null),
                8 or 9 => new("GET", Pick(["/api/models", "/api/models/sales", "/api/models/sales/1", "/api/models/fuzz0"]), null, null),
                10 or 11 => Json("/api/train", random.Next(2) == 0 ? $"{{\"model\": \"fuzz{random.Next(3)}\"}}" : "{\"dataset_id\": \"ds-unknown\"}"),
                12 or 13 or 14 => Json($"/api/predict?wait_ms={random.Next(-2, 3)}", $"{{\"features\": {features}, \"model\": \"fuzz0\"}}"),
                15 or 16 => Json("/api/predict/batch", $"{{\"requests\": [{{\"features\": {features}}}, {{\"features\": {{\"a\": 1, \"b\": \"x\"}}}}]}}"),
                _ => new("GET", $"/api/prediction/{Pick(knownIds)}", null, null),
            };
        }

        private FuzzRequest Multipart()
        {
            var boundary = $"fuzz{random.Next(1000)}";
            var body = $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\nContent-Type: text/csv\r\n\r\n" +
                $"a,b,y\n1,2,3\n\r\n--{boundary}--\r\n";
            return new("POST", "/api/ingest/upload?model=fuzz1&label=y", $"multipart/form-data; boundary={boundary}", Encoding.ASCII.GetBytes(body));
        }

        private static FuzzRequest Json(string path, string body) => new("POST", path, "application/json", Encoding.UTF8.GetBytes(body));

        private string MutatePath(string path)
        {
            var mutated = MutatedPath(path);
            // "//x" would be read as a host name by HttpClient, not sent as a path.
            return mutated.StartsWith("//", StringComparison.Ordinal) ? "/%2F" + mutated[2..] : mutated;
        }

        private string MutatedPath(string path) => random.Next(7) switch
        {
            0 => path + Pick(["/", "//", "/..", "%00", "%ZZ", "%2e%2e", "%ff", "?", "#", "~"]),
            1 => path.Replace("/api/", Pick(["/API/", "/api//", "/api/./", "/ap%69/"]), StringComparison.Ordinal),
            2 => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + Pick(["wait_ms=99999999999", "wait_ms=-1", "wait_ms=abc", "model=..", "model=%00", "label="]),
            3 => path + "/" + new string('a', random.Next(1, 3000)),
            4 => path.Length > 2 ? path[..random.Next(1, path.Length)] : path,
            5 => path.Replace("sales", Pick(["..", ".hidden", "a b", "%C3%28", new string('m', 300)]), StringComparison.Ordinal),
            _ => "/" + Pick(["api/ingestions/", "api/models//1", "api/prediction/", "dashboard/../../etc/passwd", "api/models/sales/99999999999"]),
        };

        private byte[] MutateBody(byte[] body)
        {
            var bytes = new List<byte>(body);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0: // flip bytes
                    for (var i = random.Next(1, 4); i > 0; i--)
                        bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 0: // cut a stretch out
                    var from = random.Next(bytes.Count);
                    bytes.RemoveRange(from, Math.Min(random.Next(1, 20), bytes.Count - from));
                    break;
                case 2: // splice in JSON or Unicode trouble
                    bytes.InsertRange(random.Next(bytes.Count + 1), Encoding.UTF8.GetBytes(Pick(JsonTrouble)));
                    break;
                case 3: // bytes that are not UTF-8
                    bytes.InsertRange(random.Next(bytes.Count + 1), Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF0, 0x28, 0x8C], [0xEF, 0xBB, 0xBF]]));
                    break;
                case 4 when bytes.Count > 0: // repeat a stretch
                    var start = random.Next(bytes.Count);
                    var length = Math.Min(random.Next(1, 40), bytes.Count - start);
                    var stretch = bytes.GetRange(start, length);
                    for (var i = random.Next(1, 50); i > 0; i--)
                        bytes.InsertRange(start, stretch);
                    break;
                case 5: // truncate to a prefix, possibly nothing
                    var keep = random.Next(bytes.Count + 1);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                default: // random bytes
                    var noise = new byte[random.Next(1, 200)];
                    random.NextBytes(noise);
                    bytes.InsertRange(random.Next(bytes.Count + 1), noise);
                    break;
            }

            return [.. bytes];
        }

        private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
    }
}
