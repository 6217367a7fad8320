using Grey.Federation.Chain;

namespace Grey.Edge.Outbox;

/// <summary>One journal entry in memory: a chained data entry with the chain hash before and after it.</summary>
/// <param name="Entry">The federation data entry (index, HLC stamp, operations).</param>
/// <param name="ChainBefore">The chain hash after every data entry before it.</param>
/// <param name="ChainAfter">The chain hash after it.</param>
/// <param name="Bytes">Its framed size in the journal file (what the byte budget counts).</param>
internal sealed record JournalRecord(DataEntry Entry, byte[] ChainBefore, byte[] ChainAfter, int Bytes)
{
    /// <summary>The log index.</summary>
    public ulong Index => Entry.Index;

    /// <summary>The entry's age reference: the wall part of its HLC stamp (the leader's clock when it was proposed), Unix ms.</summary>
    public long WallMs => Entry.Stamp.WallMs;
}
