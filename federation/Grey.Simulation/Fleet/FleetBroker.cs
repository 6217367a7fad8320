namespace Grey.Simulation.Fleet;

/// <summary>
/// Which broker carries a fleet's deltas, acknowledgements and region deltas.
/// </summary>
internal enum FleetBroker
{
    /// <summary>The simulated network and broker inside the deterministic simulator: virtual time, one seed, exact replay.</summary>
    Sim,

    /// <summary>A real nats-server with JetStream (started by greyctl, or external with a NATS URL).</summary>
    Nats,

    /// <summary>A real mosquitto (started by greyctl, or external with an MQTT URL).</summary>
    Mosquitto,

    /// <summary>The embedded MQTTnet server, in process.</summary>
    Embedded,
}
