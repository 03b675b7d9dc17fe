package io.pipefarm.coordinator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.predictor.service.PredictorService;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.coordinator.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ContentDisposition;
import org.apache.pekko.http.javadsl.model.headers.ContentDispositionTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Predictor endpoints under {@code /api/predictors} (mounted inside {@link FarmHttpApi}'s
 * {@code /api} prefix). They use the {@link PredictorService} started for the store
 * ({@link PredictorService#of}); without one they answer 503.
 *
 * <pre>
 * POST /api/predictors/train {"kind": K, "waitSeconds": S}
 *        queues a training on the service thread; unknown kind (404 UNKNOWN_KIND) and too little
 *        data (409 TOO_LITTLE_DATA) are answered at once. With S > 0 (default 0, at most 600) the
 *        answer waits up to S seconds: 200 with the finished job, else 202 with the job to poll.
 *        Job JSON: {"job", "kind", "state": queued|running|done|failed, "createdMs", "finishedMs",
 *        "result": {"id", "kind", "version", "family", "promoted", "reason", "metrics",
 *        "servingMetrics", "previousServingId"}, "error", "message"}
 * GET  /api/predictors/jobs/{job}        the job (404 when unknown or forgotten)
 * GET  /api/predictors[?kind=K]          stored versions, newest first (metadata, no bytes)
 * GET  /api/predictors/eval?kind=K       {@link PredictorService#evaluate} of the serving version of K
 * GET  /api/predictors/{id}              one version's metadata
 * GET  /api/predictors/{id}/artifact     the artifact zip (application/zip; docs/predictor-artifact.md)
 * GET|POST /api/predictors/{id}/eval     metrics of that version on the current data
 * GET  /api/predictors/{id}/plot.svg     predicted-vs-measured scatter plot (image/svg+xml)
 * </pre>
 * Errors: {@code {"error": KIND, "message": ...}}: UNKNOWN_KIND and NO_PREDICTOR 404,
 * TOO_LITTLE_DATA 409, CORRUPT_ARTIFACT 422, BAD_INPUT 400, FAILED 500, store errors as elsewhere.
 */
public final class PredictorRoutes extends AllDirectives {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PredictorService service;
    private final Executor blocking;

    public PredictorRoutes(PredictorService service, Executor blocking) {
        this.service = service;
        this.blocking = blocking;
    }

    private PredictorService service() {
        return service;
    }

    public Route routes() {
        return pathPrefix("predictors", () -> concat(
                pathEnd(() -> get(() -> parameterOptional("kind", kind -> async(() -> list(kind))))),
                path("train", () -> post(() -> entity(Unmarshaller.entityToString(), body -> async(() -> train(body))))),
                path(PathMatchers.segment("jobs").slash(PathMatchers.longSegment()), id -> get(() -> async(() -> job(id)))),
                path("eval", () -> get(() -> parameterOptional("kind", kind -> async(() -> evalKind(kind))))),
                pathPrefix(PathMatchers.longSegment(), id -> concat(
                        pathEnd(() -> get(() -> async(() -> FarmHttpApi.json(StatusCodes.OK, versionJson(version(id)))))),
                        path("artifact", () -> get(() -> async(() -> artifact(id)))),
                        path("eval", () -> concat(get(() -> async(() -> eval(id))), post(() -> async(() -> eval(id))))),
                        path("plot.svg", () -> get(() -> async(() -> plot(id))))))));
    }

    private HttpResponse list(Optional<String> kind) {
        List<Map<String, Object>> out = service().store().list(kind.filter(k -> !k.isBlank()).orElse(null)).stream()
                .map(PredictorRoutes::versionJson).toList();
        return FarmHttpApi.json(StatusCodes.OK, out);
    }

    private HttpResponse train(String body) {
        JsonNode req;
        try {
            req = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw StoreException.badInput("the body must be JSON like {\"kind\": \"sim-edgetpu-usb\"}: " + e.getMessage());
        }
        String kind = req.path("kind").asText("");
        if (kind.isBlank()) throw StoreException.badInput("say which device kind to train: {\"kind\": \"sim-edgetpu-usb\"}");
        int wait = req.path("waitSeconds").asInt(0);
        if (wait < 0 || wait > 600) throw StoreException.badInput("waitSeconds must be 0..600, got " + wait);
        PredictorService s = service();
        PredictorService.Job job = s.submit(kind);
        long deadline = System.nanoTime() + wait * 1_000_000_000L;
        while (wait > 0 && System.nanoTime() < deadline) {
            PredictorService.Job now = s.job(job.id()).orElse(job);
            if (now.state().finished()) return FarmHttpApi.json(StatusCodes.OK, now.toMap());
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return FarmHttpApi.json(StatusCodes.ACCEPTED, s.job(job.id()).orElse(job).toMap());
    }

    private HttpResponse job(long id) {
        return service().job(id).map(j -> FarmHttpApi.json(StatusCodes.OK, j.toMap()))
                .orElseThrow(() -> StoreException.notFound("no training job " + id + " (jobs are kept in memory; the coordinator may have restarted)"));
    }

    private HttpResponse evalKind(Optional<String> kind) {
        String k = kind.filter(x -> !x.isBlank()).orElseThrow(() -> StoreException.badInput("say which kind: /api/predictors/eval?kind=K"));
        return FarmHttpApi.json(StatusCodes.OK, service().evaluateServing(k));
    }

    private HttpResponse eval(long id) {
        version(id);
        return FarmHttpApi.json(StatusCodes.OK, service().evaluate(id));
    }

    private HttpResponse artifact(long id) {
        PredictorStore.Version v = version(id);
        byte[] bytes = service().store().artifact(id).orElseThrow(() -> StoreException.notFound("no predictor " + id));
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .addHeader(ContentDisposition.create(ContentDispositionTypes.ATTACHMENT,
                        Map.of("filename", "predictor-" + v.kind() + "-v" + v.version() + ".zip")))
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.APPLICATION_ZIP), bytes));
    }

    private HttpResponse plot(long id) {
        version(id);
        String svg = service().plotSvg(id);
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.IMAGE_SVG_XML), svg.getBytes(StandardCharsets.UTF_8)));
    }

    private PredictorStore.Version version(long id) {
        return service().store().get(id).orElseThrow(() -> StoreException.notFound("no predictor with id " + id));
    }

    /** A version's metadata as the API shows it. */
    public static Map<String, Object> versionJson(PredictorStore.Version v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", v.id());
        m.put("kind", v.kind());
        m.put("version", v.version());
        m.put("family", v.family());
        m.put("serving", v.serving());
        m.put("createdMs", v.createdMs());
        m.put("promotedMs", v.promotedMs());
        m.put("metrics", v.metrics());
        m.put("data", v.data());
        m.put("heldOut", v.heldOut());
        m.put("profilesMaxId", v.profilesMaxId());
        m.put("artifactBytes", v.artifactSize());
        return m;
    }

    static HttpResponse error(PredictorException e) {
        StatusCode code = switch (e.kind()) {
            case UNKNOWN_KIND, NO_PREDICTOR -> StatusCodes.NOT_FOUND;
            case TOO_LITTLE_DATA -> StatusCodes.CONFLICT;
            case CORRUPT_ARTIFACT -> StatusCodes.UNPROCESSABLE_ENTITY;
            case FAILED -> StatusCodes.INTERNAL_SERVER_ERROR;
        };
        return FarmHttpApi.json(code, Map.of("error", e.kind().name(), "message", String.valueOf(e.getMessage())));
    }

    private Route async(Supplier<HttpResponse> work) {
        return completeWithFuture(CompletableFuture.supplyAsync(() -> {
            try {
                return work.get();
            } catch (PredictorException e) {
                return error(e);
            } catch (StoreException e) {
                return FarmHttpApi.error(e);
            } catch (RuntimeException e) {
                return FarmHttpApi.json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", "INTERNAL", "message", String.valueOf(e)));
            }
        }, blocking));
    }
}
