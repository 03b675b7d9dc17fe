package io.pipefarm.coordinator.http;

import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.TrainPredictorRequest;
import io.pipefarm.coordinator.api.TrainingJob;
import io.pipefarm.coordinator.predictor.service.PredictorService;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.coordinator.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.ContentDisposition;
import org.apache.pekko.http.javadsl.model.headers.ContentDispositionTypes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Predictor endpoints under {@code /api/predictors} (mounted inside {@link FarmHttpApi}'s
 * {@code /api} prefix; docs/api.md has the records and errors).
 *
 * <pre>
 * POST /api/predictors/train {"kind": K, "wait_seconds": S}
 *        queues a training on the service thread; unknown kind (404 unknown_kind) and too little
 *        data (409 too_little_data) are answered at once. With S > 0 (default 0, at most 600) the
 *        answer waits up to S seconds: 200 with the finished {@link TrainingJob}, else 202 with the job to poll.
 * GET  /api/predictors/jobs/{job}        the job (404 when unknown or forgotten)
 * GET  /api/predictors[?kind=K]          stored versions, newest first (metadata, no bytes)
 * GET  /api/predictors/eval?kind=K       {@link PredictorService#evaluate} of the serving version of K
 * GET  /api/predictors/{id}              one version's metadata
 * GET  /api/predictors/{id}/artifact     the artifact zip (application/zip; docs/predictor-artifact.md)
 * GET|POST /api/predictors/{id}/eval     metrics of that version on the current data
 * GET  /api/predictors/{id}/plot.svg     predicted-vs-measured scatter plot (image/svg+xml)
 * </pre>
 */
public final class PredictorRoutes extends AllDirectives {
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
        return pathPrefix(
                "predictors",
                () -> concat(
                        pathEnd(() -> get(() -> parameterOptional("kind", kind -> async(() -> list(kind))))),
                        path(
                                "train",
                                () -> post(
                                        () -> entity(Unmarshaller.entityToString(), body -> async(() -> train(body))))),
                        path(
                                PathMatchers.segment("jobs").slash(PathMatchers.longSegment()),
                                id -> get(() -> async(() -> job(id)))),
                        path("eval", () -> get(() -> parameterOptional("kind", kind -> async(() -> evalKind(kind))))),
                        pathPrefix(
                                PathMatchers.longSegment(),
                                id -> concat(
                                        pathEnd(() -> get(
                                                () -> async(() -> ApiReplies.ok(ApiRecords.predictor(version(id)))))),
                                        path("artifact", () -> get(() -> async(() -> artifact(id)))),
                                        path(
                                                "eval",
                                                () -> concat(
                                                        get(() -> async(() -> eval(id))),
                                                        post(() -> async(() -> eval(id))))),
                                        path("plot.svg", () -> get(() -> async(() -> plot(id))))))));
    }

    private HttpResponse list(Optional<String> kind) {
        return ApiReplies.ok(
                service().store().list(kind.filter(k -> !k.isBlank()).orElse(null)).stream()
                        .map(ApiRecords::predictor)
                        .toList());
    }

    private HttpResponse train(String body) {
        TrainPredictorRequest req =
                ApiJson.request(body, TrainPredictorRequest.class, "{\"kind\": \"sim-edgetpu-usb\"}");
        if (req.kind() == null || req.kind().isBlank())
            throw StoreException.badInput("say which device kind to train: {\"kind\": \"sim-edgetpu-usb\"}");
        int wait = req.waitSeconds() == null ? 0 : req.waitSeconds();
        if (wait < 0 || wait > 600) throw StoreException.badInput("wait_seconds must be 0..600, got " + wait);
        PredictorService s = service();
        PredictorService.Job job = s.submit(req.kind());
        long deadline = System.nanoTime() + wait * 1_000_000_000L;
        while (wait > 0 && System.nanoTime() < deadline) {
            TrainingJob now = ApiRecords.job(s.job(job.id()).orElse(job));
            if (now.finished()) return ApiReplies.ok(now);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return ApiReplies.json(
                StatusCodes.ACCEPTED, ApiRecords.job(s.job(job.id()).orElse(job)));
    }

    private HttpResponse job(long id) {
        return service()
                .job(id)
                .map(j -> ApiReplies.ok(ApiRecords.job(j)))
                .orElseThrow(() -> StoreException.notFound(
                        "no training job " + id + " (jobs are kept in memory; the coordinator may have restarted)"));
    }

    private HttpResponse evalKind(Optional<String> kind) {
        String k = kind.filter(x -> !x.isBlank())
                .orElseThrow(() -> StoreException.badInput("say which kind: /api/predictors/eval?kind=K"));
        return ApiReplies.ok(ApiRecords.evaluation(service().evaluateServing(k)));
    }

    private HttpResponse eval(long id) {
        version(id);
        return ApiReplies.ok(ApiRecords.evaluation(service().evaluate(id)));
    }

    private HttpResponse artifact(long id) {
        PredictorStore.Version v = version(id);
        byte[] bytes = service().store().artifact(id).orElseThrow(() -> StoreException.notFound("no predictor " + id));
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .addHeader(ContentDisposition.create(
                        ContentDispositionTypes.ATTACHMENT,
                        Map.of("filename", "predictor-" + v.kind() + "-v" + v.version() + ".zip")))
                .withEntity(HttpEntities.create(ContentTypes.create(MediaTypes.APPLICATION_ZIP), bytes));
    }

    private HttpResponse plot(long id) {
        version(id);
        String svg = service().plotSvg(id);
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(
                        ContentTypes.create(MediaTypes.IMAGE_SVG_XML), svg.getBytes(StandardCharsets.UTF_8)));
    }

    private PredictorStore.Version version(long id) {
        return service().store().get(id).orElseThrow(() -> StoreException.notFound("no predictor with id " + id));
    }

    private Route async(Supplier<HttpResponse> work) {
        return completeWithFuture(ApiReplies.async(blocking, work));
    }
}
