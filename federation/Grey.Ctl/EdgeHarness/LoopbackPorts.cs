using System.Net;
using System.Net.Sockets;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Picks free TCP ports on loopback by binding port 0 and releasing it. Another process may take the port
/// between the release and the child's bind; the harness accepts that small race (the child then fails to
/// start and the run reports it) rather than passing listening sockets to children.
/// </summary>
internal static class LoopbackPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Returns <paramref name="count"/> distinct free ports (all bound at once, so they differ).</summary>
    public static int[] Free(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = new List<TcpListener>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (TcpListener listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
