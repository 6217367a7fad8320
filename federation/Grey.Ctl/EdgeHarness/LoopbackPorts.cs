using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Picks free TCP ports on loopback for servers the harness starts (nodes, brokers, etcd members). A port is
/// bound to prove it free and released for the child to bind, so another process may take it in between; to make
/// that unlikely the ports come from below the kernel's ephemeral range (<c>ip_local_port_range</c>). Ports from
/// binding port 0 lie inside that range, where every outgoing connection of every process also takes its source
/// port: a node killed for a fault round left its port to whichever connection came next (CI saw "Address already
/// in use" on a restart), and a client dialing a dead port there can even connect to itself.
/// </summary>
internal static class LoopbackPorts
{
    /// <summary>The lowest port handed out: well above the registered services most machines run.</summary>
    public const int LowestPort = 10_240;

    /// <summary>Random ports tried per port asked for before falling back to the kernel's choice.</summary>
    public const int MaxAttemptsPerPort = 64;

    private static readonly Lazy<int> EphemeralLow = new(ReadEphemeralLow);

    public static int Free() => Free(1)[0];

    /// <summary>Returns <paramref name="count"/> distinct free ports (all bound at once, so they differ).</summary>
    public static int[] Free(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = new List<TcpListener>(count);
        try
        {
            int high = EphemeralLow.Value - 1;
            for (int i = 0; i < count; i++)
            {
                listeners.Add(BindOne(high));
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

    private static TcpListener BindOne(int high)
    {
        if (high - LowestPort >= 1_024)
        {
            for (int attempt = 0; attempt < MaxAttemptsPerPort; attempt++)
            {
                var listener = new TcpListener(IPAddress.Loopback, RandomNumberGenerator.GetInt32(LowestPort, high + 1));
                try
                {
                    listener.Start();
                    return listener;
                }
                catch (SocketException)
                {
                    listener.Stop();
                }
            }
        }

        var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return any;
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return range.Length >= 1 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int low) ? low : 32_768;
        }
        catch (IOException)
        {
            return 32_768;
        }
        catch (UnauthorizedAccessException)
        {
            return 32_768;
        }
    }
}
