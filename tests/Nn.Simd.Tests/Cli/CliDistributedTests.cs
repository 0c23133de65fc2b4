using System.Text.Json;

namespace Nn.Simd.Tests.Cli;

/// <summary><c>nn train</c>'s shards and its MPI detection (the real mpirun runs are .ci/run's).</summary>
public sealed class CliDistributedTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-distributed-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Shards_and_allocation_are_reported_on_the_console_and_in_the_metrics()
    {
        CliProcess.RequireHost();
        string metrics = Path.Combine(_folder, "m.json");
        var train = CliProcess.Run(new Dictionary<string, string?>(), "train", "--epochs", "2", "--threads", "1", "--shards", "4", "--metrics", metrics);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("shards   4 per mini-batch, 1 process", train.Stdout, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(metrics));
        Assert.Equal(1, json.RootElement.GetProperty("processes").GetInt32());
        Assert.Equal(4, json.RootElement.GetProperty("shards").GetInt32());
        // The second epoch of the sharded engine allocates nothing on the training thread.
        Assert.Equal(0, json.RootElement.GetProperty("epochs")[1].GetProperty("allocatedBytes").GetInt64());
    }

    [Theory]
    [InlineData("--distributed", null)]
    [InlineData(null, "PMI_RANK")]
    [InlineData(null, "OMPI_COMM_WORLD_RANK")]
    public void Distributed_training_without_an_mpi_library_is_one_error_naming_what_was_looked_for(string? option, string? launcherVariable)
    {
        CliProcess.RequireHost();
        var environment = new Dictionary<string, string?> { ["NN_MPI_LIBRARY"] = "/nonexistent/libmpich.so.12" };
        if (launcherVariable is not null)
        {
            environment[launcherVariable] = "0";
        }

        string[] args = option is null ? ["train", "--epochs", "1"] : ["train", "--epochs", "1", option];
        CliProcess.AssertOneLineError(1, "No MPI library found: looked for /nonexistent/libmpich.so.12", CliProcess.Run(environment, args));
    }

    [Fact]
    public void A_shard_count_out_of_range_is_a_usage_error()
    {
        CliProcess.RequireHost();
        CliProcess.AssertOneLineError(2, "--shards 0 must be between 1 and 4096", CliProcess.Run(new Dictionary<string, string?>(), "train", "--shards", "0"));
    }
}
