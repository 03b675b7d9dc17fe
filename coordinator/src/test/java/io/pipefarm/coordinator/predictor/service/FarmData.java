package io.pipefarm.coordinator.predictor.service;

import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.ProfileStats;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.zoo.ModelRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Test helper: registers small fc models, stores their segments and profiles them through the
 * store's campaign/job path (lease + complete) with a synthetic latency of the segment features.
 */
public final class FarmData {
    private FarmData() {}

    public static final long T0 = 1_700_000_000_000L;

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
        Map<String, Double> lat = new java.util.HashMap<>();
        for (String ref : refs) {
            ModelFeatures mf = ModelFeatures.of(ModelRef.resolve(ref));
            long id = store.models().byName(ref).map(m -> m.id()).orElseGet(() -> store.models().add(ref, ref, mf.size(), now));
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
        List<JobQueue.Result> results = new ArrayList<>();
        while (true) {
            Optional<JobQueue.Lease> l = q.leaseNext(kind, "agent-1", "dev-0", Duration.ofMinutes(5), now);
            if (l.isEmpty()) break;
            double ns = lat.get(l.get().segmentKey());
            results.add(new JobQueue.Result(l.get().jobId(), l.get().leaseToken(), "agent-1", "dev-0",
                    new ProfileStats(10, ns, ns, ns * 1.1, ns * 1.2, ns * 0.01, ns * 0.9), null, Map.of()));
            if (results.size() >= 200) {
                stored += q.completeAll(results, now).size();
                results.clear();
            }
        }
        if (!results.isEmpty()) stored += q.completeAll(results, now).size();
        return stored;
    }
}
