using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlPipeline.Core.Contracts;
using MlPipeline.Core.Messaging.Envelope;
using MlPipeline.Core.Serving;
using MlPipeline.Host.Apis;

namespace MlPipeline.Host.Cli;

/// <summary>
/// <c>predict &lt;f1&gt; &lt;f2&gt; …</c>: sends one PREDICTION_REQUEST to the requests topic exactly as <c>POST /api/predict</c>
/// does and prints the result the serving stage answers with (the result whose correlation id is the request's id).
/// </summary>
internal static class PredictCommand
{
    private const string Source = "cli";

    public static Command Create(CommandLineContext context)
    {
        var features = new Argument<string[]>("feature")
        {
            Description = "Feature values in the model's input order; numbers are sent as numbers, anything else as text.",
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<string?>("--model") { Description = "Model name. Default: serving.default_model.", HelpName = "name" };
        var timeout = new Option<int>("--timeout-ms")
        {
            Description = "How long to wait for the result before exiting 1. Default: 10000.",
            DefaultValueFactory = _ => 10_000,
            HelpName = "ms",
        };
        var json = new Option<bool>("--json") { Description = "Print the whole result as JSON." };
        var command = new Command("predict",
            "Send one prediction request through Kafka to the running service and print its result. Exit 1 on an error result or a timeout.")
        {
            features, model, timeout, json,
        };
        // On the option: it runs only when the option is given (a command validator would see 0 for a defaulted option).
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--timeout-ms must be at least 1.");
        });
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            var body = new JsonObject { [PredictionRequest.FeaturesField] = PredictionRequestMessages.FeaturesFromText(parseResult.GetRequiredValue(features)) };
            if (parseResult.GetValue(model) is { } name)
                body[PredictionRequest.ModelField] = name;
            if (!PredictionRequest.TryParse(body, session.Config.Serving.DefaultModel, out _, out var invalid))
            {
                await context.Console.Error.WriteLineAsync($"error: {invalid}");
                return ExitCodes.Usage;
            }

            var request = PredictionRequestMessages.Create(new KafkaMessageFactory(TimeProvider.System), body, Source);
            var topics = session.Config.Topics;
            // Assigned at the results topic's end BEFORE the request goes out, so the answer cannot be missed.
            await using var answered = await session.WatchAsync(topics.PredictionResultsTopic, message => message.CorrelationId == request.MessageId, ct);
            await using (var producer = session.CreateProducer())
            {
                await producer.SendAsync(topics.PredictionRequestsTopic, request, request.MessageId, ct);
            }

            int timeoutMs = parseResult.GetValue(timeout);
            var reply = await answered.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs), TimeProvider.System, ct);
            if (reply is null)
            {
                await context.Console.Error.WriteLineAsync(
                    $"error: no result for request {request.MessageId} within {timeoutMs} ms (is the service running and serving? see: health)");
                return ExitCodes.Failure;
            }

            var result = PredictionResult.FromJson(reply.Data);
            if (parseResult.GetValue(json))
                await context.Console.Output.WriteLineAsync(JsonSerializer.Serialize(new { message_id = request.MessageId, result }, JsonDefaults.Options));
            if (!result.Succeeded)
            {
                await context.Console.Error.WriteLineAsync($"error: model '{result.Model}' could not score request {request.MessageId}: {result.Error}");
                return ExitCodes.Failure;
            }

            if (!parseResult.GetValue(json))
            {
                await context.Console.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"prediction {result.Prediction} (model '{result.Model}' version {result.ModelVersion}, request {request.MessageId})"));
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
