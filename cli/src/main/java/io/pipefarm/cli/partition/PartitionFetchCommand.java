package io.pipefarm.cli.partition;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.coordinator.api.PartitionSummary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pipefarm partition fetch ID --out DIR}: a partition stored by the coordinator, written as segment files
 * named like Coral's ({@code <model>_segment_<i>_of_<k>.tflite}), {@code partition.json}, {@code partition.pb}
 * (the protobuf descriptor, pipefarm.partition.PartitionDescriptor) and {@code stages.svg}.
 */
@Command(
        name = "fetch",
        mixinStandardHelpOptions = true,
        description =
                "Fetch a partition the coordinator stored: segment .tflite files, partition.json, partition.pb and stages.svg.")
public final class PartitionFetchCommand extends BaseCommand {
    /** {@code --json} output: the partition and the files written. */
    record Fetched(long id, List<String> files) {}

    @Parameters(paramLabel = "ID", description = "partition id (from `pipefarm partition run`)")
    long id;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "directory to write the files to")
    Path out;

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "coordinator HTTP API (default: $PIPEFARM_URL or " + FarmClient.DEFAULT_URL + ")")
    String url;

    @Override
    protected int run() throws Exception {
        PartitionRemote remote = new PartitionRemote(FarmClient.resolveUrl(url), Duration.ofSeconds(60));
        PartitionSummary s = remote.status(id);
        if ("running".equals(s.state()))
            throw new CliException(CliException.FAILURE, "partition " + id + " is still running; try again later");
        if ("failed".equals(s.state()))
            throw new CliException(CliException.FAILURE, "partition " + id + " failed: " + s.error());
        List<Path> files = remote.fetch(id, out);
        if (json) {
            printJson(new Fetched(id, files.stream().map(Path::toString).toList()));
        } else {
            for (Path f : files) out().println(f);
            out().println("wrote " + files.size() + " files for partition " + id + " to " + out);
        }
        return 0;
    }
}
