package io.pipefarm.cli.partition;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.cli.ui.Json;
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
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetch a partition the coordinator stored: segment .tflite files, partition.json, partition.pb and stages.svg.")
public final class PartitionFetchCommand extends BaseCommand {
    @Parameters(paramLabel = "ID", description = "partition id (from `pipefarm partition run`)")
    long id;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "directory to write the files to")
    Path out;

    @Option(names = "--url", paramLabel = "URL", description = "coordinator HTTP API (default: $PIPEFARM_URL or " + FarmClient.DEFAULT_URL + ")")
    String url;

    @Override
    protected int run() throws Exception {
        PartitionRemote remote = new PartitionRemote(FarmClient.resolveUrl(url), Duration.ofSeconds(60));
        var s = remote.status(id);
        String state = s.path("state").asText();
        if ("running".equals(state)) throw new CliException(CliException.FAILURE, "partition " + id + " is still running; try again later");
        if ("failed".equals(state)) throw new CliException(CliException.FAILURE, "partition " + id + " failed: " + s.path("error").asText());
        List<Path> files = remote.fetch(id, out);
        if (json) {
            var o = Json.object();
            o.put("id", id);
            var a = o.putArray("files");
            for (Path f : files) a.add(f.toString());
            printJson(o);
        } else {
            for (Path f : files) out().println(f);
            out().println("wrote " + files.size() + " files for partition " + id + " to " + out);
        }
        return 0;
    }
}
