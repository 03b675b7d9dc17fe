package io.pipefarm.cli.farm;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `pipefarm bench farm`: farm overhead with 64 simulated devices (being written). */
@Command(name = "farm", mixinStandardHelpOptions = true, description = "Farm overhead benchmark (jobs/s at 0 ms runs, utilisation at 20 ms runs)")
public final class FarmBench implements Callable<Integer> {
    @Option(names = "--json", description = "print one JSON object instead of a table")
    boolean json;

    @Override
    public Integer call() {
        System.err.println("pipefarm bench farm: not yet available");
        return 2;
    }
}
