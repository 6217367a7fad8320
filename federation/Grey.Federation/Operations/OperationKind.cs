namespace Grey.Federation.Operations;

/// <summary>The kinds of operation a data entry carries; the numbers are the wire codes.</summary>
public enum OperationKind
{
    /// <summary>Write a register (last writer wins on (HLC, origin)).</summary>
    Put = 1,

    /// <summary>Delete a register: a tombstone that wins like a put.</summary>
    Delete = 2,

    /// <summary>Add a signed amount to a PN-counter.</summary>
    CounterAdd = 3,

    /// <summary>Add an element to an observed-remove set, tagged (site, origin, HLC).</summary>
    SetAdd = 4,

    /// <summary>Remove the observed tags of an element from an observed-remove set.</summary>
    SetRemove = 5,
}
