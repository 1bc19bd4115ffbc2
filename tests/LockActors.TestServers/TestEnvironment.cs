namespace LockActors.TestServers;

/// <summary>
/// Where the external test servers are. <c>tests/run-all.sh</c> starts them and exports these variables;
/// a test that needs a server and finds none fails with the message below instead of passing vacuously.
/// </summary>
public static class TestEnvironment
{
    /// <summary>Reads a required variable or throws with instructions.</summary>
    public static string Require(string variable, string server) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{server} is not running for this test run ({variable} is unset). Run the README test command " +
                "(bash tests/run-all.sh), which installs and starts every test server, or start it with tests/servers/.");
}
