package io.pipefarm.coordinator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.coordinator.api.ModelInfo;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.campaign.service.CampaignPlanner;
import io.pipefarm.coordinator.campaign.service.FarmCoordinator;
import io.pipefarm.coordinator.http.FarmHttpApi;
import io.pipefarm.coordinator.partition.service.PartitionService;
import io.pipefarm.coordinator.predictor.service.PredictorService;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.proto.cluster.QueueChanged;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A coordinator node: an ActorSystem with role {@code coordinator} that hosts the
 * {@link FarmCoordinator} singleton (when it is the oldest coordinator), the store and the HTTP API.
 */
public final class CoordinatorNode implements AutoCloseable {

    /** Where to listen, which store to use, and which seed nodes to join (empty: itself). */
    public record Settings(
            String host,
            int clusterPort,
            int httpPort,
            String jdbcUrl,
            List<String> seeds,
            Duration leaseDuration,
            Config overrides) {
        public String blobBaseUrl(int boundHttpPort) {
            return "http://" + host + ":" + boundHttpPort + "/blobs";
        }
    }

    private final ActorSystem<Void> system;
    private final FarmStore store;
    private final ActorRef<ToCoordinator> coordinator;
    private final ServerBinding binding;
    private CampaignPlanner planner;
    private final ExecutorService blocking;
    private PartitionService partitions;
    private PredictorService predictors;

    private CoordinatorNode(
            Settings s,
            CampaignPlanner.ModelResolver models,
            CampaignPlanner.SegmentWriter writer,
            Set<String> builtInKinds,
            Supplier<List<ModelInfo>> modelList) {
        this.store = FarmStore.open(s.jdbcUrl());
        this.system = ActorSystem.create(Behaviors.empty(), "pipefarm", config(s));
        this.blocking = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "pipefarm-http-store");
            t.setDaemon(true);
            return t;
        });
        try {
            // Bind HTTP first: the coordinator hands out blob URLs on the bound port.
            this.planner = new CampaignPlanner(store, models, writer, builtInKinds);
            this.partitions = new PartitionService(
                            store, planner, models, writer, this::queueChanged, 2, Duration.ofMinutes(2))
                    .usePredictors(
                            kind -> predictors.predictor(kind)); // the serving predictor of the kind (PredictorService)
            this.predictors = PredictorService.start(store, system.settings().config(), models::resolve);
            ActorRef<ToCoordinator>[] proxyHolder = newHolder();
            FarmHttpApi api = new FarmHttpApi(
                    store, planner, msg -> proxyHolder[0].tell(msg), blocking, modelList, predictors, partitions);
            this.binding = Http.get(system)
                    .newServerAt(s.host(), s.httpPort())
                    .bind(api.routes(system.settings().config().getString("pipefarm.http.token")))
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            int httpPort = binding.localAddress().getPort();
            Map<Long, ProfileSpec> specs = new ConcurrentHashMap<>();
            FarmCoordinator.Settings fs = new FarmCoordinator.Settings(
                    s.leaseDuration(),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(30),
                    s.blobBaseUrl(httpPort),
                    FarmCoordinator.Settings.INLINE_BLOB_BYTES);
            this.coordinator = ClusterSingleton.get(system)
                    .init(SingletonActor.of(
                                    FarmCoordinator.create(
                                            store,
                                            fs,
                                            id -> specs.computeIfAbsent(
                                                    id,
                                                    k -> CampaignSpecs.specOf(
                                                            store.campaigns().spec(k)))),
                                    "coordinator")
                            .withSettings(
                                    ClusterSingletonSettings.create(system).withRole("coordinator"))
                            .withProps(DispatcherSelector.fromConfig("pipefarm.coordinator-dispatcher")));
            proxyHolder[0] = coordinator;
        } catch (Exception e) {
            close();
            throw new IllegalStateException("coordinator could not start: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static ActorRef<ToCoordinator>[] newHolder() {
        return (ActorRef<ToCoordinator>[]) new ActorRef[1];
    }

    public static CoordinatorNode start(
            Settings s,
            CampaignPlanner.ModelResolver models,
            CampaignPlanner.SegmentWriter writer,
            Set<String> builtInKinds,
            Supplier<List<ModelInfo>> modelList) {
        return new CoordinatorNode(s, models, writer, builtInKinds, modelList);
    }

    static Config config(Settings s) {
        List<String> seeds = s.seeds().isEmpty() ? List.of(s.host() + ":" + s.clusterPort()) : s.seeds();
        String seedList =
                seeds.stream().map(h -> "\"pekko://pipefarm@" + h + "\"").collect(Collectors.joining(","));
        return s.overrides()
                .withFallback(
                        ConfigFactory.parseString("pekko.remote.artery.canonical.hostname = \"" + s.host() + "\"\n"
                                + "pekko.remote.artery.canonical.port = " + s.clusterPort() + "\n"
                                + "pekko.cluster.roles = [coordinator]\n"
                                + "pekko.cluster.seed-nodes = [" + seedList + "]\n"
                                + "pipefarm.coordinator-dispatcher { type = PinnedDispatcher, executor = thread-pool-executor }\n"
                                // Planning a campaign of thousands of segments takes a while; it answers when stored.
                                + "pekko.http.server.request-timeout = 600 s\n"
                                + "pekko.http.server.idle-timeout = 660 s\n"
                                + "pekko.http.server.parsing.max-content-length = 64 m\n"))
                .withFallback(ConfigFactory.parseResources("pipefarm-cluster.conf"))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    public FarmStore store() {
        return store;
    }

    public ActorRef<ToCoordinator> coordinator() {
        return coordinator;
    }

    public CampaignPlanner planner() {
        return planner;
    }

    public PartitionService partitions() {
        return partitions;
    }

    /** Tells the coordinator singleton that jobs were enqueued outside the HTTP API. */
    public void queueChanged(String reason) {
        coordinator.tell(ToCoordinator.newBuilder()
                .setQueueChanged(QueueChanged.newBuilder().setReason(reason))
                .build());
    }

    public int httpPort() {
        return binding.localAddress().getPort();
    }

    public String httpUrl() {
        return "http://" + binding.localAddress().getHostString() + ":" + httpPort();
    }

    @Override
    public void close() {
        // The actor system goes first: until the singleton has stopped it keeps leasing jobs whose
        // blob URLs point at this node's HTTP server, so that server must outlive it (it ends with
        // the system).
        if (system != null) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // shutting down anyway
            }
        }
        if (predictors != null) predictors.close();
        if (partitions != null) partitions.close();
        if (blocking != null) blocking.shutdownNow();
        store.close();
    }
}
