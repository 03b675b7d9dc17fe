package io.pipefarm.coordinator.store;

import io.pipefarm.coordinator.error.KindedException;

/**
 * The one exception the store throws. {@link #kind()} is a closed set so callers (actors, HTTP
 * routes) can map it without parsing messages; the message says what to do about it.
 */
public final class StoreException extends KindedException {

    public enum Kind {
        /** The named entity (campaign, job, segment, model, agent) does not exist. */
        NOT_FOUND,
        /** The request contradicts the current state (e.g. resuming a cancelled campaign). */
        CONFLICT,
        /** The request itself is invalid (empty list, hash mismatch, unknown segment key, ...). */
        BAD_INPUT,
        /** The database cannot be used (locked, corrupt, newer schema, I/O error). */
        UNAVAILABLE
    }

    private final Kind kind;

    public StoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    @Override
    public Kind kind() {
        return kind;
    }

    public static StoreException notFound(String message) {
        return new StoreException(Kind.NOT_FOUND, message);
    }

    public static StoreException conflict(String message) {
        return new StoreException(Kind.CONFLICT, message);
    }

    public static StoreException badInput(String message) {
        return new StoreException(Kind.BAD_INPUT, message);
    }
}
