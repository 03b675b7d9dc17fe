package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.ProfileStats;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.zoo.ModelRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test helper: registers small fc models, stores their segments and profiles them through the
 * store's campaign/job path (lease + complete) with a synthetic latency of the segment features.
 */
public final class FarmData {
    private FarmData() {}

    public static final long T0 = 1_700_000_000_000L;

    private static final Duration LEASE = Duration.ofMinutes(5);

    /** Synthetic additive latency of a segment (ns): a stand-in for a device. */
    public static double latency(double[] a, double scale) {
        double additive = 50_000 + 2_000 * a[0] + a[11] / 2e3 + a[18] / 300 + a[9] / 100;
        return scale * additive * (1 + 0.4 * Math.log1p(a[0])); // not additive: the trees have work to do
    }

    /** {@code fc:INPUTS,WIDTH,DEPTH} references of {@code n} distinct small architectures. */
    public static List<String> refs(int n, int offset) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int v = k + offset;
            out.add("fc:" + (32 + 16 * (v % 5)) + "," + (128 + 64 * (v % 7)) + "," + (3 + v % 4));
        }
        return out;
    }

    /**
     * Registers each model (named {@code ref}), stores all of its segments {@code [i, j)} and
     * profiles every one on {@code kind} through a campaign; returns the number of profiles stored.
     */
    public static int profile(FarmStore store, List<String> refs, String kind, double scale, long now) {
        int stored = 0;
        List<String> keys = new ArrayList<>();
        Map<String, Double> lat = new HashMap<>();
        for (String ref : refs) {
            ModelFeatures mf = ModelFeatures.of(ModelRef.resolve(ref));
            long id = store.models()
                    .byName(ref)
                    .map(m -> m.id())
                    .orElseGet(() -> store.models().add(ref, ref, mf.size(), now));
            for (int i = 0; i < mf.size(); i++) {
                for (int j = i + 1; j <= mf.size(); j++) {
                    byte[] bytes = (ref + "/" + i + "-" + j).getBytes(StandardCharsets.UTF_8);
                    String key = store.segments().put(bytes, id, i, j, null, now);
                    keys.add(key);
                    lat.put(key, latency(mf.segment(i, j).aggregates(), scale));
                }
            }
        }
        store.campaigns().create("test-" + now, "{}", keys, List.of(kind), true, 3, now);
        JobQueue q = store.jobs();
        // leased as the coordinator leases: a batch of queued jobs read, granted and written together
        List<JobQueue.Candidate> queued;
        while (!(queued = q.queued(kind, 200)).isEmpty()) {
            List<JobQueue.LeaseGrant> grants = new ArrayList<>();
            for (JobQueue.Candidate c : queued) {
                grants.add(new JobQueue.LeaseGrant(c, "agent-1", "dev-0", JobQueue.token(), now + LEASE.toMillis()));
            }
            q.leaseAll(grants, now);
            List<JobQueue.Result> results = new ArrayList<>();
            for (JobQueue.LeaseGrant g : grants) {
                double ns = lat.get(g.job().segmentKey());
                results.add(new JobQueue.Result(
                        g.job().jobId(),
                        g.leaseToken(),
                        "agent-1",
                        "dev-0",
                        new ProfileStats(10, ns, ns, ns * 1.1, ns * 1.2, ns * 0.01, ns * 0.9),
                        null,
                        Map.of()));
            }
            stored += q.completeAll(results, now).size();
        }
        return stored;
    }
}
