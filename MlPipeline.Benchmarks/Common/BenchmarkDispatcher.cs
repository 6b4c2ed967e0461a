namespace MlPipeline.Benchmarks.Common;

/// <summary>Picks the command named by the first argument and runs it with the rest; Ctrl+C cancels it.</summary>
public static class BenchmarkDispatcher
{
    public const int BadArguments = 2;
    public const int Cancelled = 130;

    /// <summary>Prints a command's argument error and its usage; returns the exit code for bad arguments.</summary>
    public static int RejectArguments(string error, string usage)
    {
        Console.Error.WriteLine($"error: {error}");
        Console.Error.WriteLine(usage);
        return BadArguments;
    }

    public static async Task<int> RunAsync(IReadOnlyList<IBenchmarkCommand> commands, string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintCommands(commands, Console.Out);
            return args.Length == 0 ? BadArguments : 0;
        }
        var command = commands.FirstOrDefault(c => string.Equals(c.Name, args[0], StringComparison.OrdinalIgnoreCase));
        if (command is null)
        {
            Console.Error.WriteLine($"error: unknown benchmark '{args[0]}'");
            PrintCommands(commands, Console.Error);
            return BadArguments;
        }
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(command.Usage);
            return 0;
        }

        using var cancellation = new CancellationTokenSource();
        // First Ctrl+C asks the benchmark to stop and clean up (temp directories, brokers); a second one kills.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await command.RunAsync(args[1..], cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return Cancelled;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static void PrintCommands(IReadOnlyList<IBenchmarkCommand> commands, TextWriter output)
    {
        output.WriteLine("usage: dotnet run -c Release --project MlPipeline.Benchmarks -- <benchmark> [options]   (<benchmark> --help for its options)");
        output.WriteLine("benchmarks:");
        foreach (var command in commands) output.WriteLine($"  {command.Name,-10} {command.Summary}");
    }
}
