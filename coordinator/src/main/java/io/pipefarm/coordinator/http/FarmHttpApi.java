package io.pipefarm.coordinator.http;

import io.pipefarm.coordinator.api.ApiError;
import io.pipefarm.coordinator.api.ApiException;
import io.pipefarm.coordinator.api.CampaignStatus;
import io.pipefarm.coordinator.api.Health;
import io.pipefarm.coordinator.api.JobRecord;
import io.pipefarm.coordinator.api.ModelInfo;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.campaign.service.CampaignPlanner;
import io.pipefarm.coordinator.partition.service.PartitionService;
import io.pipefarm.coordinator.predictor.service.PredictorService;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.cluster.QueueChanged;
import io.pipefarm.proto.cluster.ToCoordinator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The coordinator's HTTP API (docs/api.md) and the segment blob endpoint. Routes are thin: they
 * read request records, call the store or the planner off the dispatcher threads, tell the
 * coordinator singleton when the queue changed, and answer records through {@link ApiReplies}.
 * Every failure, rejected routes included, answers {@code {"error": {"kind", "message"}}}.
 */
public final class FarmHttpApi extends AllDirectives {
    private static final Duration RATE_WINDOW = Duration.ofSeconds(30);

    private final FarmStore store;
    private final CampaignPlanner planner;
    private final Consumer<ToCoordinator> coordinator;
    private final Executor blocking;
    private final Supplier<List<ModelInfo>> models;
    private final PredictorService predictors;
    private final PartitionService partitions;

    public FarmHttpApi(
            FarmStore store,
            CampaignPlanner planner,
            Consumer<ToCoordinator> coordinator,
            Executor blocking,
            Supplier<List<ModelInfo>> models,
            PredictorService predictors,
            PartitionService partitions) {
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
        Route open =
                path(PathMatchers.segment("api").slash("health"), () -> get(() -> complete(ApiReplies.ok(Health.OK))));
        Route guarded = token == null || token.isEmpty()
                ? api()
                : optionalHeaderValueByName(
                        "Authorization",
                        h -> h.isPresent() && h.get().equals("Bearer " + token)
                                ? api()
                                : complete(
                                        ApiReplies.error(
                                                ApiError.Kind.UNAUTHORIZED,
                                                h.isPresent()
                                                        ? "wrong token: set PIPEFARM_TOKEN to this coordinator's token (sent as 'Authorization: Bearer <token>')"
                                                        : "this coordinator needs a token: set PIPEFARM_TOKEN (sent as 'Authorization: Bearer <token>')")));
        return handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(open, guarded)));
    }

    /** The routes without a token. */
    public Route routes() {
        return routes(null);
    }

    private Route api() {
        return concat(
                path(
                        PathMatchers.segment("blobs").slash(PathMatchers.segment()),
                        key -> get(() -> async(() -> blob(key)))),
                pathPrefix(
                        "api",
                        () -> concat(
                                path("models", () -> get(() -> complete(ApiReplies.ok(models.get())))),
                                path(
                                        "agents",
                                        () -> get(() -> async(() -> ApiReplies.ok(store.agents().list().stream()
                                                .map(ApiRecords::agent)
                                                .toList())))),
                                new PredictorRoutes(predictors, blocking).routes(),
                                PartitionRoutes.route(partitions, blocking),
                                path(
                                        "profiles",
                                        () -> get(() -> parameterOptional(
                                                "model",
                                                model -> parameterOptional(
                                                        "kind",
                                                        kind -> parameterOptional(
                                                                "segment",
                                                                segment -> parameterOptional(
                                                                        "limit",
                                                                        limit -> async(() -> profiles(
                                                                                model, kind, segment, limit)))))))),
                                pathPrefix(
                                        "campaigns",
                                        () -> concat(
                                                pathEnd(() -> concat(
                                                        get(() -> async(() -> ApiReplies.ok(campaigns()))),
                                                        post(() -> entity(
                                                                Unmarshaller.entityToString(),
                                                                body -> async(() -> createCampaign(body)))))),
                                                pathPrefix(
                                                        PathMatchers.longSegment(),
                                                        id -> concat(
                                                                pathEnd(() -> get(
                                                                        () -> async(() -> ApiReplies.ok(status(id))))),
                                                                path(
                                                                        "jobs",
                                                                        () -> get(() -> parameterOptional(
                                                                                "state",
                                                                                state -> async(() -> ApiReplies.ok(jobs(
                                                                                        id, state.orElse(null))))))),
                                                                path(
                                                                        "pause",
                                                                        () -> post(() ->
                                                                                async(() -> change(id, "pause")))),
                                                                path(
                                                                        "resume",
                                                                        () -> post(() ->
                                                                                async(() -> change(id, "resume")))),
                                                                path(
                                                                        "cancel",
                                                                        () -> post(() -> async(
                                                                                () -> change(id, "cancel")))))))))));
    }

    /** Rejected requests as API errors: a path no route has, a method the path does not take, anything else as bad input. */
    private RejectionHandler rejections() {
        return RejectionHandler.newBuilder()
                .handleAll(
                        MethodRejection.class,
                        rs -> extractMethod(m -> extractUri(u -> complete(ApiReplies.error(
                                ApiError.Kind.METHOD_NOT_ALLOWED,
                                m.name() + " " + u.path() + " is not allowed; use "
                                        + rs.stream()
                                                .map(r -> r.supported().name())
                                                .distinct()
                                                .collect(Collectors.joining(" or ")))))))
                .handle(
                        Rejection.class,
                        r -> complete(ApiReplies.error(ApiError.Kind.BAD_INPUT, "request rejected: " + r)))
                .handleNotFound(extractMethod(m -> extractUri(u -> complete(ApiReplies.error(
                        ApiError.Kind.UNKNOWN_ROUTE,
                        "no route " + m.name() + " " + u.path() + " (the routes are listed in docs/api.md)")))))
                .build();
    }

    private ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder()
                .match(RuntimeException.class, e -> complete(ApiReplies.error(e)))
                .build();
    }

    private Route async(Supplier<HttpResponse> work) {
        return completeWithFuture(ApiReplies.async(blocking, work));
    }

    private HttpResponse blob(String key) {
        SegmentStore.checkKey(key);
        Optional<byte[]> b = store.segments().blob(key);
        if (b.isEmpty()) throw StoreException.notFound("no segment blob with key " + key);
        return HttpResponse.create()
                .withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, b.get()));
    }

    private HttpResponse createCampaign(String body) {
        CampaignStore.Created created = planner.plan(CampaignSpecs.parse(body));
        coordinator.accept(ToCoordinator.newBuilder()
                .setQueueChanged(QueueChanged.newBuilder().setReason("campaign created"))
                .build());
        CampaignStore.Status status =
                store.campaigns().status(created.campaignId(), System.currentTimeMillis(), RATE_WINDOW);
        return ApiReplies.json(StatusCodes.CREATED, ApiRecords.created(created, status));
    }

    private HttpResponse change(long id, String what) {
        long now = System.currentTimeMillis();
        switch (what) {
            case "pause" -> store.campaigns().pause(id, now);
            case "resume" -> store.campaigns().resume(id, now);
            default -> store.campaigns().cancel(id, now);
        }
        coordinator.accept(ToCoordinator.newBuilder()
                .setQueueChanged(QueueChanged.newBuilder().setReason("campaign " + what))
                .build());
        return ApiReplies.ok(status(id));
    }

    private List<CampaignStatus> campaigns() {
        long now = System.currentTimeMillis();
        return store.campaigns().list().stream()
                .map(c -> ApiRecords.campaign(store.campaigns().status(c.id(), now, RATE_WINDOW)))
                .toList();
    }

    /** The jobs of campaign {@code id}, in id order; only those in {@code state} when one is given. */
    private List<JobRecord> jobs(long id, String state) {
        JobState wanted = null;
        if (state != null) {
            try {
                wanted = JobState.fromDb(state);
            } catch (IllegalArgumentException e) {
                throw new ApiException(
                        ApiError.Kind.BAD_INPUT,
                        "unknown job state '" + state + "'; use one of queued, leased, done, failed, cancelled");
            }
        }
        store.campaigns().get(id); // not_found for an unknown campaign
        List<JobRecord> out = new ArrayList<>();
        for (JobQueue.JobInfo j : store.jobs().jobsOf(id)) {
            if (wanted == null || j.state() == wanted) out.add(ApiRecords.job(j));
        }
        return out;
    }

    private CampaignStatus status(long id) {
        return ApiRecords.campaign(store.campaigns().status(id, System.currentTimeMillis(), RATE_WINDOW));
    }

    private HttpResponse profiles(
            Optional<String> model, Optional<String> kind, Optional<String> segment, Optional<String> limit) {
        ProfileStore.Query q = ProfileStore.Query.all();
        if (model.isPresent()) {
            long id = store.models()
                    .byName(model.get())
                    .map(m -> m.id())
                    .orElseThrow(() -> StoreException.notFound("unknown model '" + model.get() + "'"));
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
        return ApiReplies.ok(
                store.profiles().list(q).stream().map(ApiRecords::profile).toList());
    }
}
