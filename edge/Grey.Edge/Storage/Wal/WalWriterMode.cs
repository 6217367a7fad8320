namespace Grey.Edge.Storage.Wal;

/// <summary>Who runs the WAL's writes.</summary>
internal enum WalWriterMode
{
    /// <summary>A background task writes as soon as operations are queued (the node's normal mode).</summary>
    Background,

    /// <summary>
    /// Nothing is written until the owner calls <see cref="WriteAheadLog.Pump"/>, on its own thread. No thread is
    /// started, so the deterministic simulator can decide when each write reaches its simulated disk.
    /// </summary>
    Manual,
}
