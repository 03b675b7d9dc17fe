package io.pipefarm.coordinator.predictor;

import io.pipefarm.coordinator.error.KindedException;

/** A predictor request that cannot be served; {@link #kind()} says why (callers map it to HTTP/CLI errors). */
public final class PredictorException extends KindedException {

    public enum Kind {
        /** The device kind is not known to the farm (or has no profiles at all). */
        UNKNOWN_KIND,
        /** No predictor has been trained (promoted) for the kind yet. */
        NO_PREDICTOR,
        /** Too few profiles (or architectures) to train; the message says how many of which kind are needed. */
        TOO_LITTLE_DATA,
        /** An artifact's bytes are not a predictor this code can load. */
        CORRUPT_ARTIFACT,
        /** Training or inference failed inside the ML library. */
        FAILED
    }

    private final Kind kind;

    public PredictorException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PredictorException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    @Override
    public Kind kind() {
        return kind;
    }
}
