namespace ProvisionLedger.Tests.CommandLine;

/// <summary>Help, and every usage mistake refused with exit 2 and one line, before anything is touched.</summary>
public sealed class CliUsageTests
{
    [Fact]
    public async Task Each_command_has_its_own_help()
    {
        var run = await CliRun.InProcessAsync("verify", "--help");

        run.Exit.Should().Be(0);
        run.Out.Should().Contain("provision-ledger verify [options]").And.Contain("--connection").And.Contain("--public-key");
        run.Error.Should().BeEmpty();
        (await CliRun.InProcessAsync("archive", "-h")).Out.Should().Contain("--before").And.Contain("Japan time");
        (await CliRun.InProcessAsync("--help")).Out.Should().Contain("verify-bundle").And.Contain("export").And.Contain("token");
    }

    [Fact]
    public async Task A_misspelled_option_is_refused_naming_the_nearest_real_one()
    {
        var run = await CliRun.InProcessAsync("verify", "--conection", "Host=nowhere");

        run.ShouldBeOneLineError("unknown option --conection (did you mean --connection?)");
        run.Out.Should().BeEmpty();
    }

    [Fact]
    public async Task An_unknown_option_is_refused_even_when_the_required_ones_are_there()
    {
        var run = await CliRun.InProcessAsync("export", "--connection", "Host=nowhere", "--out", "b.json", "--strem", "x");

        run.ShouldBeOneLineError("unknown option --strem (did you mean --stream?)");
    }

    [Theory]
    [InlineData("2019/01/01")]
    [InlineData("01-01-2019")]
    [InlineData("2019-02-30")]
    [InlineData("yesterday")]
    public async Task A_date_that_is_not_iso_8601_is_refused(string before)
    {
        var run = await CliRun.InProcessAsync("archive", "--connection", "Host=nowhere", "--before", before);

        run.ShouldBeOneLineError($"--before '{before}' is not a date");
    }

    [Fact]
    public async Task A_missing_required_option_a_bad_number_and_an_unknown_command_are_usage_errors()
    {
        (await CliRun.InProcessAsync("verify")).ShouldBeOneLineError("--connection");
        (await CliRun.InProcessAsync("export", "--connection", "x", "--out", "b.json", "--from", "ten")).ShouldBeOneLineError("--from must be a whole number");
        (await CliRun.InProcessAsync("verfy", "--connection", "x")).ShouldBeOneLineError("unknown command verfy (did you mean verify?)");
        (await CliRun.InProcessAsync()).ShouldBeOneLineError("provision-ledger --help");
        (await CliRun.InProcessAsync("token", "--role", "institution")).ShouldBeOneLineError("--inst");
        (await CliRun.InProcessAsync("token", "--role", "root")).ShouldBeOneLineError("--role");
        (await CliRun.InProcessAsync("export", "--connection", "x", "--out", "/no/such/folder/b.json")).ShouldBeOneLineError("/no/such/folder does not exist");
    }

    [Fact]
    public async Task A_cutoff_inside_the_retention_period_is_refused_before_the_database_is_touched()
    {
        var run = await CliRun.InProcessAsync("archive", "--connection", "Host=127.0.0.1;Port=1", "--before", DateTime.UtcNow.AddYears(-1).ToString("yyyy-MM-dd"));

        run.ShouldBeOneLineError("records are kept 7 years");
    }

    [Fact]
    public async Task A_database_that_cannot_be_reached_is_an_error_not_a_crash()
    {
        var run = await CliRun.InProcessAsync("verify", "--connection", "Host=127.0.0.1;Port=1;Timeout=2");

        run.ShouldBeOneLineError("could not be reached");
    }

    [Fact]
    public async Task The_built_program_exits_0_for_help_and_2_for_a_bad_date_and_an_empty_bundle()
    {
        var help = await CliRun.ProcessAsync("verify-bundle", "--help");
        help.Exit.Should().Be(0);
        help.Out.Should().Contain("--public-key");

        (await CliRun.ProcessAsync("archive", "--connection", "Host=nowhere", "--before", "2019/01/01")).ShouldBeOneLineError("is not a date");

        var empty = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(empty, "{}");
            (await CliRun.ProcessAsync("verify-bundle", empty)).ShouldBeOneLineError("not a valid audit bundle");
        }
        finally
        {
            File.Delete(empty);
        }
    }
}
