using System.Text;
using MlPipeline.Core.Messaging.Envelope;

namespace MlPipeline.Tests.Core.Messaging.Envelope;

/// <summary>
/// The rejection reasons become the <c>dlq_error</c> header operators read and tools match on, so each one is pinned
/// word for word, exactly as the DOM-based validator produced them before the one-pass reader existed.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class EnvelopeRejectionReasonTests
{
    private const string Stamp = "\"timestamp\":\"2026-01-01T00:00:00Z\"";
    private const string Valid = "\"message_id\":\"m\",\"message_type\":\"raw_data\"," + Stamp + ",\"source\":\"s\"";

    private readonly KafkaMessageSerializer serializer = new();

    [TestCase("", "payload is empty")]
    [TestCase("  ", "payload is not JSON: The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true. LineNumber: 0 | BytePositionInLine: 2.")]
    [TestCase("this is not json", "payload is not JSON: 'this is not json' is an invalid JSON literal. Expected the literal 'true'. LineNumber: 0 | BytePositionInLine: 1.")]
    [TestCase("{\"message_id\":\"m\"", "payload is not JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed. LineNumber: 0 | BytePositionInLine: 17.")]
    [TestCase("{" + Valid + ",\"data\":{}} x", "payload is not JSON: 'x' is invalid after a single JSON value. Expected end of data. LineNumber: 0 | BytePositionInLine: 103.")]
    [TestCase("{" + Valid + ",\"data\":{},}", "payload is not JSON: The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options. LineNumber: 0 | BytePositionInLine: 102.")]
    [TestCase("/*c*/{" + Valid + ",\"data\":{}}", "payload is not JSON: '/' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.")]
    [TestCase("{" + Valid + ",\"data\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        "payload is not JSON: The maximum configured depth of 64 has been exceeded. Cannot read next JSON array. LineNumber: 0 | BytePositionInLine: 162.")]
    [TestCase("[1,2]", "payload is JSON Array, not an object")]
    [TestCase("null", "payload is JSON null, not an object")]
    [TestCase("42", "payload is JSON Number, not an object")]
    [TestCase("\"str\"", "payload is JSON String, not an object")]
    [TestCase("{}", "missing message_id")]
    [TestCase("{\"message_id\":5,\"message_type\":\"raw_data\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "missing message_id")]
    [TestCase("{\"message_id\":\"  \",\"message_type\":\"raw_data\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "missing message_id")]
    [TestCase("{\"message_id\":null,\"message_type\":\"raw_data\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "missing message_id")]
    [TestCase("{\"Message_Id\":\"m\",\"message_type\":\"raw_data\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "missing message_id")]
    [TestCase("{\"message_id\":\"m\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "missing message_type")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":null," + Stamp + ",\"source\":\"s\",\"data\":{}}", "unknown message_type 'null'")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":5," + Stamp + ",\"source\":\"s\",\"data\":{}}", "unknown message_type '5'")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"telepathy\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "unknown message_type '\"telepathy\"'")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"it's <b>é\"," + Stamp + ",\"source\":\"s\",\"data\":{}}", "unknown message_type '\"it\\u0027s \\u003Cb\\u003E\\u00E9\"'")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":{\"a\":\"ü\", \"b\": [1, 2]}," + Stamp + ",\"source\":\"s\",\"data\":{}}", "unknown message_type '{\"a\":\"\\u00FC\",\"b\":[1,2]}'")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"raw_data\",\"source\":\"s\",\"data\":{}}", "missing timestamp")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"raw_data\",\"timestamp\":5,\"source\":\"s\",\"data\":{}}", "missing timestamp")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"raw_data\",\"timestamp\":\"yesterday\",\"source\":\"s\",\"data\":{}}", "payload is not a valid envelope: timestamp 'yesterday' is not an ISO-8601 date and time")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"raw_data\"," + Stamp + ",\"data\":{}}", "missing source")]
    [TestCase("{\"message_id\":\"m\",\"message_type\":\"raw_data\"," + Stamp + ",\"source\":1,\"data\":{}}", "missing source")]
    [TestCase("{" + Valid + "}", "missing data object")]
    [TestCase("{" + Valid + ",\"data\":[]}", "missing data object")]
    [TestCase("{" + Valid + ",\"data\":null}", "missing data object")]
    [TestCase("{" + Valid + ",\"data\":{},\"metadata\":5}", "metadata is not an object")]
    [TestCase("{" + Valid + ",\"data\":{},\"metadata\":[]}", "metadata is not an object")]
    [TestCase("{" + Valid + ",\"data\":{},\"metadata\":\"x\"}", "metadata is not an object")]
    public void TryDeserialize_InvalidEnvelope_GivesTheReasonWordForWord(string payload, string reason)
    {
        var accepted = serializer.TryDeserialize(Encoding.UTF8.GetBytes(payload), out var message, out var actualReason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted, Is.False);
            Assert.That(message, Is.Null);
            Assert.That(actualReason, Is.EqualTo(reason));
        }
    }

    [TestCase("{\"message_id\":\"a\"," + Valid + ",\"data\":{}}", "message_id")]
    [TestCase("{" + Valid + ",\"source\":\"t\",\"data\":{}}", "source")]
    public void TryDeserialize_FieldTwice_IsRejectedNotThrown(string payload, string field)
    {
        // The DOM of the slow path throws ArgumentException on a repeated key; escaping TryDeserialize, it faulted the
        // consumer's subscription (a handler bug as far as the lane can tell), so one such record stopped a stage.
        var accepted = serializer.TryDeserialize(Encoding.UTF8.GetBytes(payload), out var message, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted, Is.False);
            Assert.That(message, Is.Null);
            Assert.That(reason, Does.StartWith("payload is not a valid envelope: duplicate field").And.Contain(field));
        }
    }

    [Test]
    public void TryDeserialize_ByteOrderMarkBeforeTheEnvelope_IsRejectedAsNotJson()
    {
        var payload = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{" + Valid + ",\"data\":{}}")).ToArray();

        serializer.TryDeserialize(payload, out _, out var reason);

        Assert.That(reason, Is.EqualTo("payload is not JSON: '0xEF' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0."));
    }

    [Test]
    public void TryDeserialize_NestingBeyondDepth64InsideData_IsRejectedAsNotJson()
    {
        var payload = "{" + Valid + ",\"data\":{\"x\":" + new string('[', 63) + new string(']', 63) + "}}";

        serializer.TryDeserialize(Encoding.UTF8.GetBytes(payload), out _, out var reason);

        Assert.That(reason, Does.StartWith("payload is not JSON: The maximum configured depth of 64 has been exceeded."));
    }
}
