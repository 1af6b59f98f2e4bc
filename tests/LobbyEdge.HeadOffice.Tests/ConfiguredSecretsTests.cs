namespace LobbyEdge.HeadOffice.Tests;

/// <summary>
/// <see cref="ConfiguredSecrets"/>: the one rule for what a configuration error shows of a value (the process-level
/// cases are ConfigurationCheckTests.ASecretInAValue_IsNeverEchoed_TheKeyIsNamed in the service's tests).
/// </summary>
public sealed class ConfiguredSecretsTests
{
    [Theory]
    [InlineData("HeadOffice:Password", true)]
    [InlineData("HeadOffice:MqttPassword", true)]
    [InlineData("Kiosk:Token", true)]
    [InlineData("Lobby:PinCode", true)]
    [InlineData("Lobby:PIN", true)]
    [InlineData("HeadOffice:Tls:ClientKey", true)]
    [InlineData("Service:ApiKey", true)]
    [InlineData("Service:client_secret", true)]
    [InlineData("headoffice__password", true)]
    [InlineData("HeadOffice:KeepAliveSeconds", false)]
    [InlineData("Http:Port", false)]
    [InlineData("Logging:LogLevel:Microsoft.AspNetCore.Authentication", false)]
    [InlineData("Signage:Mapping", false)]
    [InlineData("Signage:Keyboard", false)]
    public void LooksSecret_ByTheWordsOfTheKeysName(string key, bool secret) => Assert.Equal(secret, ConfiguredSecrets.LooksSecret(key));

    [Theory]
    [InlineData("HeadOffice:PasswordFile", "hunter2", null)]
    [InlineData("HeadOffice:PasswordFile", "./password", null)]
    [InlineData("HeadOffice:PasswordFile", "~/password", null)]
    [InlineData("HeadOffice:PasswordFile", "/etc/lobby-edge/mqtt/password", "/etc/lobby-edge/mqtt/password")]
    [InlineData("HeadOffice:Tls:ClientKeyFile", "/etc/lobby-edge/mqtt/branch.key", "/etc/lobby-edge/mqtt/branch.key")]
    [InlineData("Kiosk:TokenFile", "tok-4f2a9c", null)]
    [InlineData("Lobby:Pin", "1234", null)]
    [InlineData("Http:Port", "hunter2", "hunter2")]
    [InlineData("Http:Port", "mqtt://admin:S3cretPW@host:1883", "mqtt://***@host:1883")]
    public void Shown_HidesWhatMayBeASecret(string key, string value, string? shown) => Assert.Equal(shown, ConfiguredSecrets.Shown(key, value));

    [Fact]
    public void FileProblem_RefusesAnythingButAnAbsolutePath_WithoutQuotingIt()
    {
        Assert.Null(ConfiguredSecrets.FileProblem("/etc/lobby-edge/mqtt/password"));
        Assert.Contains("must be an absolute path", ConfiguredSecrets.FileProblem("hunter2"), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ConfiguredSecrets.FileProblem("hunter2"), StringComparison.Ordinal);
        Assert.Contains("empty", ConfiguredSecrets.FileProblem(" "), StringComparison.Ordinal);
        Assert.True(ConfiguredSecrets.IsFileKey("HeadOffice:Tls:CaFile"));
        Assert.True(ConfiguredSecrets.IsFileKey("StaffFile"));
        Assert.False(ConfiguredSecrets.IsFileKey("HeadOffice:Profile"));
    }

    [Fact]
    public void Scrub_ReplacesTheHiddenValues_InTheBindersMessage_AndLeavesTheRest()
    {
        // The binder's message for a secret-looking key that does not convert (no such key is bound today: the rule
        // holds for the next one) and for an ordinary key, in one text.
        string text = "Lobby:Pin = 'hunter2': Failed to convert configuration value 'hunter2' at 'Lobby:Pin' to type 'System.Int32'. The input string hunter2 was not in a correct format.\n"
            + "Http:Port = 'http': Failed to convert configuration value 'http' at 'Http:Port' to type 'System.Int32'.\n"
            + "Lobby:Code = '7': Failed to convert configuration value '7' at 'Lobby:Code'.";
        string scrubbed = ConfiguredSecrets.Scrub(text, [new("Lobby:Pin", "hunter2"), new("Http:Port", "http"), new("Lobby:Pin2", "3"), new("Lobby:Code", "7")]);
        Assert.DoesNotContain("hunter2", scrubbed, StringComparison.Ordinal);
        Assert.Contains("Lobby:Pin = '***': Failed to convert configuration value '***' at 'Lobby:Pin'", scrubbed, StringComparison.Ordinal);
        Assert.Contains("Http:Port = 'http': Failed to convert configuration value 'http'", scrubbed, StringComparison.Ordinal);

        // A short hidden value is replaced where quoted only: elsewhere it would cut the words around it.
        Assert.Contains("System.Int32", scrubbed, StringComparison.Ordinal);
        Assert.Contains("Lobby:Code = '7'", scrubbed, StringComparison.Ordinal);
    }
}
