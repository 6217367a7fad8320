using Grey.Edge.Outbox;
using Grey.Federation.Signing;

namespace Grey.Ctl.Bench;

/// <summary>
/// Holds a node's outbox back: while closed it reports no signer, which is exactly how an outbox behaves before
/// its node is attested (it ships nothing and its backlog grows). The bench closes it to build a committed backlog
/// through Raft, then opens it and times the drain, so the pipeline figure excludes Raft.
/// </summary>
internal sealed class SignerGate(IDeltaSignerProvider inner, BenchGate gate) : IDeltaSignerProvider
{
    /// <inheritdoc />
    public MessageSigner? Current => gate.IsOpen ? inner.Current : null;
}

/// <summary>One switch shared by every node's <see cref="SignerGate"/>.</summary>
internal sealed class BenchGate
{
    private volatile bool open = true;

    /// <summary>True while outboxes may ship.</summary>
    public bool IsOpen => open;

    /// <summary>Lets every outbox ship (at its next round, within its poll interval).</summary>
    public void Open() => open = true;

    /// <summary>Stops every outbox from starting a new delta (deltas already in flight still complete).</summary>
    public void Close() => open = false;
}
