namespace Grey.Integration.Tests.Support;

/// <summary>Tests that start whole federations of processes run one at a time: the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessCollection
{
    public const string Name = "processes";
}
