namespace Grey.Edge.Outbox;

/// <summary>
/// Verifies a signed revocation notice exactly as received on <c>grey.revoke.&lt;site&gt;</c> (its format and
/// issuer key come from enrollment, <c>Grey.Attestation.Revocation</c>); never throws for bad input.
/// </summary>
internal interface IRevocationVerifier
{
    /// <summary>Verifies the notice; on success returns the revoked node's name (as enrollment registered it).</summary>
    RevocationCheck Verify(ReadOnlyMemory<byte> notice);
}

/// <summary>A verified revocation (<see cref="NodeName"/> set) or a refusal (<see cref="Error"/> set).</summary>
internal readonly record struct RevocationCheck(string? NodeName, string? Error)
{
    /// <summary>True when the notice verified.</summary>
    public bool IsValid => NodeName is not null;
}
