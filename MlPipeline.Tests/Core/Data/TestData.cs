namespace MlPipeline.Tests.Core.Data;

/// <summary>Locates the repository's sample data from the test output folder.</summary>
internal static class TestData
{
    public static string SalesDatasetPath { get; } = Find(Path.Combine("data", "Sales Dataset.csv"));

    private static string Find(string relativePath)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"'{relativePath}' not found above {AppContext.BaseDirectory}.");
    }
}
