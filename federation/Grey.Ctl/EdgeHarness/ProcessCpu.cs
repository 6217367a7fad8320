using System.Diagnostics;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// Sums the CPU time (user and system) of a set of child processes, for the benchmark's cost-per-write
/// figure. A process that has exited or cannot be read counts as zero, so a sample never throws.
/// </summary>
internal static class ProcessCpu
{
    /// <summary>The total CPU time so far of every running process in <paramref name="processes"/>.</summary>
    public static TimeSpan Total(IEnumerable<ManagedProcess> processes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        TimeSpan total = TimeSpan.Zero;
        foreach (ManagedProcess process in processes)
        {
            if (process.ProcessId is not int pid)
            {
                continue;
            }

            try
            {
                using var p = Process.GetProcessById(pid);
                total += p.TotalProcessorTime;
            }
            catch (ArgumentException)
            {
                // The process exited between the check and the read.
            }
            catch (InvalidOperationException)
            {
                // Same.
            }
        }

        return total;
    }
}
