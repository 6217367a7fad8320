using Grey.Raft;

namespace Grey.Edge.Storage.Wal;

/// <summary>One decoded WAL record. Only the fields of its <see cref="Type"/> are meaningful.</summary>
/// <param name="Type">The record's kind.</param>
/// <param name="Entry">For <see cref="WalRecordType.Entry"/>: the entry (its data copied out of the read buffer).</param>
/// <param name="HardState">For <see cref="WalRecordType.HardState"/>: the hard state.</param>
/// <param name="MarkerIndex">For the snapshot markers: the snapshot (or compaction) index.</param>
/// <param name="MarkerTerm">For the snapshot markers: the term of the entry at <paramref name="MarkerIndex"/>.</param>
internal readonly record struct WalRecord(WalRecordType Type, Entry Entry, HardState HardState, ulong MarkerIndex, ulong MarkerTerm);
