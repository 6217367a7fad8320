using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Grey.Edge.Daemon.Tests;

/// <summary>Real grey-edge processes on loopback.</summary>
public sealed class DaemonProcessTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "grey-edge-proc-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> processes = [];

    private static string DaemonDll => Path.Combine(AppContext.BaseDirectory, "grey-edge.dll");

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DaemonDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        var p = Process.Start(info)!;
        processes.Add(p);
        return p;
    }

    private static void Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {p.Id}")!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        foreach (var p in processes)
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit();
            }

            p.Dispose();
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task ThreeProcesses_WriteOnFollowerReadOnAnother_SigtermExitsCleanly()
    {
        var apiPorts = new[] { FreePort(), FreePort(), FreePort() };
        var peerPorts = new[] { FreePort(), FreePort(), FreePort() };
        var peers = string.Join(",", Enumerable.Range(0, 3).Select(i => $"{i + 1}=127.0.0.1:{peerPorts[i]}"));
        var nodes = new Process[3];
        for (var i = 0; i < 3; i++)
        {
            nodes[i] = Start(
                "--node-id", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--site", "site-p", "--data", Path.Combine(root, "n" + (i + 1)),
                "--api", $"127.0.0.1:{apiPorts[i]}", "--peer-listen", $"127.0.0.1:{peerPorts[i]}", "--peers", peers, "--insecure", "--tick-ms", "50");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        string Url(int i, string path) => $"http://127.0.0.1:{apiPorts[i]}{path}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        for (var i = 0; i < 3; i++)
        {
            while (true)
            {
                if (nodes[i].HasExited)
                {
                    Assert.Fail($"node {i + 1} exited {nodes[i].ExitCode}: {await nodes[i].StandardError.ReadToEndAsync()}");
                }

                Assert.True(DateTime.UtcNow < deadline, $"node {i + 1} never became healthy");
                try
                {
                    if ((await http.GetAsync(Url(i, "/healthz"))).StatusCode == HttpStatusCode.OK)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(50);
            }
        }

        var status = JsonDocument.Parse(await http.GetStringAsync(Url(0, "/v1/status"))).RootElement;
        var leader = (int)status.GetProperty("leader").GetUInt64() - 1;
        var followers = Enumerable.Range(0, 3).Where(i => i != leader).ToArray();
        var put = await http.PutAsync(Url(followers[0], "/v1/kv/line/3/speed"), new ByteArrayContent("42"u8.ToArray()));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var get = await http.GetAsync(Url(followers[1], "/v1/kv/line/3/speed"));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("42", await get.Content.ReadAsStringAsync());
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);

        foreach (var p in nodes)
        {
            Signal(p, "TERM");
        }

        foreach (var p in nodes)
        {
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await p.WaitForExitAsync(exit.Token);
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {await p.StandardError.ReadToEndAsync()}");
            Assert.Contains("stopped cleanly", await p.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
        }

        // A restarted one-node view of node 1's data is not needed: the data survives on disk; restart node 1..3 and read.
        for (var i = 0; i < 3; i++)
        {
            nodes[i] = Start(
                "--node-id", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--site", "site-p", "--data", Path.Combine(root, "n" + (i + 1)),
                "--api", $"127.0.0.1:{apiPorts[i]}", "--peer-listen", $"127.0.0.1:{peerPorts[i]}", "--peers", peers, "--insecure", "--tick-ms", "50");
        }

        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "the restarted site never served the write");
            try
            {
                var again = await http.GetAsync(Url(2, "/v1/kv/line/3/speed"));
                if (again.StatusCode == HttpStatusCode.OK)
                {
                    Assert.Equal("42", await again.Content.ReadAsStringAsync());
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task FourthNode_AddedWithItsPeerAddress_ServesWithoutRestartingTheOthers_AndAfterTheirRestart()
    {
        // Nodes 1-3 are started with --peers naming only themselves; node 4 reaches them only through the address the
        // learner call puts in the log. Snapshots every 4 entries: the address must also survive compaction.
        var apiPorts = new[] { FreePort(), FreePort(), FreePort(), FreePort() };
        var peerPorts = new[] { FreePort(), FreePort(), FreePort(), FreePort() };
        string Peers(int count) => string.Join(",", Enumerable.Range(0, count).Select(i => $"{i + 1}=127.0.0.1:{peerPorts[i]}"));
        string[] Args(int i, string peers, params string[] more) =>
        [
            "--node-id", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--site", "site-grow", "--data", Path.Combine(root, "n" + (i + 1)),
            "--api", $"127.0.0.1:{apiPorts[i]}", "--peer-listen", $"127.0.0.1:{peerPorts[i]}", "--peers", peers, "--insecure", "--tick-ms", "50",
            "--snapshot-entries", "4", .. more,
        ];
        var nodes = new Process[4];
        for (var i = 0; i < 3; i++)
        {
            nodes[i] = Start(Args(i, Peers(3)));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        string Url(int i, string path) => $"http://127.0.0.1:{apiPorts[i]}{path}";
        for (var i = 0; i < 3; i++)
        {
            await WaitHealthyAsync(http, nodes[i], Url(i, "/healthz"));
        }

        for (var k = 0; k < 10; k++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.PutAsync(Url(k % 3, "/v1/kv/before/" + k), new ByteArrayContent("b"u8.ToArray()))).StatusCode);
        }

        nodes[3] = Start(Args(3, Peers(4), "--join"));
        var learner = await http.PostAsync(Url(1, "/v1/members/4/learner"), new StringContent($"{{\"peer\": \"127.0.0.1:{peerPorts[3]}\"}}"));
        Assert.True(learner.StatusCode == HttpStatusCode.OK, await learner.Content.ReadAsStringAsync());
        var promote = await http.PostAsync(Url(2, "/v1/members/4/promote"), null);
        Assert.True(promote.StatusCode == HttpStatusCode.OK, await promote.Content.ReadAsStringAsync());
        await WaitHealthyAsync(http, nodes[3], Url(3, "/healthz"));
        var put = await http.PutAsync(Url(3, "/v1/kv/grown"), new ByteArrayContent("4"u8.ToArray()));
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        Assert.Equal("b", await http.GetStringAsync(Url(3, "/v1/kv/before/9")));
        Assert.Equal("4", await http.GetStringAsync(Url(0, "/v1/kv/grown")));

        // Nodes 1-3 restart with their old --peers. Then node 3 dies: a quorum of the four (1, 2, 4) exists only if
        // nodes 1 and 2, which dial node 4 (the lower id dials), took its address from their snapshot or log.
        for (var i = 0; i < 3; i++)
        {
            Signal(nodes[i], "TERM");
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await nodes[i].WaitForExitAsync(exit.Token);
            nodes[i] = Start(Args(i, Peers(3)));
        }

        Signal(nodes[2], "KILL");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "nodes 1, 2 and 4 never committed a write after the restart");
            try
            {
                if ((await http.PutAsync(Url(0, "/v1/kv/after"), new ByteArrayContent("3"u8.ToArray()))).StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // No quorum yet: the write timed out.
            }

            await Task.Delay(200);
        }

        Assert.Equal("3", await http.GetStringAsync(Url(3, "/v1/kv/after")));
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process node, string healthz)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (node.HasExited)
            {
                Assert.Fail($"{healthz}: the node exited {node.ExitCode}: {await node.StandardError.ReadToEndAsync()}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"{healthz} never answered 200");
            try
            {
                if ((await http.GetAsync(healthz)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task BadFlags_Exit2ListingEveryError()
    {
        var p = Start("--node-id", "zero", "--site", "NO", "--api", "x", "--nope");
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(2, p.ExitCode);
        foreach (var expected in new[] { "--node-id 'zero'", "--site 'NO'", "--data is required", "--api 'x'", "unknown flag --nope" })
        {
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OneNodeSite_StandaloneAfterWritesAndReads_MapsNoOpenSsl()
    {
        // A standalone node's only cryptography is the chain hash (managed SHA-256) and its seed (Guid.NewGuid): OpenSSL,
        // about 3.5 MB resident, must stay unloaded (docs/BENCHMARKS.md, "Edge footprint"). Writes apply entries, which
        // advance the chain hash; reads go through ReadIndex.
        int port = FreePort();
        var node = Start("--node-id", "1", "--site", "site-s", "--data", Path.Combine(root, "s1"), "--api", $"127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        string url = $"http://127.0.0.1:{port}";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(node.HasExited, "the node exited before it was healthy");
            Assert.True(DateTime.UtcNow < deadline, "the node never became healthy");
            try
            {
                if ((await http.GetAsync(url + "/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"{url}/v1/kv/k/{i}", new ByteArrayContent(Encoding.UTF8.GetBytes("v" + i)))).StatusCode);
            Assert.Equal("v" + i, await http.GetStringAsync($"{url}/v1/kv/k/{i}"));
        }

        var status = JsonDocument.Parse(await http.GetStringAsync(url + "/v1/status")).RootElement;
        Assert.NotEqual(new string('0', 64), status.GetProperty("chain_hash").GetString());
        string[] maps = await File.ReadAllLinesAsync($"/proc/{node.Id}/maps");
        Assert.Contains(maps, l => l.Contains("libc.so", StringComparison.Ordinal)); // the file is read as expected
        Assert.DoesNotContain(maps, l => l.Contains("libcrypto", StringComparison.Ordinal) || l.Contains("libssl", StringComparison.Ordinal));
    }
}
