// The binding to the system's MPI C library: no managed MPI package, no C shim. The library is
// loaded at run time (only when a training is distributed), and its functions are called through
// unmanaged function pointers taken from its exports, so a call allocates nothing and the library
// needs no MPI at build time. Spans are pinned with `fixed` for the length of each call.
//
// Two ABIs are understood:
//   MPICH ABI (MPICH, Intel MPI, MVAPICH, Cray MPICH; libmpi.so.12, Debian's libmpich.so.12):
//     handles are C ints with fixed values from mpi.h (MPI_COMM_WORLD = 0x44000000, …).
//   Open MPI (libmpi.so.40): handles are the addresses of exported objects (&ompi_mpi_comm_world, …).
// Handles travel as nint. An MPICH handle is a C int; on the LP64 calling conventions .NET runs on
// (x86-64 System V, AArch64 AAPCS64) an int argument occupies a whole register whose upper half the
// callee ignores, so passing the value widened to nint is the same call.
using System.Runtime.InteropServices;
using System.Text;

namespace Nn.Simd.Distributed;

/// <summary>
/// The processes that <c>mpirun</c>/<c>mpiexec</c>/<c>srun</c> started, as MPI_COMM_WORLD of the
/// system's MPI library (loaded when <see cref="Open"/> is called). Dispose it to finalize MPI.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>The library file names tried, in order, when NN_MPI_LIBRARY does not name one.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libmpi.so.12", "libmpich.so.12", "libmpi.so.40", "libmpi.so", "libmpich.so"];

    /// <summary>The environment variables by which MPI launchers tell a process its rank (MPICH's Hydra and PMI-2 under Slurm, Open MPI, PMIx).</summary>
    private static readonly string[] LauncherVariables = ["PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"];

    private static int s_opened;

    private readonly nint _library;
    private readonly nint _world;
    private readonly nint _float;
    private readonly nint _double;
    private readonly delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> _allgatherv;
    private readonly delegate* unmanaged<void*, int*, int*, nint, void*, int*, int*, nint, nint, int> _alltoallv;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly bool _openMpi;
    private bool _disposed;

    private MpiCommunicator(nint library, string fileName)
    {
        _library = library;
        bool openMpi = NativeLibrary.TryGetExport(library, "ompi_mpi_comm_world", out nint world);
        _openMpi = openMpi;
        if (openMpi)
        {
            _world = world;
            _float = Export("ompi_mpi_float");
            _double = Export("ompi_mpi_double");
        }
        else
        {
            _world = 0x44000000;
            _float = 0x4c00040a;
            _double = 0x4c00080b;
        }

        nint errorsReturn = openMpi ? Export("ompi_mpi_errors_return") : 0x54000001;
        var initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        var init = (delegate* unmanaged<int*, byte***, int>)Export("MPI_Init");
        var rank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var size = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        var setErrorHandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        var version = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
        _allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)Export("MPI_Allgatherv");
        _alltoallv = (delegate* unmanaged<void*, int*, int*, nint, void*, int*, int*, nint, nint, int>)Export("MPI_Alltoallv");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");

        int flag = 0, r = 0, s = 0, length = 0;
        Check(initialized(&flag), "MPI_Initialized");
        if (flag == 0)
        {
            Check(init(null, null), "MPI_Init");
        }

        // Errors come back as codes, which become exceptions naming the call; the default handler
        // would end the process from inside the library without a word from nn.
        Check(setErrorHandler(_world, errorsReturn), "MPI_Comm_set_errhandler");
        Check(rank(_world, &r), "MPI_Comm_rank");
        Check(size(_world, &s), "MPI_Comm_size");
        Rank = r;
        Size = s;
        // MPI_MAX_LIBRARY_VERSION_STRING is 8192 in MPICH and 256 in Open MPI.
        byte* text = stackalloc byte[8192];
        Check(version(text, &length), "MPI_Get_library_version");
        // "MPICH Version:\t4.0.2\nMPICH Release date: …" or "Open MPI v4.1.4, package: …": the first line's name and version.
        string name = Encoding.UTF8.GetString(text, length).Trim('\0').Trim();
        int end = name.IndexOfAny(['\n', ',']);
        name = string.Join(' ', (end < 0 ? name : name[..end]).Replace("Version:", string.Empty, StringComparison.Ordinal).Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        Description = $"{name} ({fileName})";
    }

    /// <summary>This process's rank in MPI_COMM_WORLD.</summary>
    public int Rank { get; }

    /// <summary>The number of processes in MPI_COMM_WORLD.</summary>
    public int Size { get; }

    /// <summary>The library's own name and version, and the file it was loaded from.</summary>
    public string Description { get; }

    /// <summary>Whether an MPI launcher (mpirun, mpiexec, srun --mpi=pmi2 …) started this process, judged by the variables it sets: PMI_RANK, PMI_SIZE, OMPI_COMM_WORLD_RANK, PMIX_RANK.</summary>
    public static bool LaunchedByMpi => LauncherVariables.Any(name => Environment.GetEnvironmentVariable(name) is not null);

    /// <summary>
    /// Loads the MPI library (the path in NN_MPI_LIBRARY, else the first of <see cref="LibraryNames"/>
    /// found, Open MPI's first when Open MPI's launcher started the process), initialises MPI if needed and returns MPI_COMM_WORLD. Once per process: MPI cannot be
    /// initialised again after it is finalized.
    /// </summary>
    /// <returns>The communicator.</returns>
    /// <exception cref="DllNotFoundException">No MPI library was found; the message names every file looked for.</exception>
    /// <exception cref="InvalidOperationException">MPI was opened before in this process, or an MPI call failed.</exception>
    public static MpiCommunicator Open()
    {
        if (Volatile.Read(ref s_opened) != 0)
        {
            throw new InvalidOperationException("MPI is opened once per process.");
        }

        string? given = Environment.GetEnvironmentVariable("NN_MPI_LIBRARY");
        // Open MPI's launcher starts processes that must load Open MPI's library, whichever ABI is found first.
        IReadOnlyList<string> candidates = !string.IsNullOrEmpty(given) ? [given]
            : Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") is not null ? ["libmpi.so.40", .. LibraryNames.Where(name => name != "libmpi.so.40")]
            : LibraryNames;
        foreach (string candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out nint library))
            {
                Volatile.Write(ref s_opened, 1);
                return new MpiCommunicator(library, candidate);
            }
        }

        throw new DllNotFoundException(
            $"No MPI library found: looked for {string.Join(", ", candidates)}{(string.IsNullOrEmpty(given) ? " (set NN_MPI_LIBRARY to the path of libmpi.so)" : " (NN_MPI_LIBRARY)")}; on Debian or Ubuntu: apt-get install mpich.");
    }

    /// <inheritdoc/>
    public void AllToAll(ReadOnlySpan<float> send, ReadOnlySpan<int> sendCounts, ReadOnlySpan<int> sendOffsets, Span<float> receive, ReadOnlySpan<int> receiveCounts, ReadOnlySpan<int> receiveOffsets)
    {
        CheckCounts(sendCounts, sendOffsets, send.Length, nameof(send));
        CheckCounts(receiveCounts, receiveOffsets, receive.Length, nameof(receive));
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (float* s = send, r = receive)
        fixed (int* sc = sendCounts, so = sendOffsets, rc = receiveCounts, ro = receiveOffsets)
        {
            Check(_alltoallv(s, sc, so, _float, r, rc, ro, _float, _world), "MPI_Alltoallv");
        }
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<float> send, Span<float> receive, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        CheckGather(send.Length, receive.Length, counts, offsets);
        fixed (float* s = send, r = receive)
        fixed (int* c = counts, o = offsets)
        {
            Check(_allgatherv(s, send.Length, _float, r, c, o, _float, _world), "MPI_Allgatherv");
        }
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<double> send, Span<double> receive, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        CheckGather(send.Length, receive.Length, counts, offsets);
        fixed (double* s = send, r = receive)
        fixed (int* c = counts, o = offsets)
        {
            Check(_allgatherv(s, send.Length, _double, r, c, o, _double, _world), "MPI_Allgatherv");
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// On the MPICH ABI: MPI_Comm_split_type(MPI_COMM_TYPE_SHARED); when that node communicator
    /// holds every process, one MPI_Win_allocate_shared window with a region per process, locked
    /// once for the window's life (MPI_Win_lock_all). Null between machines, and on Open MPI, whose
    /// constants for these calls this binding does not carry.
    /// </remarks>
    public ISharedFloats? ShareMemory(int floatsPerProcess)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floatsPerProcess);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_openMpi)
        {
            return null;
        }

        const int CommTypeShared = 1, ModeNoCheck = 1024;
        const nint InfoNull = 0x1c000000;
        var splitType = (delegate* unmanaged<nint, int, int, nint, nint*, int>)Export("MPI_Comm_split_type");
        var commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        var commFree = (delegate* unmanaged<nint*, int>)Export("MPI_Comm_free");
        var allocate = (delegate* unmanaged<nint, int, nint, nint, void*, nint*, int>)Export("MPI_Win_allocate_shared");
        var query = (delegate* unmanaged<nint, int, nint*, int*, void*, int>)Export("MPI_Win_shared_query");
        var lockAll = (delegate* unmanaged<int, nint, int>)Export("MPI_Win_lock_all");
        nint node = 0;
        int nodeSize = 0;
        Check(splitType(_world, CommTypeShared, 0, InfoNull, &node), "MPI_Comm_split_type");
        Check(commSize(node, &nodeSize), "MPI_Comm_size");
        if (nodeSize != Size)
        {
            Check(commFree(&node), "MPI_Comm_free");
            return null;
        }

        nint window = 0;
        void* mine = null;
        Check(allocate((nint)floatsPerProcess * sizeof(float), sizeof(float), InfoNull, node, &mine, &window), "MPI_Win_allocate_shared");
        var regions = new nint[Size];
        for (int q = 0; q < Size; q++)
        {
            nint bytes = 0;
            int unit = 0;
            void* start = null;
            Check(query(window, q, &bytes, &unit, &start), "MPI_Win_shared_query");
            regions[q] = (nint)start;
        }

        Check(lockAll(ModeNoCheck, window), "MPI_Win_lock_all");
        return new SharedWindow(this, node, window, regions, floatsPerProcess);
    }

    /// <summary>Ends every process of the job (MPI_Abort) with <paramref name="errorCode"/>; used when this one cannot go on, so that the others do not wait for it forever.</summary>
    /// <param name="errorCode">The exit code the launcher is asked to return.</param>
    public void Abort(int errorCode) => _ = _abort(_world, errorCode);

    /// <summary>Finalizes MPI (every process must, after its last collective).</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _ = _finalize();
        }
    }

    private void CheckGather(int sendLength, int receiveLength, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckCounts(counts, offsets, receiveLength, "receive");
        if (sendLength != counts[Rank])
        {
            throw new ArgumentException($"This process sends {sendLength} values but counts[{Rank}] is {counts[Rank]}.", "send");
        }
    }

    private void CheckCounts(ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets, int length, string buffer)
    {
        if (counts.Length != Size || offsets.Length != Size)
        {
            throw new ArgumentException($"{counts.Length} counts and {offsets.Length} offsets for {Size} processes.", buffer);
        }

        for (int p = 0; p < Size; p++)
        {
            if (counts[p] < 0 || offsets[p] < 0 || (long)offsets[p] + counts[p] > length)
            {
                throw new ArgumentException($"Process {p}'s part [{offsets[p]}, +{counts[p]}) does not fit the {length} values of {buffer}.", buffer);
            }
        }
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(_library, name, out nint address)
        ? address
        : throw new EntryPointNotFoundException($"The MPI library has no {name}: not an MPI-3 library of the MPICH or Open MPI ABI.");

    private void Check(int code, string call)
    {
        if (code == 0)
        {
            return;
        }

        byte* text = stackalloc byte[1024];
        int length = 0;
        string message = _errorString is not null && _errorString(code, text, &length) == 0 ? Encoding.UTF8.GetString(text, length).Trim('\0').Trim() : $"error {code}";
        throw new InvalidOperationException($"{call} failed on process {Rank} of {Size}: {message}");
    }
    /// <summary>A shared window on the processes of one node (all of the world's).</summary>
    private sealed class SharedWindow : ISharedFloats
    {
        private readonly MpiCommunicator _owner;
        private readonly nint[] _regions;
        private readonly NativeFloats[] _memories;
        private readonly int _length;
        private readonly delegate* unmanaged<nint, int> _sync;
        private readonly delegate* unmanaged<nint, int> _barrier;
        private nint _node;
        private nint _window;

        public SharedWindow(MpiCommunicator owner, nint node, nint window, nint[] regions, int length)
        {
            (_owner, _node, _window, _regions, _length) = (owner, node, window, regions, length);
            _memories = [.. regions.Select(region => new NativeFloats(region, length))];
            _sync = (delegate* unmanaged<nint, int>)owner.Export("MPI_Win_sync");
            _barrier = (delegate* unmanaged<nint, int>)owner.Export("MPI_Barrier");
        }

        public Span<float> Of(int process) => _window == 0
            ? throw new ObjectDisposedException(nameof(ISharedFloats))
            : new Span<float>((void*)_regions[process], _length);

        public Memory<float> MemoryOf(int process) => _window == 0
            ? throw new ObjectDisposedException(nameof(ISharedFloats))
            : _memories[process].Memory;

        // The separate memory model's recipe for load/store sharing: make this process's stores
        // visible, meet, and see the others'.
        public void Synchronize()
        {
            ObjectDisposedException.ThrowIf(_window == 0, this);
            _owner.Check(_sync(_window), "MPI_Win_sync");
            _owner.Check(_barrier(_node), "MPI_Barrier");
            _owner.Check(_sync(_window), "MPI_Win_sync");
        }

        public void Dispose()
        {
            foreach (IDisposable memory in _memories)
            {
                memory.Dispose();
            }

            if (_window == 0 || _owner._disposed)
            {
                return;
            }

            nint window = _window, node = _node;
            _window = 0;
            _ = ((delegate* unmanaged<nint, int>)_owner.Export("MPI_Win_unlock_all"))(window);
            _ = ((delegate* unmanaged<nint*, int>)_owner.Export("MPI_Win_free"))(&window);
            _ = ((delegate* unmanaged<nint*, int>)_owner.Export("MPI_Comm_free"))(&node);
            _node = 0;
        }
    }
}
