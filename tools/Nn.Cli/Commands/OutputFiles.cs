using Nn.Simd.IO;

namespace Nn.Cli.Commands;

/// <summary>The files a command writes at the end of a long run (a model, metrics, a plot, benchmark figures).</summary>
internal static class OutputFiles
{
    /// <summary>
    /// Refuses, before any data is read or anything is computed, an output that could only fail at the
    /// end: a file in a folder that does not exist, a path that is a folder, one file named by two options,
    /// a file that exists without <paramref name="force"/>, or a folder where no file can be created.
    /// </summary>
    public static void Check(bool force, params ReadOnlySpan<(string Option, string? Path)> outputs)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string option, string? path) in outputs)
        {
            if (path is null)
            {
                continue;
            }

            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new UsageException($"{option} '{path}' is a folder; give a file name.");
            }

            string folder = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(folder))
            {
                throw new IOException($"{option} '{path}': the folder '{folder}' does not exist.");
            }

            if (!seen.TryAdd(full, option))
            {
                throw new UsageException($"{seen[full]} and {option} both name '{path}'; each output needs a file of its own.");
            }
        }

        foreach ((string option, string? path) in outputs)
        {
            if (path is null)
            {
                continue;
            }

            if (!force && File.Exists(path))
            {
                throw new UsageException($"{option} '{path}' already exists; add --force to replace it.");
            }

            try
            {
                AtomicFile.CheckWritable(path, overwrite: true);
            }
            catch (IOException e)
            {
                throw new IOException($"{option}: {e.Message}", e);
            }
        }
    }
}
