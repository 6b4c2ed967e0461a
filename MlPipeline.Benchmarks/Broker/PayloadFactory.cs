namespace MlPipeline.Benchmarks.Broker;

/// <summary>Message values for the benchmark: fixed size, incompressible-looking bytes from a fixed seed.</summary>
public static class PayloadFactory
{
    private const int Seed = 20_240_601;

    public static byte[] Create(int size)
    {
        var value = new byte[size];
        new Random(Seed).NextBytes(value);
        return value;
    }
}
