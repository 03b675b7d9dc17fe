package io.pipefarm.cli.bench;

import io.pipefarm.cli.command.ParentCommand;
import picocli.CommandLine.Command;

/** {@code pipefarm bench <topic>}. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print a table (or one JSON object with --json).",
        subcommands = {
            ModelBench.class,
            FarmBench.class,
            PartitionBench.class,
            PredictorBench.class,
            CalibrationBench.class
        })
public final class BenchCommand extends ParentCommand {}
