using System.Net.Sockets;
using Grey.Ctl.Brokers;

namespace Grey.Ctl.Tests.Brokers;

public sealed class MosquittoServerTests
{
    [Fact]
    public async Task StartStopRestart_SamePort_AcceptsAgain()
    {
        string dir = Directory.CreateTempSubdirectory("grey-mqtt-").FullName;
        try
        {
            (MosquittoServer? server, string error) = await MosquittoServer.StartAsync(dir);
            Assert.True(server is not null, error);
            await using (server)
            {
                Assert.Contains("set_tcp_nodelay true", await File.ReadAllTextAsync(server.ConfigFile));
                Assert.True(await AcceptsAsync(server.Port));
                await server.StopAsync();
                Assert.False(await AcceptsAsync(server.Port));
                await server.RestartAsync();
                Assert.True(await AcceptsAsync(server.Port));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_BadExtraConfiguration_ReturnsError()
    {
        string dir = Directory.CreateTempSubdirectory("grey-mqtt-").FullName;
        try
        {
            (MosquittoServer? server, string error) = await MosquittoServer.StartAsync(dir, "no_such_option 1");
            Assert.Null(server);
            Assert.Contains("mosquitto", error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
