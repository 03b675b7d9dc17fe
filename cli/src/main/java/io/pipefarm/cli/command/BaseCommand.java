package io.pipefarm.cli.command;

import io.pipefarm.cli.ui.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of the CLI's leaf commands: {@code --json}, and output through picocli's writers (so that
 * tests can capture it). Subclasses implement {@link #run()} and return an exit code.
 */
public abstract class BaseCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    @Option(names = "--json", description = "print JSON instead of text")
    protected boolean json;

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints a value as indented JSON on stdout. */
    protected void printJson(Object value) {
        Json.print(out(), value);
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } finally {
            out().flush();
            err().flush();
        }
    }

    protected abstract int run() throws Exception;
}
