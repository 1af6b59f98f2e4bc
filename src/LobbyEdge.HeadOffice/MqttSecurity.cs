using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace LobbyEdge.HeadOffice;

/// <summary>
/// TLS and credentials for the broker connection, read from files (or the environment) at every connection
/// attempt, so that renewed certificates and rotated passwords are picked up without a restart. Nothing read here
/// is ever logged.
/// </summary>
internal static class MqttSecurity
{
    /// <summary>The TLS options for one attempt, or null without TLS.</summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A file is not a usable PEM certificate or key.</exception>
    public static MqttClientTlsOptions? Tls(HeadOfficeTlsOptions tls, BrokerEndpoint broker)
    {
        if (!tls.IsEnabled)
        {
            return null;
        }

        X509Certificate2Collection? roots = null;
        if (tls.CaFile is not null)
        {
            roots = [];
            roots.ImportFromPemFile(tls.CaFile);
            if (roots.Count == 0)
            {
                throw new IOException($"{tls.CaFile}: no PEM certificate in the file");
            }
        }

        var options = new MqttClientTlsOptions
        {
            UseTls = true,
            TargetHost = tls.ServerName ?? broker.Host,
            SslProtocol = System.Security.Authentication.SslProtocols.None, // the system's choice: TLS 1.2 or 1.3
            CertificateValidationHandler = args => Validate(args, roots),
        };

        if (tls.ClientCertFile is not null)
        {
            X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(tls.ClientCertFile, tls.ClientKeyFile);
            if (OperatingSystem.IsWindows())
            {
                // SChannel cannot use a key that only lives in memory; a PKCS#12 round trip gives it a stored one.
                X509Certificate2 stored = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
                certificate.Dispose();
                certificate = stored;
            }

            options.ClientCertificatesProvider = new FixedCertificates(certificate);
        }

        return options;
    }

    /// <summary>The credentials provider, or null when no user name is configured anywhere.</summary>
    public static IMqttClientCredentialsProvider? Credentials(HeadOfficeOptions options)
    {
        string? user = options.UsernameFile is not null ? FirstLine(options.UsernameFile) : Environment.GetEnvironmentVariable(HeadOfficeOptions.UsernameVariable);
        string? password = options.PasswordFile is not null ? FirstLine(options.PasswordFile) : Environment.GetEnvironmentVariable(HeadOfficeOptions.PasswordVariable);
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }

        return new MqttClientCredentials(user, password is null ? null : System.Text.Encoding.UTF8.GetBytes(password));
    }

    private static string FirstLine(string path)
    {
        using var reader = new StreamReader(path);
        return (reader.ReadLine() ?? "").TrimEnd('\r');
    }

    private static bool Validate(MqttClientCertificateValidationEventArgs args, X509Certificate2Collection? roots)
    {
        if (roots is null)
        {
            // The system's trust store decides, and the name must match.
            return args.SslPolicyErrors == SslPolicyErrors.None;
        }

        // With a CA file, only chain errors are re-judged, against that CA alone: a name mismatch or a missing
        // certificate stays fatal.
        if ((args.SslPolicyErrors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None || args.Certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);

        // A private broker CA rarely publishes revocation lists, and a branch cut off from head office's network
        // cannot fetch them anyway; short-lived certificates are the remedy, not a failed connection.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (args.Chain is not null)
        {
            foreach (X509ChainElement element in args.Chain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        X509Certificate2 server = args.Certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(args.Certificate.GetRawCertData());
        return chain.Build(server);
    }

    private sealed class FixedCertificates(X509Certificate2 certificate) : IMqttClientCertificatesProvider
    {
        public X509CertificateCollection GetCertificates() => [certificate];
    }
}
