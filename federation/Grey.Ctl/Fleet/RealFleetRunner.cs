using Grey.Simulation.Fleet;

namespace Grey.Ctl.Fleet;

/// <summary>
/// The real-broker fleet runner (nats-server, mosquitto, the embedded MQTTnet server). Placeholder written by the
/// fleet contract so greyctl builds; the real-broker fleet replaces this file.
/// </summary>
internal sealed class RealFleetRunner : IFleetRunner
{
    public Task<FleetReport> RunAsync(FleetOptions options, TextWriter progress, CancellationToken token) =>
        throw new NotSupportedException("the real-broker fleet is not built yet");
}
