namespace Grey.Attestation.Registration;

/// <summary>Where a verifier looks nodes up; the <see cref="Registrar"/> is one, a region's replica another.</summary>
public interface INodeDirectory
{
    bool TryGet(string nodeId, out NodeRecord? record);
}
