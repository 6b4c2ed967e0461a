using System.CommandLine;
using System.Text.Json;
using MlPipeline.Core.Messaging.Administration;
using MlPipeline.Host.Apis;

namespace MlPipeline.Host.Cli;

/// <summary><c>topics list | create | add-partitions | describe | roundtrip</c>: topic administration through <see cref="TopicAdministrator"/>.</summary>
internal static class TopicsCommands
{
    /// <summary>Where <c>topics roundtrip</c> writes its probe record: never a pipeline topic, so no stage sees it.</summary>
    public const string DefaultRoundTripTopic = "mlpipeline-roundtrip-check";

    // The probe topic only needs to hold a record long enough to read it back.
    private const long RoundTripRetentionMs = 3_600_000;

    public static Command Create(CommandLineContext context) =>
        new("topics", "List, create and inspect Kafka topics, using the configured connection.")
        {
            CreateList(context),
            CreateCreate(context),
            CreateAddPartitions(context),
            CreateDescribe(context),
            CreateRoundTrip(context),
        };

    private static Command CreateList(CommandLineContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the topics as JSON." };
        var command = new Command("list", "List the topics on the broker (partitions, which configuration key names each) and configured topics that are missing.")
        {
            json,
        };
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            using var administrator = session.CreateTopicAdministrator();
            var topics = await administrator.DescribeTopicsAsync(ct);
            var configured = session.Config.Topics.All.ToDictionary(topic => topic.Name, topic => topic.KeyPath, StringComparer.Ordinal);
            var present = topics.Select(topic => topic.Name).ToHashSet(StringComparer.Ordinal);
            var missing = configured.Keys.Where(name => !present.Contains(name)).Order(StringComparer.Ordinal).ToArray();
            var output = context.Console.Output;
            if (parseResult.GetValue(json))
            {
                var body = new
                {
                    topics = topics.Select(topic => new { topic.Name, Partitions = topic.Partitions.Count, ConfiguredAs = configured.GetValueOrDefault(topic.Name) }),
                    missing_configured_topics = missing,
                };
                await output.WriteLineAsync(JsonSerializer.Serialize(body, JsonDefaults.Options));
                return ExitCodes.Success;
            }

            int width = Math.Max("TOPIC".Length, topics.Select(topic => topic.Name.Length).DefaultIfEmpty(0).Max());
            await output.WriteLineAsync($"{"TOPIC".PadRight(width)}  PARTITIONS  CONFIGURED AS");
            foreach (var topic in topics)
                await output.WriteLineAsync($"{topic.Name.PadRight(width)}  {topic.Partitions.Count,10}  {configured.GetValueOrDefault(topic.Name) ?? "-"}");
            if (missing.Length > 0)
                await output.WriteLineAsync($"missing configured topics: {string.Join(", ", missing)} (create them: topics create --all)");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateCreate(CommandLineContext context)
    {
        var names = new Argument<string[]>("name") { Description = "Topics to create.", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Create every topic the configuration names (topics.*, error_handling.dead_letter_topic)." };
        var partitions = new Option<int?>("--partitions")
        {
            Description = "Partitions of named topics. Default: broker.partitions.",
            HelpName = "count",
            CustomParser = result => ParseWhole(result, "--partitions", value => value is >= 1 and <= int.MaxValue, "at least 1") is { } value ? (int)value : null,
        };
        var retention = new Option<long?>("--retention-ms")
        {
            Description = "retention.ms of named topics; -1 keeps data forever. Default: broker.retention_ms.",
            HelpName = "ms",
            CustomParser = result => ParseWhole(result, "--retention-ms", value => value is -1 or > 0, "a positive number of milliseconds, or -1 to keep data forever"),
        };
        var command = new Command("create",
            "Create topics that do not exist yet; existing ones are left as they are (running it twice is fine). " +
            "--all creates every configured topic with broker.partitions, broker.replication_factor and broker.retention_ms.")
        {
            names, all, partitions, retention,
        };
        command.Validators.Add(result =>
        {
            var given = result.GetValue(names) ?? [];
            bool everything = result.GetValue(all);
            if (given.Length == 0 && !everything)
                result.AddError("Name at least one topic, or pass --all to create every configured topic.");
            else if (given.Length > 0 && everything)
                result.AddError("Pass either topic names or --all, not both.");
            else if (everything && (result.GetResult(partitions) is not null || result.GetResult(retention) is not null))
                result.AddError("--all takes partitions and retention from the configuration (broker.partitions, broker.retention_ms); drop --partitions/--retention-ms.");
        });
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            var broker = session.Config.Broker;
            var specs = parseResult.GetValue(all)
                ? PipelineTopics.Specs(session.Config)
                : (parseResult.GetValue(names) ?? [])
                    .Select(name => new TopicSpec(name, parseResult.GetValue(partitions) ?? broker.Partitions, broker.ReplicationFactor,
                        parseResult.GetValue(retention) ?? broker.RetentionMs))
                    .ToArray();
            using var administrator = session.CreateTopicAdministrator();
            var result = await administrator.EnsureTopicsAsync(specs, ct);
            var byName = specs.ToDictionary(spec => spec.Name, StringComparer.Ordinal);
            foreach (var name in result.Created)
            {
                var spec = byName[name];
                await context.Console.Output.WriteLineAsync(
                    $"created  {name} ({spec.Partitions} partitions, replication {spec.ReplicationFactor}, retention.ms {spec.RetentionMs})");
            }

            foreach (var name in result.AlreadyExisting)
                await context.Console.Output.WriteLineAsync($"exists   {name} (left as it is)");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    // A parser rather than a validator: validators only run after conversion, and "many" must fail with this message too.
    private static long? ParseWhole(System.CommandLine.Parsing.ArgumentResult result, string option, Func<long, bool> isAllowed, string allowed)
    {
        var text = result.Tokens.Single().Value;
        if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && isAllowed(value))
            return value;
        result.AddError($"{option} '{text}' must be {allowed}.");
        return null;
    }

    private static Command CreateAddPartitions(CommandLineContext context)
    {
        var name = new Argument<string>("name") { Description = "The topic to grow." };
        var count = new Option<int?>("--count")
        {
            Description = "The new TOTAL number of partitions; must be more than the topic has now.",
            HelpName = "N",
            Required = true,
            CustomParser = result => ParseWhole(result, "--count", value => value is >= 1 and <= int.MaxValue, "a positive whole number") is { } value ? (int)value : null,
        };
        var command = new Command("add-partitions",
            "Grow a topic to --count partitions. Existing partitions keep their data; keyed records may map to other partitions afterwards.")
        {
            name, count,
        };
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            var topicName = parseResult.GetRequiredValue(name);
            var total = parseResult.GetValue(count) ?? 0;
            using var administrator = session.CreateTopicAdministrator();
            await administrator.AddPartitionsAsync(topicName, total, ct);
            await context.Console.Output.WriteLineAsync($"grown    {topicName} to {total} partitions");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateDescribe(CommandLineContext context)
    {
        var name = new Argument<string>("name") { Description = "The topic." };
        var command = new Command("describe", "Show a topic's partitions with their leader, replicas and in-sync replicas.") { name };
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            var topicName = parseResult.GetRequiredValue(name);
            using var administrator = session.CreateTopicAdministrator();
            var topic = await administrator.DescribeTopicAsync(topicName, ct);
            if (topic is null)
            {
                await context.Console.Error.WriteLineAsync(
                    $"error: topic '{topicName}' does not exist on {session.BootstrapServers} (see: topics list; create it: topics create {topicName})");
                return ExitCodes.Failure;
            }

            var configuredAs = session.Config.Topics.All.FirstOrDefault(configured => configured.Name == topic.Name)?.KeyPath;
            var output = context.Console.Output;
            await output.WriteLineAsync($"topic {topic.Name}: {topic.Partitions.Count} partitions" + (configuredAs is null ? "" : $", configured as {configuredAs}"));
            await output.WriteLineAsync("PARTITION  LEADER  REPLICAS  IN-SYNC");
            foreach (var partition in topic.Partitions)
            {
                await output.WriteLineAsync(
                    $"{partition.Partition,9}  {partition.Leader,6}  {string.Join(",", partition.Replicas),8}  {string.Join(",", partition.InSyncReplicas)}");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateRoundTrip(CommandLineContext context)
    {
        var topic = new Option<string>("--topic")
        {
            Description = $"Probe topic (created with one partition if missing). Never a pipeline topic. Default: {DefaultRoundTripTopic}.",
            DefaultValueFactory = _ => DefaultRoundTripTopic,
            HelpName = "name",
        };
        var command = new Command("roundtrip",
            "Produce one record with the pipeline's producer settings and read it back: proves the broker stores and serves data.")
        {
            topic,
        };
        command.SetAction((parseResult, cancellationToken) => KafkaVerbSession.RunAsync(parseResult, context, async (session, ct) =>
        {
            var probeTopic = parseResult.GetRequiredValue(topic);
            if (session.Config.Topics.All.Any(configured => configured.Name == probeTopic))
            {
                await context.Console.Error.WriteLineAsync($"error: '{probeTopic}' is a pipeline topic; the probe record would reach a stage. Pick another --topic.");
                return ExitCodes.Usage;
            }

            using (var administrator = session.CreateTopicAdministrator())
            {
                await administrator.EnsureTopicsAsync(
                    [new TopicSpec(probeTopic, Partitions: 1, session.Config.Broker.ReplicationFactor, RoundTripRetentionMs)], ct);
            }

            var result = await session.CreateRoundTripProbe().RunAsync(probeTopic, session.RequestTimeout, ct);
            await context.Console.Output.WriteLineAsync(
                $"round trip ok: wrote {result.Topic}[0]@{result.Offset} on {session.BootstrapServers} and read it back in {result.Elapsed.TotalMilliseconds:0} ms");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
