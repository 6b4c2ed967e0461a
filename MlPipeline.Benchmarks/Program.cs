// Benchmarks entry point; filled in with the broker benchmark (issue 2).
if (args is ["serving", .. var servingArgs])
    return await new MlPipeline.Benchmarks.Serving.ServingBenchmarkCommand().RunAsync(servingArgs, CancellationToken.None);
return 0;
