package io.pipefarm.coordinator.partitioning;

import io.pipefarm.coordinator.campaign.CampaignPlanner;
import io.pipefarm.coordinator.campaign.CampaignRequest;
import io.pipefarm.coordinator.campaign.FarmCostSource;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.proto.farm.ProfileSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Measured latencies from the farm for a partition search: {@link FarmCostSource} per segment, plus
 * {@link #prefetch}: the segments a search is about to need that have no stored profile yet go into ONE
 * "ranges" campaign (profiled in parallel by every device of the kind) instead of one campaign each.
 */
final class FarmMeasuredCosts implements SegmentCostSource {
    private final FarmCostSource single;
    private final FarmStore store;
    private final CampaignPlanner planner;
    private final Consumer<String> queueChanged;
    private final String modelRef;
    private final Graph graph;
    private final String kind;
    private final ProfileSpec spec;
    private final Duration timeout;
    private final Segmenter segmenter = new Segmenter();
    private int batchCampaigns;

    FarmMeasuredCosts(FarmStore store, CampaignPlanner planner, Consumer<String> queueChanged, String modelRef, Graph graph,
                      String kind, ProfileSpec spec, Duration timeout) {
        this.single = new FarmCostSource(store, planner, queueChanged, modelRef, graph, kind, spec, timeout);
        this.store = store;
        this.planner = planner;
        this.queueChanged = queueChanged;
        this.modelRef = modelRef;
        this.graph = graph;
        this.kind = kind;
        this.spec = spec;
        this.timeout = timeout;
    }

    @Override public String deviceKind() { return kind; }
    @Override public boolean includesTransfer() { return true; }
    @Override public double latencyNs(int i, int j) { return single.latencyNs(i, j); }

    /** Campaigns started: one per prefetch batch plus one per segment asked for alone. */
    int campaigns() { return batchCampaigns + single.campaignsStarted(); }

    @Override
    public void prefetch(List<int[]> ranges) {
        List<int[]> missing = new ArrayList<>();
        for (int[] r : ranges) {
            if (store.profiles().latest(segmenter.key(graph, r[0], r[1]), kind).isEmpty()) missing.add(r);
        }
        if (missing.size() < 2) return; // one segment: the per-segment path is as good
        CampaignRequest req = new CampaignRequest("partition-" + graph.name() + "-" + missing.size() + "-segments",
                List.of(modelRef), new CampaignRequest.Cuts.Ranges(missing.toArray(new int[0][])), List.of(kind), spec, false, 2);
        CampaignStore.Created created = planner.plan(req);
        batchCampaigns++;
        queueChanged.accept("partition campaign " + created.campaignId());
        long deadline = System.nanoTime() + timeout.toNanos() * Math.max(1, (missing.size() + 3) / 4);
        while (store.campaigns().status(created.campaignId(), System.currentTimeMillis(), Duration.ofSeconds(5)).open() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(missing.size() + " segments of " + graph.name() + " were not profiled on " + kind
                        + " in time: is a device of that kind in the farm?");
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
