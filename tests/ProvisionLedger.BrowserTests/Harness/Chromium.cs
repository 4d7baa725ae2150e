namespace ProvisionLedger.BrowserTests.Harness;

/// <summary>
/// The browser is the machine's own Chromium (Debian's <c>chromium</c> package). The tests never download one: a
/// machine without it fails every browser test, saying what to install, rather than skipping them.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static void EnsureInstalled()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {ExecutablePath} and found none. Install it (Debian/Ubuntu: " +
                "`apt-get install chromium`; .ci/run does this when it is missing). The tests never download a browser.");
        }
    }
}
