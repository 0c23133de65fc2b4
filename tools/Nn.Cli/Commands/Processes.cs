using System.CommandLine;
using Nn.Simd.Distributed;

namespace Nn.Cli.Commands;

/// <summary>
/// The processes of <c>mpirun -np N nn train …</c>: MPI opened when a launcher started the process
/// (or <c>--distributed</c> asks for it), and ended with the command. A process that ends with an
/// error ends the whole job (MPI_Abort), so that no other process waits for it forever.
/// </summary>
internal static class Processes
{
    /// <summary>The MPI world once <c>nn train</c> opened it.</summary>
    public static MpiCommunicator? World { get; private set; }

    /// <summary>MPI_COMM_WORLD of the system's MPI library; a missing library is one error line.</summary>
    public static MpiCommunicator Open()
    {
        try
        {
            World = MpiCommunicator.Open();
            return World;
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException($"--distributed: {e.Message}", e);
        }
    }

    /// <summary>Whether this run trains over MPI: <paramref name="requested"/> (--distributed) or started by an MPI launcher.</summary>
    public static bool Distributed(bool requested) => requested || MpiCommunicator.LaunchedByMpi;

    /// <summary>
    /// Threads per process when --threads was not given: the cores shared by the processes on this
    /// machine (MPICH's MPI_LOCALNRANKS, Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE), at least one.
    /// </summary>
    public static int DefaultThreads(ParseResult parse, Option<int> threads)
    {
        int given = parse.GetValue(threads);
        if (parse.GetResult(threads) is { Implicit: false })
        {
            return given;
        }

        string? local = Environment.GetEnvironmentVariable("MPI_LOCALNRANKS") ?? Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE");
        return int.TryParse(local, out int ranks) && ranks > 0 ? Math.Max(1, Environment.ProcessorCount / ranks) : given;
    }

    /// <summary>
    /// Ends MPI after the command: finalized after success; after a failure of a job of several
    /// processes, the whole job is aborted with <paramref name="exitCode"/> (the others may be
    /// waiting in a collective for this one).
    /// </summary>
    public static int Finish(int exitCode)
    {
        if (World is { } world)
        {
            if (exitCode != ExitCodes.Success && world.Size > 1)
            {
                world.Abort(exitCode);
            }

            world.Dispose();
        }

        return exitCode;
    }
}
