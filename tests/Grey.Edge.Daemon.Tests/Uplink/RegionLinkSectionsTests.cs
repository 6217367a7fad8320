using System.Text;
using System.Text.Json;
using Grey.Edge.Daemon.Uplink;

namespace Grey.Edge.Daemon.Tests.Uplink;

public sealed class RegionLinkSectionsTests
{
    private static readonly UplinkStatus Sample = new("r1", "nats", true, "nats://127.0.0.1:4222", true, true, "2026-01-01T00:00:00.0000000+00:00",
        true, true, 3, 120, 1.5, 7, 10, 1, 4, 2, false, null);

    [Fact]
    public void SpliceStatus_JsonObject_UplinkIsLastMember()
    {
        var body = Encoding.UTF8.GetBytes("{\"node\":1,\"site\":\"s\"}\n");

        var spliced = RegionLinkSections.SpliceStatus(body, new View());

        using var doc = JsonDocument.Parse(spliced);
        Assert.Equal(1, doc.RootElement.GetProperty("node").GetInt32());
        var uplink = doc.RootElement.GetProperty("uplink");
        Assert.True(uplink.GetProperty("connected").GetBoolean());
        Assert.Equal(3, uplink.GetProperty("backlog_entries").GetInt64());
        Assert.Equal(120, uplink.GetProperty("backlog_bytes").GetInt64());
        Assert.Equal(1.5, uplink.GetProperty("oldest_unacked_age_seconds").GetDouble());
        Assert.Equal(7UL, uplink.GetProperty("acked_index").GetUInt64());
    }

    [Fact]
    public void SpliceStatus_EmptyObject_ValidJson()
    {
        var spliced = RegionLinkSections.SpliceStatus("{ }"u8.ToArray(), new View());

        using var doc = JsonDocument.Parse(spliced);
        Assert.Equal("r1", doc.RootElement.GetProperty("uplink").GetProperty("region").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("}")]
    public void SpliceStatus_NotAnObject_Unchanged(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);

        Assert.Equal(body, RegionLinkSections.SpliceStatus(body, new View()));
    }

    [Fact]
    public void AppendMetrics_AddsLinkLinesAfterNodeLines()
    {
        var text = Encoding.UTF8.GetString(RegionLinkSections.AppendMetrics("grey_edge_term 1\n"u8.ToArray(), new View()));

        Assert.StartsWith("grey_edge_term 1\n", text, StringComparison.Ordinal);
        Assert.Contains("grey_edge_outbox_backlog_entries 3\n", text, StringComparison.Ordinal);
    }

    private sealed class View : IRegionLinkView
    {
        public UplinkStatus Status() => Sample;

        public void AppendMetrics(StringBuilder sb) => sb.Append("grey_edge_outbox_backlog_entries 3\n");
    }
}
