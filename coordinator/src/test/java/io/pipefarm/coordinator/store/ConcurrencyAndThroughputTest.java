package io.pipefarm.coordinator.store;

import static io.pipefarm.coordinator.store.StoreFixture.T0;
import static io.pipefarm.coordinator.store.StoreFixture.stats;
import static io.pipefarm.coordinator.store.StoreFixture.versions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pipefarm.coordinator.store.JobQueue.Completion;
import io.pipefarm.coordinator.store.JobQueue.LeaseGrant;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrencyAndThroughputTest {

    static final Duration LEASE = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void concurrentLeasingNeverHandsOutAJobTwice() throws Exception {
        try (FarmStore store = StoreFixture.open(dir)) {
            List<String> keys = StoreFixture.segments(store, "m", 250);
            List<String> kinds = List.of("bench-k1", "bench-k2");
            CampaignStore.Created c = store.campaigns().create("c", null, keys, kinds, false, 3, T0);
            int total = c.jobsEnqueued();
            assertEquals(500, total);
            Set<Long> seen = ConcurrentHashMap.newKeySet();
            AtomicInteger dupes = new AtomicInteger();
            int threads = 8;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String kind = kinds.get(t % 2);
                String agent = "agent" + t;
                fs.add(pool.submit(() -> {
                    int n = 0;
                    List<LeaseGrant> batch;
                    // small batches: the four leasers of a kind read overlapping jobs and race for them
                    while (!(batch = StoreFixture.leaseBatch(store.jobs(), kind, agent, "d", 4, LEASE, T0)).isEmpty()) {
                        for (LeaseGrant g : batch) {
                            if (!seen.add(g.job().jobId())) {
                                dupes.incrementAndGet();
                            }
                            n++;
                            // complete every other one so leases and completions interleave
                            if (n % 2 == 0) {
                                Completion r = store.jobs()
                                        .complete(
                                                g.job().jobId(),
                                                g.leaseToken(),
                                                agent,
                                                "d",
                                                stats(1000),
                                                null,
                                                versions(),
                                                T0 + 1);
                                assertEquals(Completion.ACCEPTED, r);
                            }
                        }
                    }
                    return n;
                }));
            }
            int sum = 0;
            for (Future<Integer> f : fs) {
                sum += f.get();
            }
            pool.shutdown();
            assertEquals(0, dupes.get(), "no job leased twice");
            assertEquals(total, sum);
            assertEquals(total, seen.size());
            CampaignStore.Status st = store.campaigns().status(c.campaignId(), T0 + 2, Duration.ofMinutes(1));
            assertEquals(0, st.count(JobState.QUEUED));
            assertEquals(total, st.count(JobState.LEASED) + st.count(JobState.DONE));
        }
    }

    @Test
    void concurrentCompletionOfLastJobsFinishesCampaign() throws Exception {
        try (FarmStore store = StoreFixture.open(dir)) {
            for (int round = 0; round < 10; round++) {
                List<String> keys = StoreFixture.segments(store, "r" + round, 8);
                CampaignStore.Created c =
                        store.campaigns().create("c" + round, null, keys, List.of("bench-k"), false, 3, T0);
                List<LeaseGrant> leases = new ArrayList<>();
                for (JobQueue.Candidate k : store.jobs().queued("bench-k", 8)) {
                    leases.add(StoreFixture.grant(k, "a", "d" + leases.size(), LEASE, T0));
                }
                assertEquals(8, leases.size());
                assertArrayEquals(
                        new boolean[] {true, true, true, true, true, true, true, true},
                        store.jobs().leaseAll(leases, T0));
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<?>> fs = new ArrayList<>();
                for (LeaseGrant l : leases) {
                    fs.add(pool.submit(() -> store.jobs()
                            .complete(
                                    l.job().jobId(), l.leaseToken(), "a", l.deviceId(), stats(5), null, null, T0 + 1)));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                pool.shutdown();
                assertEquals(
                        CampaignState.DONE,
                        store.campaigns().get(c.campaignId()).state(),
                        "round " + round);
            }
        }
    }

    /**
     * Not a timed assertion (and kept small for CI; `pipefarm bench farm` measures for real): prints the lease+complete rate (the farm benchmark needs >= 2,000
     * jobs/s end to end) for three ways of calling the store, each leasing as the coordinator does
     * (a batch of queued jobs read, granted and written together): one thread, one durable complete
     * per result; 8 threads (durable flushes shared by group commit); one thread storing results in
     * batches of 64 with {@link JobQueue#completeAll} (one commit and flush per batch).
     */
    @Test
    void leaseAndCompleteThroughput() throws Exception {
        try (FarmStore store = StoreFixture.open(dir)) {
            List<String> keys = StoreFixture.segments(store, "big", 100);
            List<String> kinds = List.of(
                    "bench-k0",
                    "bench-k1",
                    "bench-k2",
                    "bench-k3",
                    "bench-k4",
                    "bench-k5",
                    "bench-k6",
                    "bench-k7",
                    "bench-k8",
                    "bench-k9",
                    "bench-ka",
                    "bench-kb");
            store.campaigns().create("bench-warm", null, keys.subList(0, 50), List.of("bench-warm"), false, 3, T0);
            drain(store, "bench-warm", "w"); // JIT warm-up
            CampaignStore.Created c = store.campaigns().create("bench", null, keys, kinds, false, 3, T0);
            assertEquals(1_200, c.jobsEnqueued());

            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long f0 = store.database().flushCount();
            long cpu0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            int n1 = 0;
            for (int k = 0; k < 4; k++) {
                n1 += drain(store, kinds.get(k), "a0");
            }
            double s1 = (System.nanoTime() - t0) / 1e9;
            double cpuUs1 = (mx.getCurrentThreadCpuTime() - cpu0) / 1e3 / 400;
            long f1 = store.database().flushCount();

            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> fs = new ArrayList<>();
            long t1 = System.nanoTime();
            for (int t = 0; t < 8; t++) {
                String kind = kinds.get(4 + t % 4);
                String agent = "a" + t;
                fs.add(pool.submit(() -> drain(store, kind, agent)));
            }
            int n8 = 0;
            for (Future<Integer> f : fs) {
                n8 += f.get();
            }
            double s8 = (System.nanoTime() - t1) / 1e9;
            pool.shutdown();
            long f2 = store.database().flushCount();

            long cpu2 = mx.getCurrentThreadCpuTime();
            long t2 = System.nanoTime();
            int nb = 0;
            for (int k = 8; k < 12; k++) {
                nb += drainBatched(store, kinds.get(k), "b", 64);
            }
            double sb = (System.nanoTime() - t2) / 1e9;
            double cpuUsB = (mx.getCurrentThreadCpuTime() - cpu2) / 1e3 / 400;
            long f3 = store.database().flushCount();

            assertEquals(400, n1);
            assertEquals(400, n8);
            assertEquals(400, nb);
            assertEquals(
                    CampaignState.DONE, store.campaigns().get(c.campaignId()).state());
            System.out.printf(
                    "store lease+complete (%d cpus, load %.1f): 1 thread %.0f jobs/s (%d flushes); "
                            + "8 threads %.0f jobs/s (%d flushes); batches of 64 %.0f jobs/s (%d flushes)%n",
                    Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    n1 / s1,
                    f1 - f0,
                    n8 / s8,
                    f2 - f1,
                    nb / sb,
                    f3 - f2);
            System.out.printf(
                    "store lease+complete CPU per job (caller thread; excludes H2 background writer): "
                            + "1 thread %.0f us (= %.0f jobs/s per core), batches of 64 %.0f us (= %.0f jobs/s per core)%n",
                    cpuUs1, 1e6 / cpuUs1, cpuUsB, 1e6 / cpuUsB);
            assertEquals(1_250, store.profiles().count());
        }
    }

    private static int drain(FarmStore store, String kind, String agent) {
        int n = 0;
        List<LeaseGrant> leased;
        while (!(leased = StoreFixture.leaseBatch(store.jobs(), kind, agent, "d", 64, LEASE, T0)).isEmpty()) {
            for (LeaseGrant g : leased) {
                store.jobs()
                        .complete(
                                g.job().jobId(), g.leaseToken(), agent, "d", stats(1000 + n), null, versions(), T0 + 1);
                n++;
            }
        }
        return n;
    }

    private static int drainBatched(FarmStore store, String kind, String agent, int batch) {
        int n = 0;
        while (true) {
            List<JobQueue.Result> results = new ArrayList<>(batch);
            for (LeaseGrant g : StoreFixture.leaseBatch(store.jobs(), kind, agent, "d", batch, LEASE, T0)) {
                results.add(new JobQueue.Result(
                        g.job().jobId(), g.leaseToken(), agent, "d", stats(1000), null, versions()));
            }
            if (results.isEmpty()) {
                return n;
            }
            for (Completion r : store.jobs().completeAll(results, T0 + 1)) {
                assertEquals(Completion.ACCEPTED, r);
            }
            n += results.size();
        }
    }
}
