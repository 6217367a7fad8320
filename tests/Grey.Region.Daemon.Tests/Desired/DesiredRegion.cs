using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Desired;
using Grey.Region.Hosting;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Desired;

/// <summary>Starts a region in process over the fixture's broker and clock, with desired-state options of the test's choosing.</summary>
internal static class DesiredRegion
{
    public static Task<RegionDaemon> StartAsync(RegionFixture f, string region, string data, X509Certificate2 certificate, DesiredOptions? desired = null)
    {
        var options = new RegionDaemonOptions
        {
            Region = region,
            DataDirectory = data,
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            NatsUrls = [f.Nats.Url],
            Dev = false,
            AdminToken = RegionFixture.AdminToken,
        };
        var deps = new RegionDaemonDependencies
        {
            Time = f.Fleet.Time,
            SigningCertificate = certificate,
            AttestationResultKey = RegionFleet.PublicOnly(f.Fleet.ResultKey),
            DesiredOptions = desired ?? new DesiredOptions(),
            HostOptions = new RegionHostOptions { PublishRegionDeltas = false },
        };
        return RegionDaemon.StartAsync(options, deps);
    }

    public static HttpClient Admin(RegionDaemon d)
    {
        var http = new HttpClient { BaseAddress = new Uri(d.ApiUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RegionFixture.AdminToken);
        return http;
    }
}
