package io.pipefarm.cli.partition;

import io.pipefarm.cli.command.ParentCommand;
import picocli.CommandLine.Command;

/** {@code pipefarm partition run|fetch}. */
@Command(
        name = "partition",
        mixinStandardHelpOptions = true,
        description = "Split a model into a pipeline of Edge TPU segments (DESIGN.md section 8).",
        subcommands = {PartitionRunCommand.class, PartitionFetchCommand.class})
public final class PartitionCommand extends ParentCommand {}
