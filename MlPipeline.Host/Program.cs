using MlPipeline.Core.Configuration;
using MlPipeline.Host;

// The service: `dotnet run --project MlPipeline.Host [--config path] [--urls http://host:port]`.
var environment = PipelineConfigLoader.ProcessEnvironment();
var settings = new PipelineHostSettings(PipelineApplication.ResolveConfigPath(args, environment), environment, args);

WebApplication app;
try
{
    app = await PipelineApplication.BuildAsync(settings);
}
catch (ConfigurationException exception)
{
    // One line per problem, naming file, key, value and what is allowed; nothing has started yet.
    Console.Error.WriteLine(exception.Message);
    return 2;
}

await app.RunAsync();
return 0;
