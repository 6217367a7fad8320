using System.CommandLine;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl torture ...</c>: fault-injection runs against real processes (as opposed to <c>greyctl sim</c>,
/// which simulates them deterministically). Each subcommand is one target.
/// </summary>
internal static class TortureCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        var command = new Command("torture", "Run real processes under crashes and partitions and check what clients saw");
        command.Add(TortureEdgeCommand.Create(clock));
        return command;
    }
}
