using System.Text.Json;
using Grey.Simulation.Fleet;

namespace Grey.Simulation.Tests.Fleet;

public sealed class FleetReportTests
{
    private static FleetReport Sample() => new()
    {
        Seed = 17,
        Broker = FleetBroker.Sim,
        Sites = 3,
        Regions = 2,
        Committed = 10,
        Merged = 10,
        Folded = 2,
        Lost = 0,
        Duplicated = 0,
        Rejected = new Dictionary<string, long> { ["signer-unknown"] = 1, ["malformed"] = 2 },
        TamperedSent = 2,
        ForgedSent = 1,
        TamperedRejected = 2,
        ForgedRejected = 1,
        Converged = true,
        DrainSeconds = 1.23456,
        ChaosEvents = new Dictionary<string, long> { ["tamper"] = 2 },
        Violations = [],
    };

    [Fact]
    public void ToJson_Shape_SnakeCaseKeysInOrderWithTypes()
    {
        using JsonDocument doc = JsonDocument.Parse(Sample().ToJson());
        string[] keys = [.. doc.RootElement.EnumerateObject().Select(p => p.Name)];
        Assert.Equal(
            ["seed", "broker", "sites", "regions", "committed", "merged", "folded", "lost", "duplicated", "rejected", "tampered_sent", "forged_sent",
             "tampered_rejected", "forged_rejected", "converged", "drain_s", "chaos", "violations"],
            keys);
        JsonElement root = doc.RootElement;
        Assert.Equal(JsonValueKind.True, root.GetProperty("converged").ValueKind);
        Assert.Equal("sim", root.GetProperty("broker").GetString());
        Assert.Equal(10, root.GetProperty("committed").GetInt64());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("rejected").ValueKind);
        Assert.Equal(["malformed", "signer-unknown"], root.GetProperty("rejected").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(2, root.GetProperty("rejected").GetProperty("malformed").GetInt64());
        Assert.Equal(1.235, root.GetProperty("drain_s").GetDouble());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("violations").ValueKind);
        foreach (string count in new[] { "seed", "sites", "regions", "merged", "folded", "lost", "duplicated", "tampered_sent", "forged_sent", "tampered_rejected", "forged_rejected" })
        {
            Assert.True(root.GetProperty(count).TryGetInt64(out _), count);
        }
    }

    [Fact]
    public void Passed_EachFailure_MakesItFalse()
    {
        FleetReport ok = Sample();
        Assert.True(ok.Passed);
        Assert.False((ok with { Lost = 1 }).Passed);
        Assert.False((ok with { Duplicated = 1 }).Passed);
        Assert.False((ok with { Converged = false }).Passed);
        Assert.False((ok with { TamperedRejected = 1 }).Passed);
        Assert.False((ok with { ForgedRejected = 0 }).Passed);
        Assert.False((ok with { Violations = ["x"] }).Passed);
    }

    [Fact]
    public void Summary_NamesSeedAndVerdict()
    {
        string text = (Sample() with { Lost = 3 }).Summary();
        Assert.Contains("seed=17", text, StringComparison.Ordinal);
        Assert.Contains("FAILED", text, StringComparison.Ordinal);
        Assert.Contains("lost=3", text, StringComparison.Ordinal);
    }
}
