package io.pipefarm.model.tflite;

import java.io.IOException;

/**
 * A {@code .tflite} file (or byte array) that cannot be turned into a {@link io.pipefarm.model.graph.Graph}.
 *
 * <p>This is a checked exception (it extends {@link IOException}): models come from users and from the
 * network, so a malformed one is an expected input failure the caller must handle, just like a missing
 * file. The message names the source (the file path when read from a {@link java.nio.file.Path}) and the
 * problem; {@link #kind()} classifies it for callers that react differently (e.g. HTTP 400 vs 415).
 */
public final class TfliteFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** Zero bytes. */
        EMPTY,
        /** Too short, or something points past the end of the data (a cut-off download looks like this). */
        TRUNCATED,
        /** The flatbuffer file identifier is not {@code TFL3}. */
        NOT_TFLITE,
        /** Internally inconsistent: indices out of range, bad offsets, data sizes not matching shapes. */
        CORRUPTED,
        /** A valid TFLite file using something the IR cannot represent (e.g. a tensor type, several subgraphs). */
        UNSUPPORTED
    }

    private final Kind kind;
    private final String source;
    private final String problem;

    public TfliteFormatException(Kind kind, String source, String problem) {
        super((source == null ? "TFLite data" : source) + ": " + prefix(kind) + problem);
        this.kind = kind;
        this.source = source;
        this.problem = problem;
    }

    public TfliteFormatException(Kind kind, String source, String problem, Throwable cause) {
        this(kind, source, problem);
        initCause(cause);
    }

    private static String prefix(Kind kind) {
        return switch (kind) {
            case EMPTY -> "";
            case TRUNCATED -> "truncated or corrupted: ";
            case NOT_TFLITE -> "not a TFLite file: ";
            case CORRUPTED -> "corrupted: ";
            case UNSUPPORTED -> "unsupported: ";
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The file the data came from, or null when read from memory. */
    public String source() {
        return source;
    }

    /** The problem without the source prefix. */
    public String problem() {
        return problem;
    }
}
