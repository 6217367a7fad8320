namespace Grey.Edge.Desired;

/// <summary>Why a desired-state change was refused (the label of <c>grey_edge_desired_refused_total</c>).</summary>
internal enum DesiredRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The node holds no region trust yet (not enrolled) or no verifier is configured.</summary>
    NoTrust,

    /// <summary>The envelope does not decode, or its signer is unknown, untrusted or the signature is wrong.</summary>
    Signature,

    /// <summary>The signed content is not a canonical desired change.</summary>
    Malformed,

    /// <summary>The change is for another site.</summary>
    WrongSite,

    /// <summary>The change was issued by a region other than this site's home region.</summary>
    WrongRegion,
}
