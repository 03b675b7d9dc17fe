package io.pipefarm.cli.partition;

import io.pipefarm.cli.BaseCommand;
import io.pipefarm.cli.CliException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pipefarm partition fetch ID}: needs partitions stored by a farm, which does not serve them yet. */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetch a stored partition (descriptor and segments) from the coordinator. Not available yet.")
public final class PartitionFetchCommand extends BaseCommand {
    @Parameters(paramLabel = "ID", description = "partition id")
    String id;

    @Override
    protected int run() {
        throw new CliException(CliException.FAILURE, "partition fetch " + id + " needs a farm that stores partitions, which is not "
                + "available yet; run 'pipefarm partition run --model M --tpus K --method METHOD --out DIR' (standalone) instead");
    }
}
