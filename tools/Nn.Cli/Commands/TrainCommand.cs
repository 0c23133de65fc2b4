using System.CommandLine;
using System.Globalization;
using Nn.Simd.Data;
using Nn.Simd.Kernels;
using Nn.Simd.Model;
using Nn.Simd.Training;
using Spectre.Console;

namespace Nn.Cli.Commands;

/// <summary><c>nn train</c>: train a network, report every epoch, then test it.</summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "digits (embedded, the default), fashion-mnist, a folder in the MNIST layout, or a CSV file.", DefaultValueFactory = _ => "digits" };
        var layers = new Option<string?>("--layers") { Description = "Layer sizes, e.g. 784,100,10 (default: inputs,30,classes)." };
        var activation = new Option<string>("--activation") { Description = "Hidden activation: sigmoid|tanh|relu|identity.", DefaultValueFactory = _ => "sigmoid" };
        var outputActivation = new Option<string?>("--output-activation") { Description = "Output activation: sigmoid|tanh|relu|identity|softmax (default: softmax for log-likelihood, else the hidden one)." };
        var cost = new Option<string>("--cost") { Description = "quadratic|cross-entropy|log-likelihood.", DefaultValueFactory = _ => "quadratic" };
        var init = new Option<string>("--init") { Description = "gaussian|scaled-gaussian|xavier|he.", DefaultValueFactory = _ => "scaled-gaussian" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set.", DefaultValueFactory = _ => 30 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 10 };
        var eta = new Option<float>("--eta") { Description = "Learning rate η.", DefaultValueFactory = _ => 3f };
        var lambda = new Option<float>("--lambda") { Description = "L2 regularisation λ.", DefaultValueFactory = _ => 0f };
        var seed = new Option<long>("--seed") { Description = "Seed for the weights, the shuffles and the splits.", DefaultValueFactory = _ => 1 };
        var validation = new Option<string?>("--validation") { Description = "Hold out COUNT samples, or a FRACTION (< 1), of the training set for validation." };
        var testFraction = new Option<double>("--test-fraction") { Description = "For data without a test part (digits, CSV): the share kept for testing.", DefaultValueFactory = _ => 0.2 };
        var labelColumn = new Option<int?>("--label-column") { Description = "CSV: the 0-based label column (default: the last)." };
        var command = new Command("train", "Train a network and report its test accuracy.")
        {
            data, layers, activation, outputActivation, cost, init, epochs, batch, eta, lambda, seed, validation, testFraction, labelColumn,
        };

        command.SetAction(parse =>
        {
            long seedValue = parse.GetValue(seed);
            (Dataset training, Dataset test, string dataName) = DataSources.Load(parse.GetValue(data)!, parse.GetValue(testFraction), parse.GetValue(labelColumn), seedValue);
            Dataset? validationSet = null;
            if (parse.GetValue(validation) is { } v)
            {
                (training, validationSet) = DataSources.HoldOut(training, v, seedValue);
            }

            Cost costValue = Names.ParseCost(parse.GetValue(cost)!);
            Activation hidden = Names.ParseActivation(parse.GetValue(activation)!, "--activation");
            Activation output = parse.GetValue(outputActivation) is { } o
                ? Names.ParseActivation(o, "--output-activation")
                : costValue == Cost.LogLikelihood ? Activation.Softmax : hidden;
            int[] sizes = parse.GetValue(layers) is { } l ? Names.ParseLayers(l) : [training.InputSize, 30, training.TargetSize];
            if (sizes[0] != training.InputSize || sizes[^1] != training.TargetSize)
            {
                throw new UsageException($"--layers {string.Join(',', sizes)} does not fit the data: {dataName} has {training.InputSize} inputs and {training.TargetSize} classes, so the layers must start with {training.InputSize} and end with {training.TargetSize}.");
            }

            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                MiniBatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(eta),
                Lambda = parse.GetValue(lambda),
                Seed = seedValue,
            };
            options.Validate();
            Network network = Network.Create(sizes, hidden, output, costValue, Names.ParseInitialization(parse.GetValue(init)!), seedValue);
            return Run(context, network, options, training, validationSet, test, dataName);
        });
        return command;
    }

    private static int Run(CliContext context, Network network, TrainingOptions options, Dataset training, Dataset? validation, Dataset test, string dataName)
    {
        IAnsiConsole console = context.Console;
        console.MarkupLine($"[bold]data[/]     {Markup.Escape(dataName)}: {training.Count:N0} training, {validation?.Count ?? 0:N0} validation, {test.Count:N0} test samples");
        console.MarkupLine($"[bold]network[/]  {Markup.Escape(network.ToString())}, {network.ParameterCount:N0} parameters");
        console.MarkupLine($"[bold]training[/] {options.Epochs} epochs, mini-batch {options.MiniBatchSize}, η {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, λ {options.Lambda.ToString(CultureInfo.InvariantCulture)}, seed {options.Seed}");
        console.MarkupLine($"[bold]kernels[/]  {KernelDispatch.Active} on {Markup.Escape(CpuInfo.ModelName)}");

        var trainer = new Trainer(network, options);
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            EpochReport report = RunEpoch(console, trainer, training, validation, epoch, options.Epochs, context.CancellationToken);
            string validationText = report.ValidationAccuracy is { } va
                ? $"  validation cost {report.ValidationCost:F4} accuracy {va:P2}"
                : string.Empty;
            console.MarkupLine(Markup.Escape(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  training cost {report.TrainingCost:F4} accuracy {report.TrainingAccuracy:P2}{validationText}  {report.Seconds:F2} s  {report.SamplesPerSecond:N0} samples/s")));
        }

        if (test.Count > 0)
        {
            Evaluation result = Evaluation.Of(network, test);
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"test accuracy {result.Accuracy:P2} ({result.Count:N0} samples), cost {result.Cost:F4}")));
            console.Write(ConfusionTable(result));
        }

        console.MarkupLine($"weights hash 0x{network.ComputeHash():X16}");
        return ExitCodes.Success;
    }

    private static EpochReport RunEpoch(IAnsiConsole console, Trainer trainer, Dataset training, Dataset? validation, int epoch, int epochs, CancellationToken token)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return trainer.TrainEpoch(training, validation, epoch, token);
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
                report = trainer.TrainEpoch(training, validation, epoch, token);
            });
        trainer.MiniBatchCompleted = null;
        return report;
    }

    private static Table ConfusionTable(Evaluation result)
    {
        var table = new Table().Border(TableBorder.Simple).Title("confusion matrix (rows: actual, columns: predicted)");
        table.AddColumn(new TableColumn(string.Empty).RightAligned());
        for (int p = 0; p < result.Confusion.Length; p++)
        {
            table.AddColumn(new TableColumn(p.ToString(CultureInfo.InvariantCulture)).RightAligned());
        }

        for (int a = 0; a < result.Confusion.Length; a++)
        {
            table.AddRow([a.ToString(CultureInfo.InvariantCulture), .. result.Confusion[a].Select(c => c.ToString(CultureInfo.InvariantCulture))]);
        }

        return table;
    }
}
