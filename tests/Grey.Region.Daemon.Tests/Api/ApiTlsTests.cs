using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Region.Daemon.Api;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Tests.Support;

namespace Grey.Region.Daemon.Tests.Api;

/// <summary>
/// The API over real HTTPS on 127.0.0.1 with certificates made here: a client certificate from the
/// <c>--api-client-ca</c> CA is the admin, one from another CA or none is not, and the token still works. Real clock
/// (certificate validity is checked against it).
/// </summary>
public sealed class ApiTlsTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    private static readonly X509Certificate2 Cert = RegionFixture.RegionCertificate("tls");

    private async Task<RegionDaemon> StartHttpsRegionAsync(string region, string files, X509Certificate2 serverCa, X509Certificate2? clientCa)
    {
        using X509Certificate2 server = TestCertificates.Issue(serverCa, "region api", server: true);
        (string serverCert, string serverKey) = TestCertificates.WritePem(server, files, "api");
        string? clientCaFile = clientCa is null ? null : TestCertificates.WritePem(clientCa, files, "client-ca").Cert;
        RegionDaemon d = await RegionDaemon.StartAsync(
            new RegionDaemonOptions
            {
                Region = region, DataDirectory = f.NewFolder(), Api = new IPEndPoint(IPAddress.Loopback, 0), NatsUrls = [f.Nats.Url], AdminToken = RegionFixture.AdminToken,
                ApiCertFile = serverCert, ApiKeyFile = serverKey, ApiClientCaFile = clientCaFile,
            },
            new RegionDaemonDependencies { Time = TimeProvider.System, SigningCertificate = Cert, AttestationResultKey = RegionFleet.PublicOnly(f.Fleet.ResultKey) });
        Assert.Null(d.Enroll("a1", "site-a", X509CertificateLoader.LoadCertificate(f.A1.Certificate.RawData)));
        Assert.Null(d.Enroll("a2", "site-a", X509CertificateLoader.LoadCertificate(f.A2.Certificate.RawData)));
        return d;
    }

    /// <summary>An HTTPS client that trusts only <paramref name="serverCa"/> and presents <paramref name="clientCertificate"/> (or nothing).</summary>
    private static HttpClient Client(RegionDaemon d, X509Certificate2 serverCa, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(serverCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri(d.ApiUrl) };
    }

    [Fact]
    public async Task Revoke_OverHttps_ClientCertificateFromTheCaIsAdminOthersAre401()
    {
        string files = f.NewFolder();
        using X509Certificate2 serverCa = TestCertificates.CreateCa("test api server CA");
        using X509Certificate2 adminCa = TestCertificates.CreateCa("test admin CA");
        using X509Certificate2 otherCa = TestCertificates.CreateCa("some other CA");
        using X509Certificate2 admin = TestCertificates.Issue(adminCa, "operator", server: false);
        using X509Certificate2 stranger = TestCertificates.Issue(otherCa, "operator", server: false);
        await using RegionDaemon d = await StartHttpsRegionAsync("t-tls", files, serverCa, adminCa);
        Assert.StartsWith("https://127.0.0.1:", d.ApiUrl, StringComparison.Ordinal);

        using HttpClient none = Client(d, serverCa, null);
        using HttpResponseMessage anonymous = await none.PostAsync("/v1/nodes/a1/revoke", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync("/v1/nodes")).StatusCode);

        using HttpClient other = Client(d, serverCa, stranger);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.PostAsync("/v1/nodes/a1/revoke", null)).StatusCode);
        Assert.False(d.Host.Read(c => c.Registry.Find("a1")!.Revoked));

        using HttpClient operatorClient = Client(d, serverCa, admin);
        using HttpResponseMessage revoked = await operatorClient.PostAsync("/v1/nodes/a1/revoke", null);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.True(JsonDocument.Parse(await revoked.Content.ReadAsStringAsync()).RootElement.GetProperty("revoked").GetBoolean());
        Assert.True(d.Host.Read(c => c.Registry.Find("a1")!.Revoked));
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync("/v1/nodes")).StatusCode);

        // The token keeps working over HTTPS without a certificate.
        none.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RegionFixture.AdminToken);
        Assert.Equal(HttpStatusCode.OK, (await none.PostAsync("/v1/nodes/a2/revoke", null)).StatusCode);
    }

    [Fact]
    public async Task Revoke_OverHttpsWithoutClientCa_OnlyTheTokenWorks()
    {
        string files = f.NewFolder();
        using X509Certificate2 serverCa = TestCertificates.CreateCa("test api server CA");
        using X509Certificate2 adminCa = TestCertificates.CreateCa("test admin CA");
        using X509Certificate2 admin = TestCertificates.Issue(adminCa, "operator", server: false);
        await using RegionDaemon d = await StartHttpsRegionAsync("t-tls-token", files, serverCa, clientCa: null);

        using HttpClient withCertificate = Client(d, serverCa, admin);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withCertificate.PostAsync("/v1/nodes/a1/revoke", null)).StatusCode);
        withCertificate.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RegionFixture.AdminToken);
        Assert.Equal(HttpStatusCode.OK, (await withCertificate.PostAsync("/v1/nodes/a1/revoke", null)).StatusCode);
    }

    [Fact]
    public void IsAdmin_ExpiredOrServerOnlyOrForeignCertificate_NotAdmin()
    {
        string files = f.NewFolder();
        using X509Certificate2 adminCa = TestCertificates.CreateCa("test admin CA");
        using X509Certificate2 otherCa = TestCertificates.CreateCa("some other CA");
        using X509Certificate2 server = TestCertificates.Issue(adminCa, "api", server: true);
        (string serverCert, string serverKey) = TestCertificates.WritePem(server, files, "api");
        using ApiTls tls = ApiTls.Load(new RegionDaemonOptions { ApiCertFile = serverCert, ApiKeyFile = serverKey, ApiClientCaFile = TestCertificates.WritePem(adminCa, files, "ca").Cert })!;
        using X509Certificate2 good = TestCertificates.Issue(adminCa, "operator", server: false, notAfter: DateTimeOffset.UtcNow.AddDays(2));
        using X509Certificate2 serverOnly = TestCertificates.Issue(adminCa, "operator", server: false, usageOid: "1.3.6.1.5.5.7.3.1");
        using X509Certificate2 foreign = TestCertificates.Issue(otherCa, "operator", server: false);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        Assert.True(tls.IsAdmin(good, now));
        Assert.False(tls.IsAdmin(good, now.AddDays(3)));
        Assert.False(tls.IsAdmin(serverOnly, now));
        Assert.False(tls.IsAdmin(foreign, now));
        Assert.False(tls.IsAdmin(adminCa, now.AddYears(2)));
        Assert.False(tls.IsAdmin(null, now));
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_Throws()
    {
        string files = f.NewFolder();
        using X509Certificate2 ca = TestCertificates.CreateCa("test CA");
        using X509Certificate2 one = TestCertificates.Issue(ca, "one", server: true);
        using X509Certificate2 two = TestCertificates.Issue(ca, "two", server: true);
        string cert = TestCertificates.WritePem(one, files, "one").Cert;
        string otherKey = TestCertificates.WritePem(two, files, "two").Key;

        var e = Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => ApiTls.Load(new RegionDaemonOptions { ApiCertFile = cert, ApiKeyFile = otherKey }));
        Assert.Contains("is not the key of --api-cert", e.Message, StringComparison.Ordinal);
    }
}
