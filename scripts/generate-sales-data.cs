// Writes data/Sales Dataset.csv: 1,000 rows of SYNTHETIC retail sales with the columns of the
// original Python pipeline's sample (an unnamed pandas-style index column first). Nothing here is
// real customer data. The seed is fixed, so every run writes the same bytes.
//
// Usage (from the repository root): dotnet run scripts/generate-sales-data.cs [output path] [rows]
using System.Globalization;
using System.Text;

const int Seed = 20230101;
var outputPath = args.Length > 0 ? args[0] : Path.Combine("data", "Sales Dataset.csv");
var rowCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;

string[] genders = ["Male", "Female"];
string[] categories = ["Beauty", "Clothing", "Electronics"];
int[] unitPrices = [25, 30, 50, 300, 500];
var firstDay = new DateOnly(2023, 1, 1);
var daysInYear = DateOnly.FromDateTime(new DateTime(2023, 12, 31)).DayNumber - firstDay.DayNumber + 1;

// System.Random with a seed uses a fixed legacy algorithm, so the output is stable across runtimes.
var random = new Random(Seed);
var csv = new StringBuilder();
// The header's first cell is empty on purpose: the original file came from pandas' to_csv with its index.
csv.Append(",Date,Gender,Age,Product Category,Quantity,Price per Unit,Total Amount\n");
for (var index = 0; index < rowCount; index++)
{
    var date = firstDay.AddDays(random.Next(daysInYear));
    var gender = genders[random.Next(genders.Length)];
    var age = random.Next(18, 65);
    var category = categories[random.Next(categories.Length)];
    var quantity = random.Next(1, 5);
    var unitPrice = unitPrices[random.Next(unitPrices.Length)];
    csv.Append(CultureInfo.InvariantCulture,
        $"{index},{date:yyyy-MM-dd},{gender},{age},{category},{quantity},{unitPrice},{quantity * unitPrice}\n");
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
File.WriteAllText(outputPath, csv.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
Console.WriteLine($"Wrote {rowCount} synthetic rows to {outputPath}");
