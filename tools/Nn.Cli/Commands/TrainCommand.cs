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
        var eta = new Option<float>("--eta") { Description = "Learning rate η (default 3 for sgd, 0.3 for momentum and nesterov, 0.001 for adam, adamw and rmsprop).", DefaultValueFactory = _ => 3f }.Positive();
        var lambda = new Option<float>("--lambda") { Description = "L2 regularisation λ.", DefaultValueFactory = _ => 0f }.Positive(zeroAllowed: true);
        var validation = new Option<string?>("--validation") { Description = "Hold out COUNT samples, or a FRACTION (< 1), of the training set for validation." };
        var output = new Option<string?>("--out") { Description = "Save the trained model here (atomically; see docs/model-format.md)." };
        var force = new Option<bool>("--force") { Description = "Replace existing --out, --metrics and --plot files." };
        var metrics = new Option<string?>("--metrics") { Description = "Write the per-epoch and test figures as JSON here." };
        var plot = new Option<string?>("--plot") { Description = "Draw the training curves here (.png or .svg)." };
        var threads = new Option<int>("--threads") { Description = "Threads for the batched engine's matrix products (default: all cores). The weights are the same for any count.", DefaultValueFactory = _ => Environment.ProcessorCount }.Within(1, 1024);
        var engine = new Option<string>("--engine") { Description = "batched (one matrix product per mini-batch; faster at every mini-batch size measured, 1 to 128) or samples (the algorithm as written, sample by sample).", DefaultValueFactory = _ => "batched" };
        var preprocess = new Option<string?>("--preprocess") { Description = "Scale each input, fitted on the training split only and saved in the model: standardize ((x − μ)/σ), minmax ((x − min)/(max − min)) or none (default: standardize for a CSV file, none for digits and IDX images, whose pixels are already in [0, 1])." };
        var task = new Option<string>("--task") { Description = "classification (labels) or regression (continuous --target-columns of a CSV file, identity output, quadratic cost, targets standardised and saved with the model).", DefaultValueFactory = _ => "classification" };
        var targetColumns = new Option<string?>("--target-columns") { Description = "--task regression: the target columns of the CSV file, 0-based indexes or header names, comma-separated; the other columns are inputs." };
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
            layers, activation, outputActivation, cost, init, epochs, batch, eta, lambda, validation, output, force, metrics, plot, engine, threads, preprocess, distributed, shards, task, targetColumns,
        };
        data.AddTo(command);
        var plan = new OptimizerOptions();
        plan.AddTo(command);
        Option<string?> dropout = DropoutOption.Create();
        command.Options.Add(dropout);

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
            string? checkpointPath = quiet ? null : parse.GetValue(plan.Checkpoint), resumePath = parse.GetValue(plan.Resume);
            bool resumesItself = checkpointPath is not null && resumePath is not null && Path.GetFullPath(checkpointPath) == Path.GetFullPath(resumePath);
            OutputFiles.Check(parse.GetValue(force), ("--out", outPath), ("--metrics", metricsPath), ("--plot", plotPath), ("--checkpoint", resumesItself ? null : checkpointPath));

            long seed = parse.GetValue(data.Seed);
            bool regression = Regression.Check(parse, parse.GetValue(task)!, targetColumns, data.LabelColumn, cost, outputActivation);
            Cost costValue = Names.ParseCost(parse.GetValue(cost)!);
            Activation hidden = Names.ParseActivation(parse.GetValue(activation)!, "--activation");
            Activation outputValue = parse.GetValue(outputActivation) is { } o
                ? Names.ParseActivation(o, "--output-activation")
                : costValue == Cost.LogLikelihood ? Activation.Softmax : regression ? Activation.Identity : hidden;
            Initialization initialization = Names.ParseInitialization(parse.GetValue(init)!);
            if (hidden == Activation.Softmax)
            {
                throw new UsageException("--activation softmax: softmax is only allowed on the output layer (--output-activation softmax).");
            }

            float[] dropoutRates = DropoutOption.Parse(parse.GetValue(dropout));
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
            options = plan.Apply(parse, options, parse.GetResult(eta) is { Implicit: false }, parse.GetValue(validation) is not null);
            TrainingCheckpoint? resume = resumePath is null ? null : CheckpointFile.Load(resumePath);
            int[]? givenSizes = parse.GetValue(layers) is { } l ? Names.ParseLayers(l) : null;
            if (resume is not null && givenSizes is not null && !givenSizes.SequenceEqual(resume.Network.LayerSizes))
            {
                throw new UsageException($"--layers {string.Join(',', givenSizes)} differs from the checkpoint's network {resume.Network}; a run resumes on its own network.");
            }

            givenSizes ??= resume is null ? null : [.. resume.Network.LayerSizes];
            (Dataset training, Dataset test, string dataName) = regression
                ? RegressionData.Load(parse.GetValue(data.Data)!, parse.GetValue(targetColumns)!, parse.GetValue(data.TestFraction), seed)
                : data.Load(parse, givenSizes?[^1]);
            Dataset? validationSet = null;
            if (parse.GetValue(validation) is { } v)
            {
                (training, validationSet) = DataSources.HoldOut(training, v, seed);
            }

            int[] sizes = givenSizes ?? [training.InputSize, 30, training.TargetSize];
            if (sizes[0] != training.InputSize || sizes[^1] != training.TargetSize)
            {
                throw new UsageException($"--layers {string.Join(',', sizes)} does not fit the data: {dataName} has {training.InputSize} inputs and {training.TargetSize} {(regression ? "targets" : "classes")}, so the layers must start with {training.InputSize} and end with {training.TargetSize}.");
            }

            DropoutOption.CheckCount(dropoutRates, sizes);
            options = options with { Dropout = dropoutRates };

            if (options.MiniBatchSize > training.Count)
            {
                // The library would take it as the whole set; on the command line it is surely a typo.
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--batch {options.MiniBatchSize:N0} is larger than the {training.Count:N0} training samples; at most {training.Count:N0} (one step per epoch)."));
            }

            if (resume is not null && resume.TrainingCount > 0 && resume.TrainingCount != training.Count)
            {
                throw new UsageException($"--resume {resumePath}: the run trained on {resume.TrainingCount:N0} samples but these options give {training.Count:N0}; resume with the run's own --data, --validation and --seed.");
            }

            if (resume is not null && resume.Epoch > options.Epochs)
            {
                throw new UsageException($"--epochs {options.Epochs}: the checkpoint {resumePath} has {resume.Epoch} epochs done already.");
            }

            string dataSource = parse.GetValue(data.Data)!;
            InputScalingKind? scaling = Names.ParsePreprocess(parse.GetValue(preprocess) ?? (DataSources.IsCsv(dataSource) ? "standardize" : "none"));
            Network network;
            if (resume is not null)
            {
                // The run's own network, with the input scaling its first part fitted; its record is
                // written afresh below, so that it is the record an uninterrupted run would write.
                network = resume.Network;
                foreach (string key in network.Metadata.Entries.Select(e => e.Key).Distinct().ToArray())
                {
                    network.Metadata.SetAll(key, []);
                }
            }
            else
            {
                network = CreateNetwork(sizes, hidden, outputValue, costValue, initialization, seed);
                if (scaling is { } kind)
                {
                    // Fitted on what trains, after the validation hold-out: never on validation or test samples.
                    network.InputScaling = InputScaling.Fit(kind, training.Inputs, training.InputSize);
                }
            }

            ModelRecord.Write(network.Metadata, parse, command, dataSource, training, validationSet, test);
            network.Metadata.Set("train.preprocess", Names.NameOf(scaling));
            if (regression && options.EarlyStopping is { Metric: StoppingMetric.Accuracy })
            {
                throw new UsageException("--monitor accuracy does not apply to --task regression: early stopping there watches the validation cost (--monitor cost, the default).");
            }

            if (regression)
            {
                // Fitted on what trains, like the input scaling; the test set keeps its original units.
                network.TargetScaling = TargetScaling.Fit(TargetsOf(training), training.TargetSize);
                network.Metadata.SetAll("class", []);
                training = RegressionData.Standardized(training, network.TargetScaling);
                validationSet = validationSet is null ? null : RegressionData.Standardized(validationSet, network.TargetScaling);
            }

            if (options.Shards > 0)
            {
                // As it took effect (8 over MPI unless given), whatever the number of processes: the model is the same bits for any.
                network.Metadata.Set("train.shards", options.Shards.ToString(CultureInfo.InvariantCulture));
            }

            var run = new TrainingRun(network, options, training, validationSet, test, dataName) { Processes = processes, Checkpoint = checkpointPath, ResumeFrom = resume, IsRegression = regression };
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
        if (OptimizerOptions.Describe(options) is { } plan)
        {
            console.MarkupLine($"[bold]steps[/]    {Markup.Escape(plan)}");
        }

        if (DropoutOption.Describe(options.Dropout, network.LayerSizes.Count) is { } dropoutText)
        {
            console.MarkupLine($"[bold]dropout[/]  {Markup.Escape(dropoutText)}");
        }

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
        using Trainer trainer = StartTrainer(console, run);
        float[] lastCompleteEpoch = network.Parameters.ToArray();
        int lastComplete = trainer.EpochsCompleted;
        for (int epoch = trainer.EpochsCompleted + 1; epoch <= options.Epochs && trainer.StopReason != TrainingStopReason.EarlyStopping; epoch++)
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

                string resumable = run.Checkpoint is null ? string.Empty : $"; the checkpoint of epoch {trainer.EpochsCompleted} is in {run.Checkpoint} (continue with --resume {run.Checkpoint})";
                context.Error.WriteLine($"nn: interrupted during epoch {epoch}; {kept}{resumable}.");
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
            if (run.Checkpoint is not null)
            {
                CheckpointFile.Save(trainer.CreateCheckpoint(), run.Checkpoint, overwrite: true);
            }

            if (AllFinite(network.Parameters))
            {
                // A last step that overflowed a weight shows only in the next epoch's cost; such an
                // epoch is not one to fall back on.
                network.Parameters.CopyTo(lastCompleteEpoch);
                lastComplete = epoch;
            }

            string validationText = report.ValidationAccuracy is { } va
                ? run.IsRegression ? $"  validation cost {report.ValidationCost:F4}" : $"  validation cost {report.ValidationCost:F4} accuracy {va:P2}"
                : string.Empty;
            string trainingAccuracy = run.IsRegression ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" accuracy {report.TrainingAccuracy:P2}");
            console.MarkupLine(Markup.Escape(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  training cost {report.TrainingCost:F4}{trainingAccuracy}{validationText}  {report.Seconds:F3} s  {report.SamplesPerSecond:N0} samples/s{(options.Schedule is ConstantRate ? string.Empty : $"  η {report.LearningRate:G4}")}{(report.IsBest ? "  best" : string.Empty)}")));
        }

        FinishRun(console, trainer, run);

        if (run.Test.Count > 0 && run.IsRegression)
        {
            run.RegressionResult = RegressionEvaluation.Of(network, run.Test);
            Report.RegressionResult(console, run.RegressionResult);
        }
        else if (run.Test.Count > 0)
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

    /// <summary>Every target of <paramref name="data"/>, row-major.</summary>
    private static float[] TargetsOf(Dataset data)
    {
        var targets = new float[data.Count * data.TargetSize];
        for (int i = 0; i < data.Count; i++)
        {
            data.CopyTarget(i, targets.AsSpan(i * data.TargetSize, data.TargetSize));
        }

        return targets;
    }

    /// <summary>The console of a process other than 0, which prints nothing.</summary>
    private static IAnsiConsole Quiet() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No });

    /// <summary>A new trainer, or the resumed run's; with --checkpoint, a new run's state before its first epoch is written at once, so that an interruption always leaves one to resume.</summary>
    private static Trainer StartTrainer(IAnsiConsole console, TrainingRun run)
    {
        if (run.ResumeFrom is { } checkpoint)
        {
            Trainer resumed;
            try
            {
                resumed = Trainer.Resume(checkpoint, run.Options, run.Processes);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--resume: {Program.MessageOf(e)}");
            }

            console.MarkupLine(Markup.Escape($"resumed  after epoch {checkpoint.Epoch} (step {checkpoint.Step:N0})"));
            return resumed;
        }

        var trainer = new Trainer(run.Network, run.Options, run.Processes);
        if (run.Checkpoint is not null)
        {
            CheckpointFile.Save(trainer.CreateCheckpoint(), run.Checkpoint, overwrite: true);
        }

        return trainer;
    }

    /// <summary>With early stopping: the best epoch's parameters back, and a line that says which epoch and why training stopped.</summary>
    private static void FinishRun(IAnsiConsole console, Trainer trainer, TrainingRun run)
    {
        if (run.Options.EarlyStopping is not { } stopping)
        {
            return;
        }

        trainer.RestoreBestEpoch();
        run.BestEpoch = trainer.BestEpoch;
        run.StopReason = trainer.StopReason == TrainingStopReason.EarlyStopping ? "early-stopping" : "epochs";
        string metric = stopping.Metric == StoppingMetric.Cost ? "validation cost" : "validation accuracy";
        string why = trainer.StopReason == TrainingStopReason.EarlyStopping
            ? $"early after epoch {trainer.EpochsCompleted}: the {metric} did not improve for {stopping.Patience} epochs"
            : $"after all {run.Options.Epochs} epoch{(run.Options.Epochs == 1 ? string.Empty : "s")}";
        string best = trainer.BestEpoch is { } b ? $"; restored the best epoch, {b}" : "; no epoch had a finite validation figure, so the last one's parameters stay";
        console.MarkupLine(Markup.Escape($"stopping {why}{best}"));
    }

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

    /// <summary>Whether the run is <c>--task regression</c>: targets standardised in training, figures in original units.</summary>
    public bool IsRegression { get; init; }

    public RegressionEvaluation? RegressionResult { get; set; }

    /// <summary>The MPI processes training together, or null for this process alone.</summary>
    public MpiCommunicator? Processes { get; init; }

    /// <summary>The number of processes training together.</summary>
    public int ProcessCount => Processes?.Size ?? 1;

    /// <summary>Where --checkpoint writes the training state, if anywhere.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>The checkpoint --resume continues, if any.</summary>
    public TrainingCheckpoint? ResumeFrom { get; init; }

    /// <summary>With early stopping: the best epoch, whose parameters the model has.</summary>
    public int? BestEpoch { get; set; }

    /// <summary>With early stopping: why training stopped ("early-stopping" or "epochs").</summary>
    public string? StopReason { get; set; }
}
