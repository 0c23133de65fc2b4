using System.Globalization;
using Nn.Simd.IO;

namespace Nn.Simd.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    /// <summary>A process id no system hands out (Linux caps them at 2²², Windows' are far below).</summary>
    private const int DeadProcess = int.MaxValue;

    private readonly string _folder = Directory.CreateTempSubdirectory("nn-atomic-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static string Temporary(string target, int process) =>
        string.Create(CultureInfo.InvariantCulture, $".{target}.{process}.{Guid.NewGuid():N}.tmp");

    private string[] Files() => [.. Directory.GetFiles(_folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>
    /// The temporary files of saves that were killed (SIGKILL leaves them: nothing runs to remove
    /// them) are removed by the next save of the same file: those of a process that no longer runs,
    /// and those of this process that no write of it holds (a new process may get a dead one's id).
    /// Other files, and other targets' temporaries, stay.
    /// </summary>
    [Fact]
    public void A_save_removes_what_killed_saves_of_the_same_file_left()
    {
        string deadProcess = Temporary("m.nnm", DeadProcess);
        string thisProcess = Temporary("m.nnm", Environment.ProcessId);
        string otherTarget = Temporary("other.nnm", DeadProcess);
        string[] unrelated = [otherTarget, ".m.nnm.12.not-a-guid.tmp", $".m.nnm.x{Guid.NewGuid():N}.tmp", "m.nnm.bak", ".m.nnm"];
        foreach (string name in (string[])[deadProcess, thisProcess, .. unrelated])
        {
            File.WriteAllText(PathOf(name), "left over");
        }

        AtomicFile.Write(PathOf("m.nnm"), overwrite: false, stream => stream.Write("new"u8));

        Assert.Equal([.. unrelated.Append("m.nnm").Order(StringComparer.Ordinal)], Files());
        Assert.Equal("new", File.ReadAllText(PathOf("m.nnm")));
    }

    /// <summary>A write this process is making is not another's leftover: a save of the same file from inside it leaves it alone.</summary>
    [Fact]
    public void A_write_in_progress_survives_a_concurrent_save_of_the_same_file()
    {
        string path = PathOf("m.nnm");
        AtomicFile.Write(path, overwrite: true, outer =>
        {
            outer.Write("outer"u8);
            AtomicFile.Write(path, overwrite: false, inner => inner.Write("inner"u8));
            Assert.Equal("inner", File.ReadAllText(path));
        });

        Assert.Equal("outer", File.ReadAllText(path));
        Assert.Equal(["m.nnm"], Files());
    }

    [Fact]
    public void CheckWritable_leaves_nothing_and_refuses_what_a_write_would()
    {
        AtomicFile.CheckWritable(PathOf("m.nnm"), overwrite: false);
        Assert.Empty(Files());

        File.WriteAllText(PathOf("m.nnm"), "keep");
        Assert.Contains("already exists", Assert.Throws<IOException>(() => AtomicFile.CheckWritable(PathOf("m.nnm"), overwrite: false)).Message, StringComparison.Ordinal);
        AtomicFile.CheckWritable(PathOf("m.nnm"), overwrite: true);
        Assert.Equal(["m.nnm"], Files());
        Assert.Equal("keep", File.ReadAllText(PathOf("m.nnm")));

        Assert.IsType<DirectoryNotFoundException>(Assert.ThrowsAny<IOException>(() => AtomicFile.CheckWritable(PathOf("no/m.nnm"), overwrite: true)));
        Assert.Contains("is a folder", Assert.Throws<IOException>(() => AtomicFile.CheckWritable(_folder, overwrite: true)).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A folder where nothing can be created is found by the check, before any work. /sys takes no
    /// new files even from root (for whom a read-only mode bit would not stop the probe).
    /// </summary>
    [Fact]
    public void CheckWritable_finds_a_folder_that_takes_no_new_files()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("/sys, a folder no user can create files in, is Linux's.");
        }

        var e = Assert.Throws<IOException>(() => AtomicFile.CheckWritable("/sys/nn-model.nnm", overwrite: false));
        Assert.StartsWith("Cannot write '/sys/nn-model.nnm': no file can be created in the folder '/sys' (", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(".tmp", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists("/sys/nn-model.nnm"));
    }
}
