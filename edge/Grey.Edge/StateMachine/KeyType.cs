namespace Grey.Edge.StateMachine;

/// <summary>What a key holds. Byte values are part of the snapshot format.</summary>
internal enum KeyType : byte
{
    /// <summary>Raw bytes.</summary>
    Value = 1,

    /// <summary>A signed 64-bit counter.</summary>
    Counter = 2,

    /// <summary>A set of text members.</summary>
    Set = 3,
}
