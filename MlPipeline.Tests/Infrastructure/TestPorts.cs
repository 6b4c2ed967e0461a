using System.Net;
using System.Net.Sockets;

namespace MlPipeline.Tests.Infrastructure;

public static class TestPorts
{
    /// <summary>A loopback port that was free a moment ago and has nothing listening now: for "cannot connect" cases.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
