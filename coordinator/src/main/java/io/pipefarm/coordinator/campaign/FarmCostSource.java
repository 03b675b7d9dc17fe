package io.pipefarm.coordinator.campaign;

import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Measured segment latencies from the farm: a stored profile of the segment on the kind if there is
 * one, otherwise a campaign for just that segment, waited for. This is how a partition search
 * ("exact", "hybrid") profiles what it needs on real (or simulated) devices, and every profile it
 * causes stays in the store for the predictor.
 */
public final class FarmCostSource implements SegmentCostSource {
    private final FarmStore store;
    private final CampaignPlanner planner;
    private final Consumer<String> queueChanged;
    private final String modelRef;
    private final Graph graph;
    private final String kind;
    private final ProfileSpec spec;
    private final Duration timeout;
    private final Segmenter segmenter = new Segmenter();
    private int campaigns;

    /**
     * @param queueChanged tells the coordinator that jobs were enqueued (so parked devices get them)
     */
    public FarmCostSource(FarmStore store, CampaignPlanner planner, Consumer<String> queueChanged, String modelRef,
                          Graph graph, String kind, ProfileSpec spec, Duration timeout) {
        this.store = store;
        this.planner = planner;
        this.queueChanged = queueChanged;
        this.modelRef = modelRef;
        this.graph = graph;
        this.kind = kind;
        this.spec = spec;
        this.timeout = timeout;
    }

    @Override
    public String deviceKind() { return kind; }

    /** A measured invoke includes moving the segment's tensors over the host link. */
    @Override
    public boolean includesTransfer() { return true; }

    /** Campaigns this source started (segments that had no profile yet). */
    public int campaignsStarted() { return campaigns; }

    @Override
    public double latencyNs(int i, int j) {
        String key = segmenter.key(graph, i, j);
        Optional<ProfileStore.Profile> p = store.profiles().latest(key, kind);
        if (p.isPresent()) return p.get().stats().medianNs();
        CampaignRequest req = new CampaignRequest("verify-" + graph.name() + "-" + i + "-" + j, List.of(modelRef),
                new CampaignRequest.Cuts.Ranges(new int[][] {{i, j}}), List.of(kind), spec, false, 2);
        CampaignStore.Created created = planner.plan(req);
        campaigns++;
        queueChanged.accept("verification campaign " + created.campaignId());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            CampaignStore.Status s = store.campaigns().status(created.campaignId(), System.currentTimeMillis(), Duration.ofSeconds(5));
            if (s.open() == 0) break;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("segment [" + i + ", " + j + ") of " + graph.name() + " was not profiled on "
                        + kind + " within " + timeout.toSeconds() + " s: is a device of that kind in the farm?");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a profile", e);
            }
        }
        return store.profiles().latest(key, kind).map(x -> x.stats().medianNs())
                .orElse(Double.POSITIVE_INFINITY); // the segment failed on its device: it cannot be a stage
    }
}
