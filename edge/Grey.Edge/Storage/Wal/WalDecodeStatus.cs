namespace Grey.Edge.Storage.Wal;

/// <summary>The outcome of decoding one record or header.</summary>
internal enum WalDecodeStatus
{
    /// <summary>A valid record.</summary>
    Ok,

    /// <summary>The bytes end before the record does (a torn write leaves this at the tail).</summary>
    Incomplete,

    /// <summary>The bytes are there but wrong: checksum, type, length or field out of range.</summary>
    Invalid,
}
