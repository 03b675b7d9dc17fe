package io.pipefarm.cli.models;

import io.pipefarm.cli.command.ParentCommand;
import picocli.CommandLine.Command;

/** {@code pipefarm models}: the zoo, and .tflite files (export, inspect, segment); no farm needed. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Zoo models and .tflite files: list, export, inspect, segment (no farm needed).",
        subcommands = {
            ListModelsCommand.class,
            ExportModelCommand.class,
            InspectModelCommand.class,
            SegmentModelCommand.class
        })
public final class ModelsCommand extends ParentCommand {}
