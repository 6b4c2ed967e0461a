namespace MlPipeline.Benchmarks.Common;

/// <summary>One benchmark runnable as `MlPipeline.Benchmarks &lt;Name&gt; [options]`.</summary>
public interface IBenchmarkCommand
{
    /// <summary>The word on the command line that selects this benchmark, e.g. "broker".</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>The options this command accepts, printed by `&lt;Name&gt; --help` and after a bad argument.</summary>
    string Usage { get; }

    /// <summary>Runs the benchmark and prints its results; returns the process exit code.</summary>
    Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}
