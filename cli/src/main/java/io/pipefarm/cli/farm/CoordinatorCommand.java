package io.pipefarm.cli.farm;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `pipefarm coordinator` (being written). */
@Command(name = "coordinator", mixinStandardHelpOptions = true, description = "Coordinator (being written)")
public final class CoordinatorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("pipefarm coordinator: not yet available");
        return 2;
    }
}
