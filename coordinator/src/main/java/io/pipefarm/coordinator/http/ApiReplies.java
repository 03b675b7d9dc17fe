package io.pipefarm.coordinator.http;

import io.pipefarm.coordinator.api.ApiError;
import io.pipefarm.coordinator.api.ApiException;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.store.StoreException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's answers: records as JSON through {@link ApiJson}, and the one mapping from what went
 * wrong (store, predictor and API exceptions, anything else) to an {@link ApiError} and its status.
 */
final class ApiReplies {
    private static final Logger LOG = LoggerFactory.getLogger(ApiReplies.class);

    private ApiReplies() {}

    static HttpResponse json(StatusCode code, Object body) {
        return HttpResponse.create()
                .withStatus(code)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.bytes(body)));
    }

    static HttpResponse ok(Object body) {
        return json(StatusCodes.OK, body);
    }

    static HttpResponse error(ApiError.Kind kind, String message) {
        return json(StatusCodes.get(kind.status()), ApiError.of(kind, message));
    }

    static HttpResponse error(Throwable t) {
        ApiError.Detail d = detail(t);
        return error(d.kind(), d.message());
    }

    /** What a failure means for a client. */
    static ApiError.Detail detail(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof ApiException a) return new ApiError.Detail(a.kind(), a.getMessage());
        if (e instanceof StoreException s) return new ApiError.Detail(kind(s.kind()), s.getMessage());
        if (e instanceof PredictorException p)
            return new ApiError.Detail(kind(p.kind()), String.valueOf(p.getMessage()));
        LOG.warn("HTTP request failed unexpectedly", e);
        return new ApiError.Detail(ApiError.Kind.INTERNAL, String.valueOf(e));
    }

    static ApiError.Kind kind(StoreException.Kind k) {
        return switch (k) {
            case BAD_INPUT -> ApiError.Kind.BAD_INPUT;
            case NOT_FOUND -> ApiError.Kind.NOT_FOUND;
            case CONFLICT -> ApiError.Kind.CONFLICT;
            case UNAVAILABLE -> ApiError.Kind.UNAVAILABLE;
        };
    }

    static ApiError.Kind kind(PredictorException.Kind k) {
        return switch (k) {
            case UNKNOWN_KIND -> ApiError.Kind.UNKNOWN_KIND;
            case NO_PREDICTOR -> ApiError.Kind.NO_PREDICTOR;
            case TOO_LITTLE_DATA -> ApiError.Kind.TOO_LITTLE_DATA;
            case CORRUPT_ARTIFACT -> ApiError.Kind.CORRUPT_ARTIFACT;
            case FAILED -> ApiError.Kind.PREDICTOR_FAILED;
        };
    }

    /** Runs {@code work} on {@code blocking} (store and training calls block); any failure becomes its error answer. */
    static CompletionStage<HttpResponse> async(Executor blocking, Supplier<HttpResponse> work) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return work.get();
                    } catch (RuntimeException e) {
                        return error(e);
                    }
                },
                blocking);
    }
}
