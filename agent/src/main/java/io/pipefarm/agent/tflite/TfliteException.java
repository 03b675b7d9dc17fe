package io.pipefarm.agent.tflite;

/** A TFLite runtime failure, classified so that callers can map it to a job error kind. */
public class TfliteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong (maps onto the runner's closed error list). */
    public enum Kind {
        /** Native library missing / not loadable, unsupported platform. */
        UNAVAILABLE,
        /** Model bytes rejected, interpreter creation or tensor allocation failed. */
        LOAD,
        /** Invoke failed. */
        RUN,
        /** Caller passed wrong input index / byte size. */
        BAD_INPUT
    }

    private final Kind kind;

    public TfliteException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public TfliteException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
