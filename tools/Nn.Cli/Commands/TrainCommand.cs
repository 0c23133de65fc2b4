using System.CommandLine;
using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Distributed;
using Nn.Simd.IO;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn train</c>: train a network, report every epoch, then test it.</summary>
internal static class TrainCommand
{
    /// <summary>The exit code after Ctrl+C (128 + SIGINT, as shells report it).</summary>
    private const int Interrupted = 130;

    public static Command Create(CliContext context)
    {
        var data = new DataOptions();
        var layers = new Option<string?>("--layers") { Description = "Layer sizes, e.g. 784,100,10 (default: inputs,30,classes)." };
        var activation = new Option<string>("--activation") { Description = "Hidden activation: sigmoid|tanh|relu|identity.", DefaultValueFactory = _ => "sigmoid" };
        var outputActivation = new Option<string?>("--output-activation") { Description = "Output activation: sigmoid|tanh|relu|identity|softmax (default: softmax for log-likelihood, else the hidden one)." };
        var cost = new Option<string>("--cost") { Description = "quadratic|cross-entropy|log-likelihood.", DefaultValueFactory = _ => "quadratic" };
        var init = new Option<string>("--init") { Description = "gaussian|scaled-gaussian|xavier|he.", DefaultValueFactory = _ => "scaled-gaussian" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => 30 }.Within(1);
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 10 }.Within(1);
        var eta = new Option<float>("--eta") { Description = "Learning rate η.", DefaultValueFactory = _ => 3f }.Positive();
        var lambda = new Option<float>("--lambda") { Description = "L2 regularisation λ.", DefaultValueFactory = _ => 0f }.Positive(zeroAllowed: true);
        var validation = new Option<string?>("--validation") { Description = "Hold out COUNT samples, or a FRACTION (< 1), of the training set for validation." };
        var output = new Option<string?>("--out") { Description = "Save the trained model here (atomically; see docs/model-format.md)." };
        var force = new Option<bool>("--force") { Description = "Replace existing --out, --metrics and --plot files." };
        var metrics = new Option<string?>("--metrics") { Description = "Write the per-epoch and test figures as JSON here." };
        var plot = new Option<string?>("--plot") { Description = "Draw the training curves here (.png or .svg)." };
        var threads = new Option<int>("--threads") { Description = "Threads for the batched engine's matrix products (default: all cores). The weights are the same for any count.", DefaultValueFactory = _ => Environment.ProcessorCount }.Within(1, 1024);
        var engine = new Option<string>("--engine") { Description = "batched (one matrix product per mini-batch; faster at every mini-batch size measured, 1 to 128) or samples (the algorithm as written, sample by sample).", DefaultValueFactory = _ => "batched" };
        var preprocess = new Option<string?>("--preprocess") { Description = "Scale each input, fitted on the training split only and saved in the model: standardize ((x − μ)/σ), minmax ((x − min)/(max − min)) or none (default: standardize for a CSV file, none for digits and IDX images, whose pixels are already in [0, 1])." };
        var distributed = new Option<bool>("--distributed") { Description = "Train over MPI (implied when mpirun, mpiexec or srun started nn): every process trains the shards it owns; process 0 alone prints and writes files. See docs/distributed.md." };
        var shards = new Option<int?>("--shards") { Description = "Cut every mini-batch into S shards summed in one fixed tree, so the weights are the same for any number of processes ≤ S (default: 8 when distributed, none otherwise)." };
        shards.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 4096)
            {
                result.AddError($"--shards {result.GetValueOrDefault<int?>()} must be between 1 and 4096.");
            }
        });
        var command = new Command("train", "Train a network and report its test accuracy.")
        {
            layers, activation, outputActivation, cost, init, epochs, batch, eta, lambda, validation, output, force, metrics, plot, engine, threads, preprocess, distributed, shards,
        };
        data.AddTo(command);

        command.SetAction(parse =>
        {
            MpiCommunicator? processes = Processes.Distributed(parse.GetValue(distributed)) ? Processes.Open() : null;
            bool quiet = processes is { Rank: > 0 };
            string? outPath = quiet ? null : parse.GetValue(output);
            string? plotPath = quiet ? null : parse.GetValue(plot);
            if (plotPath is not null)
            {
                CurvePlot.Check(plotPath);
            }

            string? metricsPath = quiet ? null : parse.GetValue(metrics);
            OutputFiles.Check(parse.GetValue(force), ("--out", outPath), ("--metrics", metricsPath), ("--plot", plotPath));

            long seed = parse.GetValue(data.Seed);
            Cost costValue = Names.ParseCost(parse.GetValue(cost)!);
            Activation hidden = Names.ParseActivation(parse.GetValue(activation)!, "--activation");
            Activation outputValue = parse.GetValue(outputActivation) is { } o
                ? Names.ParseActivation(o, "--output-activation")
                : costValue == Cost.LogLikelihood ? Activation.Softmax : hidden;
            Initialization initialization = Names.ParseInitialization(parse.GetValue(init)!);
            if (hidden == Activation.Softmax)
            {
                throw new UsageException("--activation softmax: softmax is only allowed on the output layer (--output-activation softmax).");
            }

            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                MiniBatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(eta),
                Lambda = parse.GetValue(lambda),
                Seed = seed,
                Engine = Names.ParseEngine(parse.GetValue(engine)!),
                Threads = processes is null ? parse.GetValue(threads) : Processes.DefaultThreads(parse, threads),
                Shards = parse.GetValue(shards) ?? (processes is null ? 0 : 8),
            };
            int[]? givenSizes = parse.GetValue(layers) is { } l ? Names.ParseLayers(l) : null;
            (Dataset training, Dataset test, string dataName) = data.Load(parse, givenSizes?[^1]);
            Dataset? validationSet = null;
            if (parse.GetValue(validation) is { } v)
            {
                (training, validationSet) = DataSources.HoldOut(training, v, seed);
            }

            int[] sizes = givenSizes ?? [training.InputSize, 30, training.TargetSize];
            if (sizes[0] != training.InputSize || sizes[^1] != training.TargetSize)
            {
                throw new UsageException($"--layers {string.Join(',', sizes)} does not fit the data: {dataName} has {training.InputSize} inputs and {training.TargetSize} classes, so the layers must start with {training.InputSize} and end with {training.TargetSize}.");
            }

            if (options.MiniBatchSize > training.Count)
            {
                // The library would take it as the whole set; on the command line it is surely a typo.
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--batch {options.MiniBatchSize:N0} is larger than the {training.Count:N0} training samples; at most {training.Count:N0} (one step per epoch)."));
            }

            Network network = CreateNetwork(sizes, hidden, outputValue, costValue, initialization, seed);
            string dataSource = parse.GetValue(data.Data)!;
            InputScalingKind? scaling = Names.ParsePreprocess(parse.GetValue(preprocess) ?? (DataSources.IsCsv(dataSource) ? "standardize" : "none"));
            if (scaling is { } kind)
            {
                // Fitted on what trains, after the validation hold-out: never on validation or test samples.
                network.InputScaling = InputScaling.Fit(kind, training.Inputs, training.InputSize);
            }

            ModelRecord.Write(network.Metadata, parse, command, dataSource, training, validationSet, test);
            network.Metadata.Set("train.preprocess", Names.NameOf(scaling));
            if (options.Shards > 0)
            {
                // As it took effect (8 over MPI unless given), whatever the number of processes: the model is the same bits for any.
                network.Metadata.Set("train.shards", options.Shards.ToString(CultureInfo.InvariantCulture));
            }

            var run = new TrainingRun(network, options, training, validationSet, test, dataName) { Processes = processes };
            return Run(quiet ? context with { Console = Quiet() } : context, run, outPath, metricsPath, plotPath);
        });
        return command;
    }

    /// <summary>
    /// <see cref="Network.Create(ReadOnlySpan{int}, Activation, Activation, Cost, Initialization, long)"/>, whose
    /// refusals become usage errors that name the options and their values as typed: the library's
    /// messages name its own members (e.g. "The CrossEntropy cost cannot be used with Softmax outputs: why").
    /// </summary>
    private static Network CreateNetwork(int[] sizes, Activation hidden, Activation output, Cost cost, Initialization initialization, long seed)
    {
        try
        {
            return Network.Create(sizes, hidden, output, cost, initialization, seed);
        }
        catch (ArgumentException e) when (e.ParamName == "cost")
        {
            string message = Program.MessageOf(e).Replace($"not {output}", $"not {Names.NameOf(output)}", StringComparison.Ordinal);
            int why = message.IndexOf(": ", StringComparison.Ordinal);
            throw new UsageException($"--cost {cost.Name()} cannot be used with --output-activation {Names.NameOf(output)}{(why < 0 ? "." : message[why..])}");
        }
        catch (ArgumentException e) when (e.ParamName == "layerSizes")
        {
            throw new UsageException($"--layers: {Program.MessageOf(e)}");
        }
    }

    private static int Run(CliContext context, TrainingRun run, string? outPath, string? metricsPath, string? plotPath)
    {
        IAnsiConsole console = context.Console;
        Network network = run.Network;
        TrainingOptions options = run.Options;
        console.MarkupLine($"[bold]data[/]     {Markup.Escape(run.DataName)}: {run.Training.Count:N0} training, {run.Validation?.Count ?? 0:N0} validation, {run.Test.Count:N0} test samples");
        console.MarkupLine($"[bold]network[/]  {Markup.Escape(network.ToString())}, {network.ParameterCount:N0} parameters");
        console.MarkupLine($"[bold]training[/] {options.Epochs} epochs, mini-batch {options.MiniBatchSize} ({(options.Engine == TrainingEngine.Batched ? $"batched, {options.Threads} thread{(options.Threads == 1 ? string.Empty : "s")}" : "sample by sample, 1 thread")}), η {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, λ {options.Lambda.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}");
        console.MarkupLine($"[bold]kernels[/]  {KernelDispatch.Active} on {Markup.Escape(CpuInfo.ModelName)}");
        if (network.InputScaling is { } scaling)
        {
            console.MarkupLine($"[bold]inputs[/]   {(scaling.Kind == InputScalingKind.Standardize ? "standardized, (x − μ)/σ" : "min–max scaled, (x − min)/(max − min)")} per feature, fitted on the {run.Training.Count:N0} training samples, saved with the model");
        }

        if (options.Shards > 0)
        {
            console.MarkupLine($"[bold]shards[/]   {options.Shards} per mini-batch, {run.ProcessCount} process{(run.ProcessCount == 1 ? string.Empty : "es")}{(run.Processes is { } world ? $" ({Markup.Escape(world.Description)})" : string.Empty)}");
        }

        // Over several processes an interruption ends the whole job: the processes would stop at
        // different mini-batches and wait for each other forever.
        using CancellationTokenRegistration abortOnInterrupt = run.Processes is { Size: > 1 } processes
            ? context.CancellationToken.Register(() =>
            {
                context.Error.WriteLine($"nn: interrupted; process {processes.Rank} of {processes.Size} ends the job; nothing was saved.");
                processes.Abort(Interrupted);
            })
            : default;
        using var trainer = new Trainer(network, options, run.Processes);
        float[] lastCompleteEpoch = network.Parameters.ToArray();
        int lastComplete = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            EpochReport report;
            try
            {
                report = RunEpoch(console, trainer, run.Training, run.Validation, epoch, options.Epochs, context.CancellationToken, out long allocated);
                run.AllocatedBytes.Add(allocated);
            }
            catch (OperationCanceledException)
            {
                lastCompleteEpoch.CopyTo(network.Parameters);
                string kept = outPath is null
                    ? "nothing was saved (no --out)"
                    : lastComplete == 0 ? "no epoch was complete, so nothing was saved" : $"the model of epoch {lastComplete} was saved to {outPath}";
                if (outPath is not null && lastComplete > 0)
                {
                    ModelFile.Save(network, outPath, overwrite: true);
                }

                context.Error.WriteLine($"nn: interrupted during epoch {epoch}; {kept}.");
                return Interrupted;
            }
            catch (TrainingDivergedException e)
            {
                // The last good step's weights gave a non-finite cost one step later: the model worth
                // keeping is the last complete epoch's (the initial one if none was complete).
                lastCompleteEpoch.CopyTo(network.Parameters);
                string kept = outPath is null
                    ? "nothing was saved (no --out)"
                    : lastComplete == 0
                        ? $"the initial model was saved to {outPath} (no epoch ended with finite weights)"
                        : $"the model of epoch {lastComplete} (the last that ended with finite weights) was saved to {outPath}";
                if (outPath is not null)
                {
                    ModelFile.Save(network, outPath, overwrite: true);
                }

                string lastCost = double.IsNaN(e.LastFiniteCost) ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" (last finite mini-batch cost {e.LastFiniteCost:G6})");
                string advice = options.Lambda > 0 ? "--eta or --lambda" : "--eta";
                context.Error.WriteLine($"nn: training diverged in epoch {e.Epoch}, mini-batch {e.MiniBatch}: the cost or gradient became non-finite{lastCost}; {kept}; try a smaller {advice}.");
                return ExitCodes.Failure;
            }

            run.Reports.Add(report);
            if (AllFinite(network.Parameters))
            {
                // A last step that overflowed a weight shows only in the next epoch's cost; such an
                // epoch is not one to fall back on.
                network.Parameters.CopyTo(lastCompleteEpoch);
                lastComplete = epoch;
            }

            string validationText = report.ValidationAccuracy is { } va
                ? $"  validation cost {report.ValidationCost:F4} accuracy {va:P2}"
                : string.Empty;
            console.MarkupLine(Markup.Escape(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  training cost {report.TrainingCost:F4} accuracy {report.TrainingAccuracy:P2}{validationText}  {report.Seconds:F3} s  {report.SamplesPerSecond:N0} samples/s")));
        }

        if (run.Test.Count > 0)
        {
            run.TestResult = Evaluation.Of(network, run.Test);
            Report.TestResult(console, run.TestResult);
        }

        if (outPath is not null)
        {
            ModelFile.Save(network, outPath, overwrite: true);
            console.MarkupLine($"model    saved to {Markup.Escape(outPath)}");
        }

        if (metricsPath is not null)
        {
            MetricsJson.Write(metricsPath, run);
            console.MarkupLine($"metrics  written to {Markup.Escape(metricsPath)}");
        }

        if (plotPath is not null)
        {
            CurvePlot.Save(plotPath, run);
            console.MarkupLine($"plot     drawn to {Markup.Escape(plotPath)}");
        }

        console.MarkupLine($"weights hash 0x{network.ComputeHash():X16}");
        return ExitCodes.Success;
    }

    /// <summary>The console of a process other than 0, which prints nothing.</summary>
    private static IAnsiConsole Quiet() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No });

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    private static EpochReport RunEpoch(IAnsiConsole console, Trainer trainer, Dataset training, Dataset? validation, int epoch, int epochs, CancellationToken token, out long allocated)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        if (!console.Profile.Capabilities.Interactive)
        {
            before = GC.GetAllocatedBytesForCurrentThread();
            EpochReport plain = trainer.TrainEpoch(training, validation, epoch, token);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            return plain;
        }

        EpochReport report = default;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                ProgressTask task = progress.AddTask($"epoch {epoch}/{epochs}");
                trainer.MiniBatchCompleted = (done, total) =>
                {
                    if (done % 16 == 0 || done == total)
                    {
                        task.MaxValue = total;
                        task.Value = done;
                    }
                };
                try
                {
                    report = trainer.TrainEpoch(training, validation, epoch, token);
                }
                finally
                {
                    trainer.MiniBatchCompleted = null;
                }
            });
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return report;
    }
}

/// <summary>Everything one <c>nn train</c> run produced, for the metrics file and the plot.</summary>
internal sealed class TrainingRun(Network network, TrainingOptions options, Dataset training, Dataset? validation, Dataset test, string dataName)
{
    public Network Network { get; } = network;

    public TrainingOptions Options { get; } = options;

    public Dataset Training { get; } = training;

    public Dataset? Validation { get; } = validation;

    public Dataset Test { get; } = test;

    public string DataName { get; } = dataName;

    public List<EpochReport> Reports { get; } = [];

    /// <summary>Bytes the training thread allocated in each epoch (on a terminal, its progress bar's included).</summary>
    public List<long> AllocatedBytes { get; } = [];

    public Evaluation? TestResult { get; set; }

    /// <summary>The MPI processes training together, or null for this process alone.</summary>
    public MpiCommunicator? Processes { get; init; }

    /// <summary>The number of processes training together.</summary>
    public int ProcessCount => Processes?.Size ?? 1;
}
