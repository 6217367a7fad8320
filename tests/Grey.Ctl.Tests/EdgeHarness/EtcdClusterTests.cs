using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grey.Ctl.EdgeHarness;
using Grpc.Net.Client;

namespace Grey.Ctl.Tests.EdgeHarness;

/// <summary>The etcd harness against the real etcd-server package: three members on loopback, written through gRPC.</summary>
public sealed class EtcdClusterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("grey-etcd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Start_ThreeMembers_WriteOnOneIsReadOnAnother()
    {
        string etcd = EtcdLocator.FindOnPath() ?? throw new InvalidOperationException("etcd is not installed: tests/run-all.sh installs etcd-server");
        await using EtcdCluster cluster = EtcdCluster.Start(etcd, 3, _dir, TimeProvider.System);
        Assert.True(await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(60), CancellationToken.None), cluster.Member(0).Tail());

        using var first = GrpcChannel.ForAddress(cluster.ClientEndpoints[0]);
        using var third = GrpcChannel.ForAddress(cluster.ClientEndpoints[2]);
        var writer = new EtcdClient(first.CreateCallInvoker());
        var reader = new EtcdClient(third.CreateCallInvoker());
        await writer.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("bench/x"), Value = ByteString.CopyFrom([1, 2, 3]) }, null, null, CancellationToken.None);
        RangeResponse got = await reader.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("bench/x") }, null, null, CancellationToken.None);
        Assert.Equal([1, 2, 3], Assert.Single(got.Kvs).Value.ToByteArray());
    }
}
