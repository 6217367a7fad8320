namespace Grey.Linearizability;

/// <summary>The sequential specification a history is checked against.</summary>
public enum ModelKind
{
    /// <summary>
    /// One register holding one value (the Jepsen etcd test): every operation acts on the same register,
    /// whatever its key says.
    /// </summary>
    Register,

    /// <summary>
    /// A map from key to register with read, write and compare-and-set. The checker partitions the
    /// history per key (operations on different keys commute) and checks each key as a register.
    /// </summary>
    Kv,
}
