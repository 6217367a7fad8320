using Grey.Simulation.Raft;

namespace Grey.Simulation.Tests.Raft;

public sealed class RaftSimulationOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValid()
    {
        Assert.Empty(new RaftSimulationOptions().Validate());
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOneAtOnce()
    {
        var options = new RaftSimulationOptions
        {
            Nodes = 0,
            MaxSteps = 0,
            Keys = 0,
            OperationTimeout = TimeSpan.Zero,
            TornWriteProbability = 2,
            MaxSizePerMessage = 0,
        };

        var errors = options.Validate();

        Assert.Equal(6, errors.Count);
        Assert.Throws<ArgumentException>(() => new RaftSimulation(options));
    }
}
