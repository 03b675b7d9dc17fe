package io.pipefarm.agent.edgetpu;

/** {@code edgetpu_compiler} is missing, failed, or ran out of time; the message says which and why. */
public final class EdgeTpuCompilerException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        MISSING,
        FAILED,
        TIMEOUT
    }

    private final Kind kind;

    public EdgeTpuCompilerException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public EdgeTpuCompilerException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
