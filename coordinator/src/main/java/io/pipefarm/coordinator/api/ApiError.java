package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The body of every non-2xx JSON answer: {@code {"error": {"kind": "not_found", "message": "no campaign 9"}}}. */
public record ApiError(Detail error) {

    public static ApiError of(Kind kind, String message) {
        return new ApiError(new Detail(kind, message));
    }

    /** What went wrong: a closed kind and a message a user can act on. */
    public record Detail(Kind kind, String message) {}

    /** The closed set of error kinds, each with the HTTP status it is answered with (docs/api.md). */
    public enum Kind {
        /** The request is invalid: bad JSON, a missing or wrong field, a bad query parameter. */
        BAD_INPUT(400),
        /** The coordinator needs a token and the request had none or another one. */
        UNAUTHORIZED(401),
        /** The named campaign, partition, predictor, model or segment does not exist. */
        NOT_FOUND(404),
        /** No route has this path. */
        UNKNOWN_ROUTE(404),
        /** The path exists but not with this HTTP method. */
        METHOD_NOT_ALLOWED(405),
        /** The request contradicts the current state (resuming a cancelled campaign, fetching a running partition). */
        CONFLICT(409),
        /** The device kind is unknown to the farm (no devices, no profiles). */
        UNKNOWN_KIND(404),
        /** No predictor has been trained for the device kind yet. */
        NO_PREDICTOR(404),
        /** Too few profiles to train a predictor; the message says how many are needed. */
        TOO_LITTLE_DATA(409),
        /** A stored predictor artifact does not load. */
        CORRUPT_ARTIFACT(422),
        /** Training or inference failed inside the ML library. */
        PREDICTOR_FAILED(500),
        /** A bug or an unexpected failure in the coordinator. */
        INTERNAL(500),
        /** The coordinator cannot serve this now (database unusable, a service not running). */
        UNAVAILABLE(503);

        private final int status;

        Kind(int status) {
            this.status = status;
        }

        /** The HTTP status of an answer with this error. */
        public int status() {
            return status;
        }

        /** The JSON name, e.g. {@code not_found}. */
        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses a JSON name; an unknown one (from a newer coordinator) is {@link #INTERNAL}. */
        @JsonCreator
        public static Kind parse(String id) {
            try {
                return valueOf(id.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                return INTERNAL;
            }
        }
    }
}
