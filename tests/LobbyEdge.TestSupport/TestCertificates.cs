using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LobbyEdge.TestSupport;

/// <summary>A throw-away CA with a broker certificate (127.0.0.1, localhost) and client certificates, as PEM files.</summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey;

    public TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("lobby-certs-").FullName;
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=LobbyEdge Test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _ca = request.CreateSelfSigned(now.AddDays(-2), now.AddDays(30));
        CaPath = Path.Combine(Directory, "ca.crt");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());

        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        (ServerCertPath, ServerKeyPath) = Issue("server", "CN=127.0.0.1", names.Build(), new Oid("1.3.6.1.5.5.7.3.1"));
    }

    public string Directory { get; }

    public string CaPath { get; }

    public string ServerCertPath { get; }

    public string ServerKeyPath { get; }

    /// <summary>Issues a client certificate with <paramref name="commonName"/> (the broker's user name for it).</summary>
    public (string Cert, string Key) Client(string commonName) => Issue("client-" + commonName, $"CN={commonName}", null, new Oid("1.3.6.1.5.5.7.3.2"));

    /// <summary>A CA nobody trusts, for the negative test.</summary>
    public static string OtherCa(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Somebody Else CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string path = Path.Combine(directory, "other-ca.crt");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return path;
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private (string Cert, string Key) Issue(string name, string subject, X509Extension? alternativeNames, Oid usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        if (alternativeNames is not null)
        {
            request.CertificateExtensions.Add(alternativeNames);
        }

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        // Inside the CA's validity, which a leaf may not outlast.
        using X509Certificate2 certificate = request.Create(_ca, _ca.NotBefore.AddDays(1), _ca.NotAfter.AddDays(-1), serial);
        string certPath = Path.Combine(Directory, name + ".crt");
        string keyPath = Path.Combine(Directory, name + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
