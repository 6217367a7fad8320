using System.Text;
using System.Text.Json;

namespace Grey.Simulation.Fleet;

/// <summary>
/// What a fleet run saw, as CI asserts on it. <see cref="Passed"/> is the verdict of issue 8: nothing lost,
/// nothing doubled, every tampered and forged delta rejected, converged, and no invariant violated during the run.
/// </summary>
internal sealed record FleetReport
{
    /// <summary>Violations kept in the report; a run that breaks an invariant usually breaks it many times.</summary>
    public const int MaxViolations = 50;

    public required ulong Seed { get; init; }

    public required FleetBroker Broker { get; init; }

    public required int Sites { get; init; }

    public required int Regions { get; init; }

    /// <summary>Data entries committed by all sites (the operations that must arrive).</summary>
    public required long Committed { get; init; }

    /// <summary>Committed data entries merged by their home regions (folded ones included, each counted once).</summary>
    public required long Merged { get; init; }

    /// <summary>Committed data entries that reached their region only inside a checkpoint (fold) delta.</summary>
    public required long Folded { get; init; }

    /// <summary>Committed data entries their home region never merged.</summary>
    public required long Lost { get; init; }

    /// <summary>Data entries a region merged more than once.</summary>
    public required long Duplicated { get; init; }

    /// <summary>Deltas rejected by the regions, by reason code.</summary>
    public required IReadOnlyDictionary<string, long> Rejected { get; init; }

    public required long TamperedSent { get; init; }

    public required long ForgedSent { get; init; }

    public required long TamperedRejected { get; init; }

    public required long ForgedRejected { get; init; }

    /// <summary>Each site's merged state equals its committed state (by hash) and all regions hold the same state hash.</summary>
    public required bool Converged { get; init; }

    /// <summary>Seconds from the end of the last outage (or of the writes) until every region held everything.</summary>
    public required double DrainSeconds { get; init; }

    /// <summary>Chaos events injected, by class name.</summary>
    public required IReadOnlyDictionary<string, long> ChaosEvents { get; init; }

    /// <summary>Invariant violations seen during the run (at most <see cref="MaxViolations"/>).</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    public bool Passed =>
        Lost == 0 && Duplicated == 0 && Converged
        && TamperedRejected == TamperedSent && ForgedRejected == ForgedSent
        && Violations.Count == 0;

    /// <summary>
    /// The report as one JSON object with snake_case keys, in a fixed order and with dictionary keys sorted
    /// ordinally, so that two runs of one seed give byte-identical text.
    /// </summary>
    public string ToJson(bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteNumber("seed", Seed);
            w.WriteString("broker", Broker.ToString().ToLowerInvariant());
            w.WriteNumber("sites", Sites);
            w.WriteNumber("regions", Regions);
            w.WriteNumber("committed", Committed);
            w.WriteNumber("merged", Merged);
            w.WriteNumber("folded", Folded);
            w.WriteNumber("lost", Lost);
            w.WriteNumber("duplicated", Duplicated);
            WriteCounts(w, "rejected", Rejected);
            w.WriteNumber("tampered_sent", TamperedSent);
            w.WriteNumber("forged_sent", ForgedSent);
            w.WriteNumber("tampered_rejected", TamperedRejected);
            w.WriteNumber("forged_rejected", ForgedRejected);
            w.WriteBoolean("converged", Converged);
            w.WriteNumber("drain_s", Math.Round(DrainSeconds, 3));
            WriteCounts(w, "chaos", ChaosEvents);
            w.WriteStartArray("violations");
            foreach (string v in Violations)
            {
                w.WriteStringValue(v);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A few human-readable lines (the seed first), for progress output and failures.</summary>
    public string Summary()
    {
        var s = new StringBuilder();
        s.Append($"fleet seed={Seed} broker={Broker.ToString().ToLowerInvariant()} sites={Sites} regions={Regions}: ");
        s.Append(Passed ? "PASSED" : "FAILED").AppendLine();
        s.AppendLine($"  committed={Committed} merged={Merged} folded={Folded} lost={Lost} duplicated={Duplicated} converged={(Converged ? "true" : "false")} drain_s={DrainSeconds:0.###}");
        s.AppendLine($"  tampered {TamperedRejected}/{TamperedSent} rejected, forged {ForgedRejected}/{ForgedSent} rejected");
        s.AppendLine($"  rejected: {Format(Rejected)}");
        s.AppendLine($"  chaos: {Format(ChaosEvents)}");
        foreach (string v in Violations)
        {
            s.AppendLine($"  violation: {v}");
        }

        return s.ToString();
    }

    private static string Format(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static void WriteCounts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (KeyValuePair<string, long> p in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(p.Key, p.Value);
        }

        w.WriteEndObject();
    }
}
