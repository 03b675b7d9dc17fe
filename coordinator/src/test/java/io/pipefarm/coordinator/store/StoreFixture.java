package io.pipefarm.coordinator.store;

import io.pipefarm.coordinator.store.JobQueue.Candidate;
import io.pipefarm.coordinator.store.JobQueue.JobInfo;
import io.pipefarm.coordinator.store.JobQueue.LeaseGrant;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Helpers shared by the store tests. */
final class StoreFixture {
    private StoreFixture() {}

    static final long T0 = 1_700_000_000_000L;

    static FarmStore open(Path dir) {
        return FarmStore.openDir(dir);
    }

    /** Stores {@code n} distinct fake segments for a new model and returns their keys. */
    static List<String> segments(FarmStore store, String model, int n) {
        long modelId = store.models().add(model, "zoo:" + model, n, T0);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] bytes = (model + "/segment/" + i).getBytes(StandardCharsets.UTF_8);
            keys.add(store.segments().put(bytes, modelId, i, i + 1, null, T0));
        }
        return keys;
    }

    /** A grant of {@code c} to one device with a fresh token, as the coordinator makes it. */
    static LeaseGrant grant(Candidate c, String agent, String device, Duration lease, long nowMs) {
        return new LeaseGrant(c, agent, device, JobQueue.token(), nowMs + lease.toMillis());
    }

    /**
     * Leases the oldest queued job of {@code kind} to one device the way the coordinator does (read
     * ahead, grant in memory, write the grant) and returns its row as stored; empty when none is
     * queued.
     */
    static Optional<JobInfo> lease(JobQueue q, String kind, String agent, String device, Duration lease, long nowMs) {
        List<Candidate> c = q.queued(kind, 1);
        if (c.isEmpty()) return Optional.empty();
        if (!q.leaseAll(List.of(grant(c.get(0), agent, device, lease, nowMs)), nowMs)[0]) {
            throw new AssertionError("job " + c.get(0).jobId() + " was read as queued but its grant did not take");
        }
        return q.job(c.get(0).jobId());
    }

    /**
     * One batch as the coordinator leases it: reads up to {@code batch} queued jobs of {@code kind},
     * grants them all to one device and writes the grants together; returns the grants that took.
     * When another leaser took every job read, it reads again, so empty means nothing was queued.
     */
    static List<LeaseGrant> leaseBatch(
            JobQueue q, String kind, String agent, String device, int batch, Duration lease, long nowMs) {
        while (true) {
            List<LeaseGrant> grants = new ArrayList<>();
            for (Candidate c : q.queued(kind, batch)) grants.add(grant(c, agent, device, lease, nowMs));
            if (grants.isEmpty()) return grants;
            boolean[] took = q.leaseAll(grants, nowMs);
            List<LeaseGrant> out = new ArrayList<>();
            for (int i = 0; i < took.length; i++) if (took[i]) out.add(grants.get(i));
            if (!out.isEmpty()) return out;
        }
    }

    static ProfileStats stats(double meanNs) {
        return new ProfileStats(100, meanNs, meanNs, meanNs * 1.1, meanNs * 1.2, meanNs * 0.05, meanNs * 0.9);
    }

    static Map<String, String> versions() {
        return Map.of("tflite", "2.20.0", "libedgetpu", "16.0");
    }
}
