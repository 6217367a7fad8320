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

    /// <summary>
    /// The thread that queues an operation writes it, together with whatever other callers queued meanwhile (one
    /// fsync for all: group commit); a caller that finds another thread writing leaves its operation to that
    /// thread, which takes it along before it stops. No thread is started. This saves the node loop two thread
    /// hops per round (waking a writer task, and being woken by it), the largest part of the thread switching a
    /// write costs: the loop waited for each append anyway, so writing on its own thread loses no parallelism.
    /// </summary>
    Inline,
}
