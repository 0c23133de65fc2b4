using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Nn.Simd.IO;

/// <summary>
/// Writes a file so that a reader never sees half of it: the content goes to a temporary file in
/// the same folder, is flushed to disk, and is then renamed over the target. A failure leaves the
/// target as it was and removes the temporary file.
/// </summary>
/// <remarks>
/// A temporary file is named <c>.NAME.PID.GUID.tmp</c> beside the target NAME. A process killed
/// while writing (SIGKILL, power loss) cannot remove its own, so every write first deletes the
/// ones for the same target whose process no longer runs (or, for this process's own id, that no
/// write of this process holds): a killed save leaves at most one stray file, until the next save.
/// </remarks>
public static class AtomicFile
{
    /// <summary>The temporary files this process is writing now (full paths), which a cleanup must leave alone.</summary>
    private static readonly ConcurrentDictionary<string, byte> InFlight = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks, without touching <paramref name="path"/>, that <see cref="Write"/> could write it now:
    /// the path is not a folder, its folder exists, it does not exist unless <paramref name="overwrite"/>,
    /// and a file can be created (and is deleted on closing) in the folder — so that a read-only or
    /// full-quota folder is found before hours of work rather than after them.
    /// </summary>
    /// <param name="path">The file to write later.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>), the file exists and <paramref name="overwrite"/> is false, or no file can be created in the folder.</exception>
    public static void CheckWritable(string path, bool overwrite)
    {
        (string full, string folder) = Locate(path, overwrite);
        string probe = TemporaryName(full, folder);
        InFlight.TryAdd(probe, 0);
        try
        {
            new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose).Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e is UnauthorizedAccessException ? "permission denied" : e.Message.Replace(probe, folder, StringComparison.Ordinal);
            throw new IOException($"Cannot write '{path}': no file can be created in the folder '{folder}' ({reason}).", e);
        }
        finally
        {
            InFlight.TryRemove(probe, out _);
        }
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically with the bytes that <paramref name="write"/> puts in
    /// the stream it is given, after deleting the temporary files that killed writes of the same path left.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    /// <param name="write">Writes the content (the stream is flushed to disk and closed afterwards).</param>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>), the file exists and <paramref name="overwrite"/> is false, or writing failed.</exception>
    public static void Write(string path, bool overwrite, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        (string full, string folder) = Locate(path, overwrite);
        RemoveStaleTemporaries(full, folder);
        string temporary = TemporaryName(full, folder);
        InFlight.TryAdd(temporary, 0);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite);
        }
        catch
        {
            // Only if it was created: on a read-only file system even deleting a missing file fails,
            // which would hide the reason for the failure.
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw;
        }
        finally
        {
            InFlight.TryRemove(temporary, out _);
        }
    }

    /// <summary>The full path and its folder, after the checks that need no file system change.</summary>
    private static (string Full, string Folder) Locate(string path, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"'{path}' is a folder, not a file.");
        }

        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot write '{path}': the folder '{folder}' does not exist.");
        }

        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"'{path}' already exists; pass overwrite (nn: --force) to replace it.");
        }

        return (full, folder);
    }

    private static string TemporaryName(string full, string folder) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));

    /// <summary>
    /// Deletes <c>.NAME.PID.GUID.tmp</c> files of <paramref name="full"/> that no running write owns.
    /// A file that cannot be deleted stays (it will be tried again by the next write).
    /// </summary>
    private static void RemoveStaleTemporaries(string full, string folder)
    {
        string prefix = $".{Path.GetFileName(full)}.";
        foreach (string candidate in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            string name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !TryParseOwner(name.AsSpan(prefix.Length), out int owner))
            {
                continue;
            }

            bool stale = owner == Environment.ProcessId ? !InFlight.ContainsKey(candidate) : !IsRunning(owner);
            if (stale)
            {
                try
                {
                    File.Delete(candidate);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left for the next write; this one does not depend on it.
                }
            }
        }
    }

    /// <summary>Reads "PID.GUID.tmp" (GUID as 32 hexadecimal digits) and gives the PID.</summary>
    private static bool TryParseOwner(ReadOnlySpan<char> rest, out int owner)
    {
        owner = 0;
        int dot = rest.IndexOf('.');
        return dot > 0
            && int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out owner)
            && rest[(dot + 1)..] is { Length: 36 } tail
            && tail.EndsWith(".tmp", StringComparison.Ordinal)
            && Guid.TryParseExact(tail[..32], "N", out _);
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
