using Org.BouncyCastle.Crypto.Digests;

namespace LobbyEdge.Profiles;

/// <summary>
/// SHA-256 (FIPS 180-4) in managed code (BouncyCastle's <see cref="Sha256Digest"/>), for the content hashes the service
/// computes on every start and per request (<see cref="BranchProfileLoader.HashOf"/>, the kiosk token file): the same
/// bytes as <see cref="System.Security.Cryptography.SHA256.HashData(byte[])"/>, without loading OpenSSL. OpenSSL's
/// libcrypto and libssl are about 4 MB of the process's resident set once loaded (issue 17), and a branch without TLS
/// to head office and without a staff sign-in never needs them. PIN hashing and TLS keep using the platform's.
/// </summary>
public static class Sha256
{
    /// <summary>The length of a hash, in bytes.</summary>
    public const int HashSizeInBytes = 32;

    /// <summary>The SHA-256 of <paramref name="source"/>: 32 bytes.</summary>
    public static byte[] HashData(ReadOnlySpan<byte> source)
    {
        byte[] hash = new byte[HashSizeInBytes];
        HashData(source, hash);
        return hash;
    }

    /// <summary>Writes the SHA-256 of <paramref name="source"/> to the first 32 bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 32 bytes.</exception>
    public static void HashData(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < HashSizeInBytes)
        {
            throw new ArgumentException($"the destination must hold {HashSizeInBytes} bytes", nameof(destination));
        }

        var digest = new Sha256Digest();
        digest.BlockUpdate(source);
        digest.DoFinal(destination);
    }
}
