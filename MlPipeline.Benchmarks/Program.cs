// Benchmarks entry point: `dotnet run -c Release --project MlPipeline.Benchmarks -- <command> [options]`.
// Each benchmark is one IBenchmarkCommand in its own folder; adding one is a file there plus one line below.
using MlPipeline.Benchmarks.Broker;
using MlPipeline.Benchmarks.Common;
using MlPipeline.Benchmarks.Envelope;
using MlPipeline.Benchmarks.Serving;
using MlPipeline.Benchmarks.Soak;
using MlPipeline.Benchmarks.Ingestion;
using MlPipeline.Benchmarks.Training;

IBenchmarkCommand[] commands =
[
    new BrokerBenchmarkCommand(),
    new ServingBenchmarkCommand(),
    new IngestionBenchmarkCommand(),
    new TrainingBenchmarkCommand(),
    new TrainingStoreBenchmarkCommand(),
    new EnvelopeBenchmarkCommand(),
    new SoakBenchmarkCommand(),
];

return await BenchmarkDispatcher.RunAsync(commands, args);
