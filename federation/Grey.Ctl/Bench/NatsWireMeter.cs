using System.Diagnostics.Metrics;

namespace Grey.Ctl.Bench;

/// <summary>
/// Bytes through every NATS.Net connection of this process, from NATS.Net's own counters (the
/// <c>nats.client.sent.bytes</c> and <c>nats.client.received.bytes</c> instruments: message bodies and headers
/// as published and as received; protocol framing is not counted). The bench reads it before and after a phase.
/// </summary>
internal sealed class NatsWireMeter : IDisposable
{
    /// <summary>NATS.Net's instrument of bytes published.</summary>
    public const string SentInstrument = "nats.client.sent.bytes";

    /// <summary>NATS.Net's instrument of bytes received.</summary>
    public const string ReceivedInstrument = "nats.client.received.bytes";

    private readonly MeterListener listener = new();
    private long sent;
    private long received;

    public NatsWireMeter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name is SentInstrument or ReceivedInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument.Name, value));
        listener.Start();
    }

    /// <summary>Bytes published so far.</summary>
    public long Sent => Interlocked.Read(ref sent);

    /// <summary>Bytes received so far.</summary>
    public long Received => Interlocked.Read(ref received);

    /// <summary>Counts one measurement (the listener's callback; tests call it directly).</summary>
    public void Add(string instrument, long bytes)
    {
        if (instrument == SentInstrument)
        {
            Interlocked.Add(ref sent, bytes);
        }
        else if (instrument == ReceivedInstrument)
        {
            Interlocked.Add(ref received, bytes);
        }
    }

    public void Dispose() => listener.Dispose();
}
