package io.pipefarm.cli.farm;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `pipefarm demo` (being written). */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Demo (being written)")
public final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("pipefarm demo: not yet available");
        return 2;
    }
}
