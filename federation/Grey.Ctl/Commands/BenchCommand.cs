using System.CommandLine;

namespace Grey.Ctl.Commands;

/// <summary><c>greyctl bench ...</c>: benchmarks of real processes, one subcommand per target.</summary>
internal static class BenchCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var command = new Command("bench", "Measure throughput and latency of real processes");
        command.Add(BenchEdgeCommand.Create(clock));
        command.Add(BenchE2eCommand.Create(clock));
        return command;
    }
}
