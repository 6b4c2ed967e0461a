using MlPipeline.Core.Configuration;
using MlPipeline.Host.Cli;

// `MlPipeline.Host [serve] [--config path] [--urls http://host:port]` runs the service;
// `MlPipeline.Host topics|health …` administers Kafka. See `--help` and README "Command line".
var console = new CommandLineConsole(Console.Out, Console.Error, PipelineConfigLoader.ProcessEnvironment());
return await MlPipelineCommandLine.InvokeAsync(args, console);
