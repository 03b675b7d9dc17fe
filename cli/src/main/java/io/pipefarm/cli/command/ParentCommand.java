package io.pipefarm.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: run alone it shows its usage on stderr and exits 2. */
public abstract class ParentCommand implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        err.println("pipefarm: missing subcommand of '" + spec.qualifiedName() + "'");
        spec.commandLine().usage(err);
        err.flush();
        return CliException.USAGE;
    }
}
