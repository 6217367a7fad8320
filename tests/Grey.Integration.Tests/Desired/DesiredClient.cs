using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grey.Integration.Tests.Support;

namespace Grey.Integration.Tests.Desired;

/// <summary>
/// HTTP calls of the desired-state tests: issue and list changes at the region (admin token), read desired keys
/// and the applied sequence at the site's nodes.
/// </summary>
internal sealed class DesiredClient : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Uri regionApi;
    private readonly string site;
    private readonly IReadOnlyList<Uri> nodes;

    public DesiredClient(Uri regionApi, string site, IReadOnlyList<Uri> nodes)
    {
        this.regionApi = regionApi;
        this.site = site;
        this.nodes = nodes;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FederationHarness.AdminToken);
    }

    /// <summary><c>PUT /v1/sites/{site}/desired/{key}</c>; returns the sequence the region gave the change.</summary>
    public async Task<ulong> PutAsync(string key, string value)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
        using HttpResponseMessage r = await http.PutAsync(new Uri(regionApi, $"v1/sites/{site}/desired/{key}"), content);
        return await SequenceAsync(r);
    }

    /// <summary><c>DELETE /v1/sites/{site}/desired/{key}</c>; returns the change's sequence.</summary>
    public async Task<ulong> DeleteAsync(string key)
    {
        using HttpResponseMessage r = await http.DeleteAsync(new Uri(regionApi, $"v1/sites/{site}/desired/{key}"));
        return await SequenceAsync(r);
    }

    /// <summary>The region's list (<c>GET /v1/sites/{site}/desired</c>): applied and pending.</summary>
    public async Task<(ulong Applied, ulong Pending)> RegionMarksAsync()
    {
        using HttpResponseMessage r = await http.GetAsync(new Uri(regionApi, $"v1/sites/{site}/desired"));
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"GET desired: {(int)r.StatusCode} {body}");
        using JsonDocument doc = JsonDocument.Parse(body);
        return (doc.RootElement.GetProperty("applied").GetUInt64(), doc.RootElement.GetProperty("pending").GetUInt64());
    }

    /// <summary>
    /// Whether the region issues changes for the site: its desired list answers 200 once a node of the site is
    /// enrolled (the region's site status may know the site earlier, from a report).
    /// </summary>
    public async Task<bool> RegionKnowsSiteAsync()
    {
        try
        {
            using HttpResponseMessage r = await http.GetAsync(new Uri(regionApi, $"v1/sites/{site}/desired"));
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>A site key on node <paramref name="node"/> (linearizable read): value and revision, null when absent or the node is down.</summary>
    public async Task<(string Value, ulong Revision)?> SiteValueAsync(int node, string key)
    {
        try
        {
            using HttpResponseMessage r = await http.GetAsync(new Uri(nodes[node], "v1/kv/" + key));
            if (!r.IsSuccessStatusCode)
            {
                return null;
            }

            string etag = r.Headers.ETag?.Tag.Trim('"') ?? "0";
            return (Encoding.UTF8.GetString(await r.Content.ReadAsByteArrayAsync()), ulong.Parse(etag, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Whether node <paramref name="node"/> answers 404 for <paramref name="key"/>.</summary>
    public async Task<bool> SiteAbsentAsync(int node, string key)
    {
        try
        {
            using HttpResponseMessage r = await http.GetAsync(new Uri(nodes[node], "v1/kv/" + key));
            return r.StatusCode == HttpStatusCode.NotFound;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The applied desired sequence node <paramref name="node"/> reports in <c>GET /v1/status</c> (uplink section), null when down.</summary>
    public async Task<ulong?> AppliedSequenceAsync(int node)
    {
        try
        {
            using HttpResponseMessage r = await http.GetAsync(new Uri(nodes[node], "v1/status"));
            using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            return doc.RootElement.GetProperty("uplink").GetProperty("desired_applied_sequence").GetUInt64();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Node <paramref name="node"/>'s <c>/metrics</c> text ("" when down).</summary>
    public async Task<string> MetricsAsync(int node)
    {
        try
        {
            return await http.GetStringAsync(new Uri(nodes[node], "metrics"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return string.Empty;
        }
    }

    public void Dispose() => http.Dispose();

    private static async Task<ulong> SequenceAsync(HttpResponseMessage r)
    {
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, $"desired change not accepted: {(int)r.StatusCode} {body}");
        using JsonDocument doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("sequence").GetUInt64();
    }
}
