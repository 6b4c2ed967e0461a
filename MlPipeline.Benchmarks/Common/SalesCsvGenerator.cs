using System.Globalization;
using System.Text;

namespace MlPipeline.Benchmarks.Common;

/// <summary>
/// Streams SYNTHETIC sales rows with the columns of data/Sales Dataset.csv, row by row, so a 1,000,000-row file
/// never sits in memory. Same seed, value ranges and draw order as scripts/generate-sales-data.cs (a script file,
/// not a library, so it cannot be referenced): the first 1,000 rows equal the sample file byte for byte.
/// </summary>
public static class SalesCsvGenerator
{
    public const int Seed = 20230101;

    private static readonly string[] Genders = ["Male", "Female"];
    private static readonly string[] Categories = ["Beauty", "Clothing", "Electronics"];
    private static readonly int[] UnitPrices = [25, 30, 50, 300, 500];
    private static readonly DateOnly FirstDay = new(2023, 1, 1);

    /// <summary>Writes <paramref name="rows"/> rows (plus the header) to a new file at <paramref name="path"/>.</summary>
    public static void WriteFile(string path, int rows)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
        Write(writer, rows);
    }

    public static void Write(TextWriter output, int rows)
    {
        int daysInYear = new DateOnly(2023, 12, 31).DayNumber - FirstDay.DayNumber + 1;
        // Seeded System.Random uses a fixed legacy algorithm: the bytes are the same on every runtime and machine.
        var random = new Random(Seed);
        // The first header cell is empty on purpose: the original file is pandas' to_csv output with its index.
        output.Write(",Date,Gender,Age,Product Category,Quantity,Price per Unit,Total Amount\n");
        for (int index = 0; index < rows; index++)
        {
            var date = FirstDay.AddDays(random.Next(daysInYear));
            string gender = Genders[random.Next(Genders.Length)];
            int age = random.Next(18, 65);
            string category = Categories[random.Next(Categories.Length)];
            int quantity = random.Next(1, 5);
            int unitPrice = UnitPrices[random.Next(UnitPrices.Length)];
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $"{index},{date:yyyy-MM-dd},{gender},{age},{category},{quantity},{unitPrice},{quantity * unitPrice}\n"));
        }
    }
}
