package io.pipefarm.coordinator.error;

/**
 * A coordinator failure of a closed kind. Callers (actors, HTTP routes, the CLI behind them) map the kind, never
 * the message; the message says what to do about it. Each layer keeps its own enum of kinds, so a catch names the
 * layer it handles: {@code StoreException} for the store, {@code PredictorException} for the predictor.
 */
public abstract class KindedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected KindedException(String message) {
        super(message);
    }

    protected KindedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Why it failed: a constant of the subclass's closed enum. */
    public abstract Enum<?> kind();

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + kind() + "]: " + getMessage();
    }
}
