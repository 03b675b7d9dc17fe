package io.pipefarm.cli.farm;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** `pipefarm agent` (being written). */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Agent (being written)")
public final class AgentCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("pipefarm agent: not yet available");
        return 2;
    }
}
