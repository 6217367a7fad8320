using System.Net.Sockets;
using Grey.Ctl.Brokers;

namespace Grey.Ctl.Tests.Brokers;

public sealed class NatsServerTests
{
    [Fact]
    public async Task StartStopRestart_SamePortAndStore_AcceptsAgain()
    {
        string dir = Directory.CreateTempSubdirectory("grey-nats-").FullName;
        try
        {
            (NatsServer? server, string error) = await NatsServer.StartAsync(dir);
            Assert.True(server is not null, error);
            await using (server)
            {
                Assert.True(await AcceptsAsync(server.Port));
                Assert.True(Directory.Exists(server.StoreDirectory), "JetStream creates its store at start");

                await server.StopAsync();
                Assert.False(server.IsRunning);
                Assert.False(await AcceptsAsync(server.Port));

                await server.RestartAsync();
                Assert.True(server.IsRunning);
                Assert.True(await AcceptsAsync(server.Port));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_BadConfig_ReturnsErrorWithLog()
    {
        string dir = Directory.CreateTempSubdirectory("grey-nats-").FullName;
        try
        {
            string config = Path.Combine(dir, "bad.conf");
            await File.WriteAllTextAsync(config, "authorization { users = [ { user: ");
            (NatsServer? server, string error) = await NatsServer.StartAsync(dir, config);
            Assert.Null(server);
            Assert.Contains("exited at start", error);
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
