namespace Grey.Ctl.Fleet;

/// <summary>
/// A site delta seen on the broker by a <see cref="IDeltaTap"/>: its home region, site, wire bytes, and the
/// message's properties (NATS headers or MQTT user properties, values as bytes) so a copy can be published alike.
/// </summary>
internal sealed record CapturedDelta(string Region, string Site, byte[] Wire, IReadOnlyList<KeyValuePair<string, byte[]>> Properties);
