package io.pipefarm.coordinator.partition.service;

import com.google.protobuf.InvalidProtocolBufferException;
import io.pipefarm.coordinator.campaign.CampaignSpecs;
import io.pipefarm.coordinator.campaign.service.CampaignPlanner;
import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.PredictedCosts;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorException;
import io.pipefarm.coordinator.store.AgentStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.PartitionState;
import io.pipefarm.coordinator.store.PartitionStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.coordinator.store.SegmentStore;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.proto.partition.PartitionDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition searches through the coordinator (DESIGN.md §4 step 6, §8): a request is validated at once
 * (BAD_INPUT for anything wrong), stored as {@code running}, and run on a small executor of its own
 * (never on HTTP or actor threads). Measured costs come from the farm ({@link FarmCostSource}: stored
 * profiles, else campaigns on the devices of the kind); predicted costs from the serving predictor of the
 * kind ({@link #usePredictors}). The result, its protobuf descriptor and the stage segment blobs (by key)
 * are stored; a failure is stored with its reason.
 */
public final class PartitionService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PartitionService.class);
    /** Per-store registry, so that the HTTP API finds the service of its coordinator. */
    private final FarmStore store;

    private final PartitionStore partitions;
    private final PredictorStore predictorVersions;
    private final CampaignPlanner planner;
    private final CampaignPlanner.ModelResolver models;
    private final CampaignPlanner.SegmentWriter writer;
    private final Consumer<String> queueChanged;
    private final ExecutorService executor;
    private final Duration segmentTimeout;
    private volatile Function<String, LatencyPredictor> predictors = kind -> null;

    /**
     * @param queueChanged tells the coordinator singleton that jobs were enqueued
     * @param threads      searches run at once (the rest wait in the executor's queue)
     */
    public PartitionService(
            FarmStore store,
            CampaignPlanner planner,
            CampaignPlanner.ModelResolver models,
            CampaignPlanner.SegmentWriter writer,
            Consumer<String> queueChanged,
            int threads,
            Duration segmentTimeout) {
        this.store = Objects.requireNonNull(store, "store");
        this.partitions = store.partitions();
        this.predictorVersions = store.predictors();
        this.planner = Objects.requireNonNull(planner, "planner");
        this.models = Objects.requireNonNull(models, "models");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.queueChanged = Objects.requireNonNull(queueChanged, "queueChanged");
        this.segmentTimeout = segmentTimeout;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "pipefarm-partition-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        int stale = partitions.failRunning(
                "the coordinator restarted while this search ran; start it again", System.currentTimeMillis());
        if (stale > 0) log.info("{} partition searches interrupted by a restart marked failed", stale);
    }

    /**
     * Where predicted costs come from: device kind -> the serving predictor of that kind, or null when there is none.
     * (Plugs into the predictor service: {@code usePredictors(predictorService::predictor)}.)
     */
    public PartitionService usePredictors(Function<String, LatencyPredictor> predictors) {
        this.predictors = Objects.requireNonNull(predictors, "predictors");
        return this;
    }

    public PartitionStore store() {
        return partitions;
    }

    public FarmStore farmStore() {
        return store;
    }

    /** A validated request ready to run. */
    private record Plan(PartitionRequest req, Method method, Graph graph, LatencyPredictor predictor, long modelId) {}

    /** Validates {@code req}, stores it as running and starts it; returns the stored row. */
    public PartitionStore.Partition submit(PartitionRequest req) {
        Plan p = validate(req);
        long now = System.currentTimeMillis();
        long id = partitions.create(
                p.modelId(), req.model(), req.kind(), req.tpus(), p.method().id(), now);
        executor.execute(() -> run(id, p, now));
        return partitions.get(id).orElseThrow();
    }

    private Plan validate(PartitionRequest req) {
        Method m;
        try {
            m = Method.parse(req.method());
        } catch (IllegalArgumentException e) {
            throw StoreException.badInput(e.getMessage());
        }
        AgentStore.checkKind(req.kind());
        if (req.tpus() < 1) throw StoreException.badInput("tpus must be >= 1, got " + req.tpus());
        Graph g;
        try {
            g = models.resolve(req.model());
        } catch (IllegalArgumentException e) {
            throw StoreException.badInput("model '" + abbreviate(req.model()) + "': " + e.getMessage());
        }
        if (g.size() < 1) throw StoreException.badInput("model " + g.name() + " has no ops: nothing to partition");
        if (req.tpus() > g.size()) {
            throw StoreException.badInput("cannot split " + g.name() + " (" + g.size() + " ops) over " + req.tpus()
                    + " devices: each stage needs at least one op");
        }
        int devices = devicesUp(req.kind());
        if (req.tpus() > devices) {
            throw StoreException.badInput("the farm has " + devices + " device" + (devices == 1 ? "" : "s")
                    + " of kind '" + req.kind() + "' up, fewer than the " + req.tpus() + " pipeline stages asked for"
                    + (devices == 0 ? knownKinds() : ""));
        }
        LatencyPredictor pred = servingPredictor(req.kind());
        if (pred != null && !pred.deviceKind().equals(req.kind())) {
            throw StoreException.badInput("the serving predictor is for device kind '" + pred.deviceKind() + "', not '"
                    + req.kind() + "': its latencies would be for other hardware");
        }
        if (m.needsPrediction() && pred == null) {
            throw StoreException.badInput("method " + m.id() + " needs a latency predictor for '" + req.kind()
                    + "' and none is serving; train one (pipefarm predictor train --kind " + req.kind()
                    + ") or use exact, profile, even or random");
        }
        long modelId = store.models()
                .byName(g.name())
                .map(x -> x.id())
                .orElseGet(() -> store.models()
                        .add(
                                g.name(),
                                req.model().length() <= 1024 ? req.model() : abbreviate(req.model()),
                                g.size(),
                                System.currentTimeMillis()));
        return new Plan(req, m, g, pred, modelId);
    }

    /** The serving predictor of {@code kind}, or null when none is trained (a predictor service may throw for that). */
    private LatencyPredictor servingPredictor(String kind) {
        try {
            return predictors.apply(kind);
        } catch (PredictorException e) {
            if (e.kind() == PredictorException.Kind.NO_PREDICTOR || e.kind() == PredictorException.Kind.UNKNOWN_KIND)
                return null;
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE,
                    "the predictor of '" + kind + "' cannot be used: " + e.getMessage(),
                    e);
        }
    }

    /** The hybrid's prior error: from the serving predictor's held-out MAPE when stored, else the default. */
    private double priorError(String kind) {
        Object mape = predictorVersions
                .serving(kind)
                .map(v -> v.metrics().get("mape"))
                .orElse(null);
        return mape instanceof Number x
                ? PartitionConfig.hybridErrorFromMape(x.doubleValue())
                : PartitionConfig.DEFAULT_HYBRID_ERROR;
    }

    private String knownKinds() {
        List<String> kinds = new ArrayList<>();
        for (AgentStore.Agent a : store.agents().list()) {
            if (a.state() != AgentStore.AgentState.UP) continue;
            for (AgentStore.Device d : a.devices()) if (!kinds.contains(d.kind())) kinds.add(d.kind());
        }
        return kinds.isEmpty() ? " (no agent is up)" : " (kinds up: " + String.join(", ", kinds) + ")";
    }

    /** Devices of {@code kind} on agents that are up. */
    int devicesUp(String kind) {
        int n = 0;
        for (AgentStore.Agent a : store.agents().list()) {
            if (a.state() != AgentStore.AgentState.UP) continue;
            for (AgentStore.Device d : a.devices()) if (d.kind().equals(kind)) n++;
        }
        return n;
    }

    private void run(long id, Plan p, long createdMs) {
        try {
            Graph g = p.graph();
            String kind = p.req().kind();
            SegmentCostSource predicted = null;
            String predictorName = "none";
            if (p.predictor() != null) {
                LatencyPredictor lp = p.predictor();
                predicted = PredictedCosts.of(lp, g);
                predictorName = lp.family() + " v" + lp.version() + " (" + lp.deviceKind() + ")";
            }
            FarmCostSource measured = new FarmCostSource(
                    store,
                    planner,
                    queueChanged,
                    p.req().model(),
                    g,
                    kind,
                    CampaignSpecs.defaultSpec(),
                    segmentTimeout);
            PartitionConfig cfg = PartitionConfig.forKind(kind);
            if (p.predictor() != null) cfg = cfg.withHybridError(priorError(kind));
            PartitionResult r =
                    new Partitioner(PartitionModel.of(g), p.req().tpus(), cfg, predicted, measured).run(p.method());
            if (!Double.isFinite(r.bottleneckNs())) {
                throw new IllegalArgumentException("no valid partition of " + g.name() + " into "
                        + p.req().tpus() + " stages: some stage cannot run on " + kind);
            }
            List<SegmentStore.NewSegment> segs = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            for (PartitionResult.Stage s : r.stages()) {
                byte[] bytes = writer.write(g, s.start(), s.end());
                String key = SegmentStore.keyOf(bytes);
                keys.add(key);
                segs.add(new SegmentStore.NewSegment(key, bytes, p.modelId(), s.start(), s.end(), null));
            }
            long now = System.currentTimeMillis();
            store.segments().putAll(segs, now);
            PartitionDescriptor d =
                    Descriptors.of(id, p.req().model(), g.size(), r, predictorName, keys, createdMs, now);
            partitions.finish(id, Descriptors.json(d), d.toByteArray(), now);
            log.info(
                    "partition {} of {} over {} x {} ({}): cuts {}, bottleneck {} ms, {} segments profiled, {} campaigns",
                    id,
                    g.name(),
                    p.req().tpus(),
                    kind,
                    p.method().id(),
                    Arrays.toString(r.cuts()),
                    String.format("%.3f", r.bottleneckNs() / 1e6),
                    r.cost().segmentsProfiled(),
                    measured.campaignsStarted());
        } catch (RuntimeException | Error e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            log.warn("partition {} failed: {}", id, msg);
            try {
                partitions.fail(id, msg, System.currentTimeMillis());
            } catch (RuntimeException e2) {
                log.warn("could not store the failure of partition {}: {}", id, e2.getMessage());
            }
        }
    }

    /** The descriptor of a finished search; NOT_FOUND / CONFLICT (still running, failed) otherwise. */
    public PartitionDescriptor descriptor(long id) {
        PartitionStore.Partition p =
                partitions.get(id).orElseThrow(() -> StoreException.notFound("no partition " + id));
        if (p.state() == PartitionState.RUNNING) throw StoreException.conflict("partition " + id + " is still running");
        if (p.state() == PartitionState.FAILED)
            throw StoreException.conflict("partition " + id + " failed: " + p.error());
        try {
            return PartitionDescriptor.parseFrom(p.descriptor());
        } catch (InvalidProtocolBufferException e) {
            throw new StoreException(
                    StoreException.Kind.UNAVAILABLE, "the stored descriptor of partition " + id + " is unreadable", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
