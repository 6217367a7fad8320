using Grey.Simulation.Fleet;

namespace Grey.Simulation.Tests.Fleet;

public sealed class FleetOptionsTests
{
    private static readonly FleetOptions Valid = new() { Sites = 3, Duration = TimeSpan.FromSeconds(30), Seed = 1, Chaos = ChaosClass.All };

    [Fact]
    public void Validate_Defaults_NoErrors()
    {
        Assert.Empty(Valid.Validate());
        Assert.Equal(3, Valid.NodesPerSite);
        Assert.Equal(1, Valid.Regions);
        Assert.Equal(FleetBroker.Sim, Valid.Broker);
    }

    [Fact]
    public void Validate_ManyProblems_EveryErrorAtOnce()
    {
        var bad = Valid with { Sites = 0, NodesPerSite = 9, Regions = 0, Duration = TimeSpan.Zero, Broker = FleetBroker.Sim, NatsUrl = "http://x", ReportPath = " " };
        IReadOnlyList<string> errors = bad.Validate();
        Assert.Contains(errors, e => e.StartsWith("sites", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("nodes per site", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("regions", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("only used with broker nats", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("must be nats://", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("report path", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(bad.EnsureValid);
    }

    [Fact]
    public void Validate_BrokerRestartWithExternalBroker_Refused()
    {
        var nats = Valid with { Broker = FleetBroker.Nats, NatsUrl = "nats://127.0.0.1:4222" };
        Assert.Contains(nats.Validate(), e => e.Contains("broker-restart", StringComparison.Ordinal));
        Assert.Empty((nats with { Chaos = ChaosClass.All & ~ChaosClass.BrokerRestart }).Validate());
        var mqtt = Valid with { Broker = FleetBroker.Mosquitto, MqttUrl = "mqtt://127.0.0.1:1883", Chaos = ChaosClass.BrokerRestart };
        Assert.Contains(mqtt.Validate(), e => e.Contains("broker-restart", StringComparison.Ordinal));
        Assert.True(mqtt.ExternalBroker);
    }

    [Fact]
    public void Validate_OwnBrokerWithBrokerRestart_Accepted()
    {
        Assert.Empty((Valid with { Broker = FleetBroker.Nats }).Validate());
        Assert.Empty((Valid with { Broker = FleetBroker.Mosquitto }).Validate());
        Assert.Empty((Valid with { Broker = FleetBroker.Embedded }).Validate());
    }
}
