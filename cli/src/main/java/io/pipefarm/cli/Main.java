package io.pipefarm.cli;

import io.pipefarm.cli.bench.BenchCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.farm.AgentCommand;
import io.pipefarm.cli.farm.CoordinatorCommand;
import io.pipefarm.cli.farm.DemoCommand;
import io.pipefarm.cli.models.ModelsCommand;
import io.pipefarm.cli.partition.PartitionCommand;
import io.pipefarm.cli.predictor.PredictorCommand;
import io.pipefarm.cli.remote.AgentsCommand;
import io.pipefarm.cli.remote.CampaignCommand;
import io.pipefarm.cli.remote.ProfilesCommand;
import io.pipefarm.cli.sim.SimulateCommand;
import io.pipefarm.model.tflite.TfliteFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code pipefarm} command. Exit codes: 0 ok, 1 failure, 2 usage or bad input.
 * Errors are one line {@code pipefarm: <message>} on stderr; {@code --verbose} (anywhere on the command
 * line) or {@code PIPEFARM_DEBUG=1} adds the stack trace.
 */
@Command(
        name = "pipefarm",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Distributed profiling farm for int8 .tflite DNN segments on Edge TPUs and CPUs.",
        subcommands = {
            CoordinatorCommand.class,
            AgentCommand.class,
            DemoCommand.class,
            ModelsCommand.class,
            CampaignCommand.class,
            ProfilesCommand.class,
            AgentsCommand.class,
            BenchCommand.class,
            SimulateCommand.class,
            PartitionCommand.class,
            PredictorCommand.class
        },
        footer = {
            "",
            "Farm commands talk to the coordinator at --url, $PIPEFARM_URL or http://127.0.0.1:8080.",
            "Exit codes: 0 ok, 1 failure, 2 usage or bad input."
        })
public final class Main implements Callable<Integer> {
    public static final String VERSION = "0.1.0-SNAPSHOT";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--verbose",
            scope = ScopeType.INHERIT,
            description = "on errors, print the stack trace too (or set PIPEFARM_DEBUG=1)")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        spec.commandLine().usage(err);
        err.flush();
        return CliException.USAGE;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The configured command line (error handlers and exit codes set); output goes to System.out/err. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::onExecutionException);
        cl.setParameterExceptionHandler(Main::onParameterException);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }

    /** Runs the command with the given writers; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    static boolean debug(ParseResult pr) {
        if ("1".equals(System.getenv("PIPEFARM_DEBUG")) || "true".equalsIgnoreCase(System.getenv("PIPEFARM_DEBUG")))
            return true;
        if (pr == null) return false;
        List<String> args = pr.originalArgs();
        return args.contains("--verbose");
    }

    private static int onParameterException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("pipefarm: " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        if (List.of(args).contains("--verbose") || "1".equals(System.getenv("PIPEFARM_DEBUG"))) ex.printStackTrace(err);
        err.flush();
        return CliException.USAGE;
    }

    private static int onExecutionException(Exception ex, CommandLine cmd, ParseResult pr) {
        PrintWriter err = cmd.getErr();
        Failure f = describe(ex);
        err.println("pipefarm: " + f.message());
        if (debug(pr)) {
            ex.printStackTrace(err);
        } else if (f.unexpected()) {
            err.println(
                    "pipefarm: this looks like a bug; run again with --verbose (or PIPEFARM_DEBUG=1) for the stack trace");
        }
        err.flush();
        return f.exitCode();
    }

    /** How an exception is reported: message, exit code, and whether it is unexpected (a bug). */
    record Failure(String message, int exitCode, boolean unexpected) {}

    static Failure describe(Throwable ex) {
        Throwable e = ex;
        if (e instanceof UncheckedIOException u && u.getCause() != null) e = u.getCause();
        if (e instanceof CliException c) return new Failure(c.getMessage(), c.exitCode(), false);
        if (e instanceof TfliteFormatException t) return new Failure(t.getMessage(), CliException.USAGE, false);
        if (e instanceof NoSuchFileException n)
            return new Failure(n.getFile() + ": no such file or directory", CliException.USAGE, false);
        if (e instanceof AccessDeniedException a)
            return new Failure(a.getFile() + ": permission denied", CliException.FAILURE, false);
        if (e instanceof FileAlreadyExistsException a)
            return new Failure(a.getFile() + ": already exists", CliException.USAGE, false);
        if (e instanceof NotDirectoryException a)
            return new Failure(a.getFile() + ": not a directory", CliException.USAGE, false);
        if (e instanceof FileSystemException fs) {
            String reason = fs.getReason() == null ? fs.getClass().getSimpleName() : fs.getReason();
            return new Failure(fs.getFile() + ": " + reason, CliException.FAILURE, false);
        }
        if (e instanceof IllegalArgumentException)
            return new Failure(String.valueOf(e.getMessage()), CliException.USAGE, false);
        if (e instanceof IOException) return new Failure(String.valueOf(e.getMessage()), CliException.FAILURE, false);
        String msg =
                e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new Failure("internal error: " + msg, CliException.FAILURE, true);
    }

    /** {@code pipefarm --version}. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "pipefarm " + VERSION,
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
