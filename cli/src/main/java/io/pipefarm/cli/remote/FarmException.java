package io.pipefarm.cli.remote;

import io.pipefarm.cli.command.CliException;

/**
 * A failed call to the coordinator's HTTP API: the API's own message for a 4xx answer (exit 2), or
 * what went wrong on the way (no coordinator, timeout, server error; exit 1).
 */
public final class FarmException extends CliException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final String errorKind;

    public FarmException(int exitCode, String message, int httpStatus, String errorKind, Throwable cause) {
        super(exitCode, message, cause);
        this.httpStatus = httpStatus;
        this.errorKind = errorKind;
    }

    /** The HTTP status, or 0 when no answer arrived. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The API error's {@code kind} (e.g. {@code bad_input}, {@code not_found}), or null. */
    public String errorKind() {
        return errorKind;
    }
}
