using System.Diagnostics;

namespace Grey.Ctl.Bench;

/// <summary>
/// CPU time (user and system) of this process and, when the bench started nats-server itself, of that server:
/// what one unit of work costs the machine, whatever share of the cores the run was given. The server is found
/// once by its store directory on its command line (Linux <c>/proc</c>); elsewhere, or with an external server,
/// only this process is counted and <see cref="HasBroker"/> is false.
/// </summary>
internal sealed class CpuClock
{
    private readonly int? brokerPid;

    public CpuClock(string? brokerStoreDirectory) => brokerPid = brokerStoreDirectory is null ? null : FindServer(brokerStoreDirectory);

    /// <summary>True when the broker's CPU is included.</summary>
    public bool HasBroker => brokerPid is not null;

    /// <summary>CPU time so far of this process and the broker.</summary>
    public TimeSpan Now()
    {
        using var self = Process.GetCurrentProcess();
        TimeSpan total = self.TotalProcessorTime;
        if (brokerPid is int pid)
        {
            try
            {
                using var broker = Process.GetProcessById(pid);
                total += broker.TotalProcessorTime;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Exited: nothing more to add.
            }
        }

        return total;
    }

    private static int? FindServer(string storeDirectory)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }

        foreach (Process p in Process.GetProcessesByName("nats-server"))
        {
            using (p)
            {
                try
                {
                    string cmdline = File.ReadAllText($"/proc/{p.Id}/cmdline");
                    if (cmdline.Contains(storeDirectory, StringComparison.Ordinal))
                    {
                        return p.Id;
                    }
                }
                catch (IOException)
                {
                    // Gone or unreadable: not ours.
                }
            }
        }

        return null;
    }
}
