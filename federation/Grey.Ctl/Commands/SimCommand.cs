using System.CommandLine;

namespace Grey.Ctl.Commands;

/// <summary>
/// <c>greyctl sim</c>: the deterministic simulators that ship with the product, so users can run
/// simulated groups and fleets in their own CI. Each subcommand owns its own file.
/// </summary>
internal static class SimCommand
{
    public static Command Create()
    {
        var sim = new Command("sim", "Run deterministic simulations (one printed seed replays a run exactly)");
        sim.Add(SimRaftCommand.Create());
        sim.Add(SimMergeCommand.Create());
        sim.Add(SimFleetCommand.Create());
        return sim;
    }
}
