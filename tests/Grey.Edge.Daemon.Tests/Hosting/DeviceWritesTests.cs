using Grey.Edge.Daemon.Hosting;
using Grey.Edge.Devices;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Tests.Hosting;

public sealed class DeviceWritesTests
{
    // Enum values as ints: the enums are internal, and xunit theories are public methods.
    [Theory]
    [InlineData((int)ProposalStatus.NoLeader)]
    [InlineData((int)ProposalStatus.Dropped)]
    [InlineData((int)ProposalStatus.Overloaded)]
    [InlineData((int)ProposalStatus.Unknown)]
    [InlineData((int)ProposalStatus.Stopped)]
    public void Map_NotApplied_Unavailable(int status)
    {
        var result = DeviceWrites.Map(ProposalResult.Fail((ProposalStatus)status, "why"));

        Assert.Equal(DeviceWriteStatus.Unavailable, result.Status);
        Assert.Contains("why", result.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((int)CommandStatus.Ok, (int)DeviceWriteStatus.Committed)]
    [InlineData((int)CommandStatus.Forbidden, (int)DeviceWriteStatus.Refused)]
    [InlineData((int)CommandStatus.WrongType, (int)DeviceWriteStatus.Refused)]
    [InlineData((int)CommandStatus.PreconditionFailed, (int)DeviceWriteStatus.Unavailable)]
    public void Map_Applied_ByOutcome(int outcome, int expected)
    {
        var result = DeviceWrites.Map(new ProposalResult(ProposalStatus.Applied, new CommandOutcome((CommandStatus)outcome, 1)));

        Assert.Equal((DeviceWriteStatus)expected, result.Status);
    }
}
