namespace Grey.Ctl.Tests.Bench;

/// <summary>The bench's tests that count NATS.Net bytes process-wide run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchE2eCollection
{
    public const string Name = "bench e2e";
}
