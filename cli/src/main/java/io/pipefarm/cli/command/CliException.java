package io.pipefarm.cli.command;

/**
 * A failure the CLI reports as one line {@code pipefarm: <message>} on stderr, with an exit code:
 * {@link #USAGE} (2) for bad input (arguments, files, a request the coordinator rejected) and
 * {@link #FAILURE} (1) for everything else (no coordinator, I/O errors, server errors).
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Bad input: exit code 2. */
    public static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    /** Failure: exit code 1. */
    public static CliException failure(String message, Throwable cause) {
        return new CliException(FAILURE, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
