namespace Grey.Simulation.Fleet;

/// <summary>The process's CPU time so far (the simulation runs on one thread, so differences approximate its own work).</summary>
internal static class ProcessCpu
{
    public static TimeSpan Now()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }
}
