package io.pipefarm.coordinator.api;

/** A request the API refuses, with the kind of error to answer (mapped to a status by {@link ApiError.Kind#status()}). */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ApiError.Kind kind;

    public ApiException(ApiError.Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ApiError.Kind kind() {
        return kind;
    }
}
