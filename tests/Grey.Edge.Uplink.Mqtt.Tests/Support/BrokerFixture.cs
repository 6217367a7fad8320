namespace Grey.Edge.Uplink.Mqtt.Tests.Support;

/// <summary>One anonymous mosquitto shared by the tests of a class (each test uses its own site and client ids).</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private Mosquitto? broker;

    internal Mosquitto Broker => broker ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => broker = await Mosquitto.StartAsync();

    public async Task DisposeAsync()
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }
}
