package io.pipefarm.coordinator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pipefarm.coordinator.campaign.service.CampaignPlanner;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.cluster.QueueChanged;
import io.pipefarm.proto.cluster.ToCoordinator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The coordinator's HTTP JSON API (DESIGN.md §9) and the segment blob endpoint. Routes are thin:
 * they parse, call the store or the planner off the dispatcher threads, and tell the coordinator
 * singleton when the queue changed.
 */
public final class FarmHttpApi extends AllDirectives {
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** A model the farm knows by name, for {@code GET /api/models}. */
    public record ModelEntry(String name, String description) {}

    private final FarmStore store;
    private final CampaignPlanner planner;
    private final Consumer<ToCoordinator> coordinator;
    private final Executor blocking;
    private final Supplier<List<ModelEntry>> models;

    private final io.pipefarm.coordinator.predictor.service.PredictorService predictors;
    private final io.pipefarm.coordinator.partition.service.PartitionService partitions;

    public FarmHttpApi(FarmStore store, CampaignPlanner planner, Consumer<ToCoordinator> coordinator, Executor blocking,
                       Supplier<List<ModelEntry>> models, io.pipefarm.coordinator.predictor.service.PredictorService predictors,
                       io.pipefarm.coordinator.partition.service.PartitionService partitions) {
        this.store = store;
        this.planner = planner;
        this.coordinator = coordinator;
        this.blocking = blocking;
        this.models = models;
        this.predictors = predictors;
        this.partitions = partitions;
    }

    /** The routes; with a non-empty token every route but {@code /api/health} needs {@code Authorization: Bearer <token>}. */
    public Route routes(String token) {
        Route open = path(PathMatchers.segment("api").slash("health"), () -> get(() -> complete(json(StatusCodes.OK, Map.of("status", "ok")))));
        if (token == null || token.isEmpty()) return concat(open, routes());
        String expected = "Bearer " + token;
        return concat(open, optionalHeaderValueByName("Authorization", h -> h.isPresent() && h.get().equals(expected)
                ? routes()
                : complete(json(StatusCodes.UNAUTHORIZED, Map.of("error", "UNAUTHORIZED",
                        "message", "this coordinator needs a token: set PIPEFARM_TOKEN (sent as 'Authorization: Bearer <token>')")))));
    }

    public Route routes() {
        return handleExceptions(errors(), () -> handleRejections(RejectionHandler.defaultHandler(), () -> concat(
                path(PathMatchers.segment("blobs").slash(PathMatchers.segment()), key -> get(() -> blob(key))),
                pathPrefix("api", () -> concat(
                        path("health", () -> get(() -> complete(json(StatusCodes.OK, Map.of("status", "ok"))))),
                        path("models", () -> get(() -> complete(json(StatusCodes.OK, models.get())))),
                        path("agents", () -> get(() -> async(() -> json(StatusCodes.OK, store.agents().list()))))
                        , new PredictorRoutes(predictors, blocking).routes()
                        , PartitionRoutes.route(partitions, blocking)
                        , path("profiles", () -> get(() -> parameterOptional("model", model ->
                                parameterOptional("kind", kind -> parameterOptional("segment", segment ->
                                        parameterOptional("limit", limit -> async(() -> profiles(model, kind, segment, limit)))))))),
                        pathPrefix("campaigns", () -> concat(
                                pathEnd(() -> concat(
                                        get(() -> async(() -> json(StatusCodes.OK, campaigns()))),
                                        post(() -> entity(org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(),
                                                body -> async(() -> createCampaign(body)))))),
                                pathPrefix(PathMatchers.longSegment(), id -> concat(
                                        pathEnd(() -> get(() -> async(() -> json(StatusCodes.OK, status(id))))),
                                        path("pause", () -> post(() -> async(() -> change(id, "pause")))),
                                        path("resume", () -> post(() -> async(() -> change(id, "resume")))),
                                        path("cancel", () -> post(() -> async(() -> change(id, "cancel"))))))))))
        )));
    }

    private Route blob(String key) {
        return async(() -> {
            try {
                io.pipefarm.coordinator.store.SegmentStore.checkKey(key);
            } catch (StoreException e) {
                throw e;
            }
            Optional<byte[]> b = store.segments().blob(key);
            if (b.isEmpty()) throw new StoreException(StoreException.Kind.NOT_FOUND, "no segment blob with key " + key);
            return HttpResponse.create().withStatus(StatusCodes.OK)
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, b.get()));
        });
    }

    private HttpResponse createCampaign(String body) {
        var req = CampaignSpecs.parse(body);
        CampaignStore.Created created = planner.plan(req);
        coordinator.accept(ToCoordinator.newBuilder().setQueueChanged(QueueChanged.newBuilder().setReason("campaign created")).build());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("created", created);
        out.put("status", statusJson(store.campaigns().status(created.campaignId(), System.currentTimeMillis(), java.time.Duration.ofSeconds(30))));
        return json(StatusCodes.CREATED, out);
    }

    private HttpResponse change(long id, String what) {
        long now = System.currentTimeMillis();
        switch (what) {
            case "pause" -> store.campaigns().pause(id, now);
            case "resume" -> store.campaigns().resume(id, now);
            default -> store.campaigns().cancel(id, now);
        }
        coordinator.accept(ToCoordinator.newBuilder().setQueueChanged(QueueChanged.newBuilder().setReason("campaign " + what)).build());
        return json(StatusCodes.OK, status(id));
    }

    private List<Map<String, Object>> campaigns() {
        long now = System.currentTimeMillis();
        return store.campaigns().list().stream()
                .map(c -> statusJson(store.campaigns().status(c.id(), now, java.time.Duration.ofSeconds(30)))).toList();
    }

    private Map<String, Object> status(long id) {
        return statusJson(store.campaigns().status(id, System.currentTimeMillis(), java.time.Duration.ofSeconds(30)));
    }

    /** Campaign status in the JSON shape the CLI reads. */
    public static Map<String, Object> statusJson(CampaignStore.Status s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", s.campaign().id());
        o.put("name", s.campaign().name());
        o.put("state", s.campaign().state().db());
        o.put("total", s.total());
        Map<String, Long> counts = new LinkedHashMap<>();
        s.counts().forEach((k, v) -> counts.put(k.db(), v));
        o.put("counts", counts);
        o.put("doneRatePerSec", s.doneRatePerSec());
        o.put("etaSeconds", s.etaSeconds());
        o.put("skippedProfiled", s.campaign().skippedProfiled());
        o.put("createdMs", s.campaign().createdMs());
        o.put("finishedMs", s.campaign().finishedMs());
        return o;
    }

    private HttpResponse profiles(Optional<String> model, Optional<String> kind, Optional<String> segment, Optional<String> limit) {
        ProfileStore.Query q = ProfileStore.Query.all();
        if (model.isPresent()) {
            long id = store.models().byName(model.get()).map(m -> m.id())
                    .orElseThrow(() -> new StoreException(StoreException.Kind.NOT_FOUND, "unknown model '" + model.get() + "'"));
            q = q.model(id);
        }
        if (kind.isPresent()) q = q.kind(kind.get());
        if (segment.isPresent()) q = q.segment(segment.get());
        if (limit.isPresent()) {
            try {
                q = q.limit(Integer.parseInt(limit.get()));
            } catch (NumberFormatException e) {
                throw StoreException.badInput("limit must be an integer, got '" + limit.get() + "'");
            }
        }
        return json(StatusCodes.OK, store.profiles().list(q));
    }

    private Route async(Supplier<HttpResponse> work) {
        CompletionStage<HttpResponse> f = CompletableFuture.supplyAsync(() -> {
            try {
                return work.get();
            } catch (StoreException e) {
                return error(e);
            } catch (RuntimeException e) {
                return json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", "INTERNAL", "message", String.valueOf(e)));
            }
        }, blocking);
        return completeWithFuture(f);
    }

    static HttpResponse error(StoreException e) {
        StatusCode code = switch (e.kind()) {
            case BAD_INPUT -> StatusCodes.BAD_REQUEST;
            case NOT_FOUND -> StatusCodes.NOT_FOUND;
            case CONFLICT -> StatusCodes.CONFLICT;
            default -> StatusCodes.SERVICE_UNAVAILABLE;
        };
        return json(code, Map.of("error", e.kind().name(), "message", e.getMessage()));
    }

    private ExceptionHandler errors() {
        return ExceptionHandler.newBuilder()
                .match(StoreException.class, e -> complete(error(e)))
                .build();
    }

    static HttpResponse json(StatusCode code, Object body) {
        try {
            return HttpResponse.create().withStatus(code)
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body)));
        } catch (Exception e) {
            return HttpResponse.create().withStatus(StatusCodes.INTERNAL_SERVER_ERROR)
                    .withEntity(ContentTypes.APPLICATION_JSON, "{\"error\":\"INTERNAL\",\"message\":\"cannot encode response\"}");
        }
    }
}
