package io.pipefarm.coordinator.partition.service;

import io.pipefarm.coordinator.campaign.CampaignRequest;
import io.pipefarm.coordinator.campaign.service.CampaignPlanner;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Measured segment latencies from the farm: a stored profile of the segment on the kind if there is
 * one, otherwise a campaign for just that segment, waited for. {@link #prefetch} sends the segments a
 * search is about to need in ONE "ranges" campaign, so that every device of the kind profiles them in
 * parallel. This is how a partition search ("exact", "hybrid") profiles what it needs on real (or
 * simulated) devices, and every profile it causes stays in the store for the predictor.
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
    public FarmCostSource(
            FarmStore store,
            CampaignPlanner planner,
            Consumer<String> queueChanged,
            String modelRef,
            Graph graph,
            String kind,
            ProfileSpec spec,
            Duration timeout) {
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
    public String deviceKind() {
        return kind;
    }

    /** A measured invoke includes moving the segment's tensors over the host link. */
    @Override
    public boolean includesTransfer() {
        return true;
    }

    /** Campaigns this source started (for segments that had no profile yet). */
    public int campaignsStarted() {
        return campaigns;
    }

    @Override
    public double latencyNs(int i, int j) {
        String key = segmenter.key(graph, i, j);
        Optional<ProfileStore.Profile> p = store.profiles().latest(key, kind);
        if (p.isPresent()) return p.get().stats().medianNs();
        profile(
                List.of(new int[] {i, j}),
                "verify-" + graph.name() + "-" + i + "-" + j,
                timeout,
                "segment [" + i + ", " + j + ") of " + graph.name());
        return store.profiles()
                .latest(key, kind)
                .map(x -> x.stats().medianNs())
                .orElse(Double.POSITIVE_INFINITY); // the segment failed on its device: it cannot be a stage
    }

    /** The stored profile's median, NaN when the segment has none (nothing is profiled for it). */
    @Override
    public double knownLatencyNs(int i, int j) {
        return store.profiles()
                .latest(segmenter.key(graph, i, j), kind)
                .map(x -> x.stats().medianNs())
                .orElse(Double.NaN);
    }

    @Override
    public void prefetch(List<int[]> ranges) {
        List<int[]> missing = new ArrayList<>();
        for (int[] r : ranges) {
            if (store.profiles().latest(segmenter.key(graph, r[0], r[1]), kind).isEmpty()) missing.add(r);
        }
        if (missing.size() < 2) return; // one segment: the per-segment path is as good
        // A campaign of m segments may take as long as m / 4 single ones (a few devices share it).
        profile(
                missing,
                "partition-" + graph.name() + "-" + missing.size() + "-segments",
                timeout.multipliedBy(Math.max(1, (missing.size() + 3) / 4)),
                missing.size() + " segments of " + graph.name());
    }

    /** Profiles {@code ranges} in one campaign and waits until it has no open jobs. */
    private void profile(List<int[]> ranges, String name, Duration wait, String what) {
        CampaignRequest req = new CampaignRequest(
                name,
                List.of(modelRef),
                new CampaignRequest.Cuts.Ranges(ranges.toArray(new int[0][])),
                List.of(kind),
                spec,
                false,
                2);
        CampaignStore.Created created = planner.plan(req);
        campaigns++;
        queueChanged.accept("campaign " + created.campaignId() + " for " + what);
        long deadline = System.nanoTime() + wait.toNanos();
        while (store.campaigns()
                        .status(created.campaignId(), System.currentTimeMillis(), Duration.ofSeconds(5))
                        .open()
                > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + (ranges.size() == 1 ? " was" : " were") + " not profiled on "
                        + kind + " within " + wait.toSeconds() + " s: is a device of that kind in the farm?");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for profiles", e);
            }
        }
    }
}
