package io.pipefarm.coordinator.store;

import static io.pipefarm.coordinator.store.StoreFixture.T0;
import static io.pipefarm.coordinator.store.StoreFixture.stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.coordinator.store.JobQueue.Completion;
import io.pipefarm.coordinator.store.JobQueue.JobInfo;
import io.pipefarm.coordinator.store.JobQueue.LeaseGrant;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurabilityTest {

    static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void reopenAfterCloseMidCampaignLosesNothing() {
        long campaignId;
        Set<Long> acked = new HashSet<>();
        JobInfo open;
        try (FarmStore store = StoreFixture.open(dir)) {
            List<String> keys = StoreFixture.segments(store, "m", 20);
            campaignId = store.campaigns()
                    .create("c", "{}", keys, List.of("bench-k"), false, 3, T0)
                    .campaignId();
            for (int i = 0; i < 12; i++) {
                JobInfo l = StoreFixture.lease(store.jobs(), "bench-k", "a", "d", LEASE, T0)
                        .orElseThrow();
                assertEquals(
                        Completion.ACCEPTED,
                        store.jobs().complete(l.id(), l.leaseToken(), "a", "d", stats(i + 1), null, null, T0 + i));
                acked.add(l.id());
            }
            open = StoreFixture.lease(store.jobs(), "bench-k", "a", "d", LEASE, T0)
                    .orElseThrow();
        }
        try (FarmStore store = StoreFixture.open(dir)) {
            CampaignStore.Status st = store.campaigns().status(campaignId, T0 + 100, Duration.ofMinutes(1));
            assertEquals(12, st.count(JobState.DONE));
            assertEquals(1, st.count(JobState.LEASED));
            assertEquals(7, st.count(JobState.QUEUED));
            assertEquals(12, store.profiles().count());
            for (long id : acked) {
                assertEquals(JobState.DONE, store.jobs().job(id).orElseThrow().state());
            }
            // the open lease survives the restart and can still be completed
            assertEquals(
                    Completion.ACCEPTED,
                    store.jobs().complete(open.id(), open.leaseToken(), "a", "d", stats(5), null, null, T0 + 200));
            assertEquals(
                    CampaignState.RUNNING, store.campaigns().get(campaignId).state());
        }
    }

    /**
     * A child JVM completes jobs and prints each acknowledged job id; the parent kills it with
     * SIGKILL mid-stream and checks that every acknowledged job is done with its profile.
     */
    @Test
    void killDashNineLosesNoAcknowledgedResult() throws Exception {
        long campaignId;
        try (FarmStore store = StoreFixture.open(dir)) {
            List<String> keys = StoreFixture.segments(store, "m", 5000);
            campaignId = store.campaigns()
                    .create("c", "{}", keys, List.of("bench-k"), false, 3, T0)
                    .campaignId();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"), KillChild.class.getName(), dir.toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process child = pb.start();
        List<Long> acked = new ArrayList<>();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    acked.add(Long.parseLong(line.substring(4)));
                    if (acked.size() == 300) {
                        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close
                        break;
                    }
                }
            }
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(300, acked.size(), "child acknowledged results before the kill");
        try (FarmStore store = StoreFixture.open(dir)) {
            for (long id : acked) {
                assertEquals(JobState.DONE, store.jobs().job(id).orElseThrow().state(), "acknowledged job " + id);
            }
            Set<Long> profiled = new HashSet<>();
            store.profiles().list(ProfileStore.Query.all()).forEach(p -> profiled.add(p.jobId()));
            assertTrue(profiled.containsAll(acked), "every acknowledged job has its profile");
            // nothing is stuck: leases in flight at the kill expire and go back to the queue
            store.jobs().expireLeases(Long.MAX_VALUE);
            CampaignStore.Status st = store.campaigns().status(campaignId, T0, Duration.ofMinutes(1));
            assertEquals(0, st.count(JobState.LEASED));
            assertEquals(5000, st.count(JobState.DONE) + st.count(JobState.QUEUED));
            System.out.printf(
                    "kill -9 after %d acks: %d done, %d queued after restart%n",
                    acked.size(), st.count(JobState.DONE), st.count(JobState.QUEUED));
        }
    }

    /** Entry point of the child JVM of {@link #killDashNineLosesNoAcknowledgedResult}. */
    public static final class KillChild {
        public static void main(String[] args) {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            FarmStore store = FarmStore.openDir(Path.of(args[0]));
            List<LeaseGrant> batch;
            while (!(batch = StoreFixture.leaseBatch(store.jobs(), "bench-k", "child", "d", 256, LEASE, T0))
                    .isEmpty()) {
                for (LeaseGrant g : batch) {
                    store.jobs().complete(g.job().jobId(), g.leaseToken(), "child", "d", stats(10), null, null, T0);
                    out.println("ACK " + g.job().jobId());
                }
            }
            out.println("END");
        }
    }
}
