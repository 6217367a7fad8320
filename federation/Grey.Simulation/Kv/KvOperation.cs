namespace Grey.Simulation.Kv;

/// <summary>What a client command does to one key of the replicated key-value store.</summary>
internal enum KvOperation : byte
{
    /// <summary>Writes a value.</summary>
    Write = 1,

    /// <summary>Writes a value if the key holds the expected one.</summary>
    Cas = 2,
}
