using System.Security.Cryptography;
using System.Text;

namespace LobbyEdge.Profiles.Tests;

/// <summary>The managed SHA-256 (no OpenSSL at start, issue 17) against the platform's, and FIPS 180-4's examples.</summary>
public sealed class Sha256Tests
{
    [Fact]
    public void HashData_EveryLengthAroundTheBlockAndPaddingEdges_EqualsThePlatformsSha256()
    {
        var random = new Random(17);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);

            Assert.Equal(SHA256.HashData(data), Sha256.HashData(data));
        }
    }

    [Fact]
    public void HashData_ALargeProfileSizedInput_EqualsThePlatformsSha256()
    {
        byte[] data = new byte[1_000_003];
        new Random(4).NextBytes(data);

        Assert.Equal(SHA256.HashData(data), Sha256.HashData(data));
    }

    [Theory]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void HashData_TheStandardsExamples(string text, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(Sha256.HashData(Encoding.ASCII.GetBytes(text))));
    }

    [Fact]
    public void HashData_AShortDestination_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Sha256.HashData([1, 2, 3], new byte[31]));
    }

    [Fact]
    public void HashOf_AProfileText_IsTheFirstEightBytesOfThePlatformsSha256()
    {
        string text = "branch:\n  id: 上海-001\n  name: Demo\n";
        byte[] platform = SHA256.HashData(Encoding.UTF8.GetBytes(text));

        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(platform), BranchProfileLoader.HashOf(text));
    }
}
