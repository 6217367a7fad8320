using System.Diagnostics.Metrics;
using Grey.Ctl.Bench;

namespace Grey.Ctl.Tests.Bench;

// In the bench's collection: nothing else in this assembly opens NATS.Net connections while these run.
[Collection(BenchE2eCollection.Name)]
public sealed class NatsWireMeterTests
{
    [Fact]
    public void Listener_CountsOnlyTheTwoNatsByteInstruments()
    {
        using var meter = new Meter("grey-ctl-tests-nats-wire-" + Guid.NewGuid().ToString("N"));
        Counter<long> sent = meter.CreateCounter<long>(NatsWireMeter.SentInstrument);
        Counter<long> received = meter.CreateCounter<long>(NatsWireMeter.ReceivedInstrument);
        Counter<long> other = meter.CreateCounter<long>("nats.client.reconnects");
        using var wire = new NatsWireMeter();

        sent.Add(300);
        sent.Add(20);
        received.Add(7);
        other.Add(1000);

        Assert.Equal(320, wire.Sent);
        Assert.Equal(7, wire.Received);
    }

    [Fact]
    public void Add_UnknownInstrument_Ignored()
    {
        using var wire = new NatsWireMeter();
        wire.Add("nats.client.reconnects", 5);
        wire.Add(NatsWireMeter.SentInstrument, 11);
        Assert.Equal(11, wire.Sent);
        Assert.Equal(0, wire.Received);
    }
}
