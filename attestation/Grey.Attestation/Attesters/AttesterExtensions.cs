using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grey.Attestation.Events;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Attesters;

/// <summary>Measurements every Grey node makes at start.</summary>
public static class AttesterExtensions
{
    /// <summary>Binds the delta-signing certificate: extends <paramref name="pcr"/> with H(SPKI) and logs it.</summary>
    public static ValueTask BindDeltaSigningKeyAsync(this IAttester attester, X509Certificate2 certificate, int pcr = KeyBinding.DefaultPcr, CancellationToken cancellationToken = default)
    {
        byte[] spki = KeyBinding.SubjectPublicKeyInfo(certificate);
        return attester.MeasureAsync(pcr, EventTypes.GreyKeyBinding, spki, spki, cancellationToken);
    }

    /// <summary>Measures a binary (or config, or policy) by name and content.</summary>
    public static ValueTask MeasureFileAsync(this IAttester attester, int pcr, uint eventType, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        attester.MeasureAsync(pcr, eventType, content, Encoding.UTF8.GetBytes(name), cancellationToken);
}
