package io.pipefarm.coordinator.store;

import static io.pipefarm.coordinator.store.StoreFixture.T0;
import static io.pipefarm.coordinator.store.StoreFixture.stats;
import static io.pipefarm.coordinator.store.StoreFixture.versions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.coordinator.store.CampaignStore.Created;
import io.pipefarm.coordinator.store.JobQueue.Completion;
import io.pipefarm.coordinator.store.JobQueue.Failure;
import io.pipefarm.coordinator.store.JobQueue.Lease;
import io.pipefarm.proto.farm.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobLifecycleTest {

    static final Duration LEASE = Duration.ofSeconds(30);
    static final String USB = "edgetpu-usb";
    static final String CPU = "cpu-x86_64-t1";

    @TempDir
    Path dir;
    FarmStore store;
    JobQueue q;

    @BeforeEach
    void open() {
        store = StoreFixture.open(dir);
        q = store.jobs();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void fullLifecycle() {
        List<String> keys = StoreFixture.segments(store, "mobilenet", 3);
        Created c = store.campaigns().create("c1", "{\"warmup\":5}", keys, List.of(USB, CPU), false, 3, T0);
        assertEquals(6, c.jobsEnqueued());
        assertEquals(CampaignState.RUNNING, c.state());
        assertEquals("{\"warmup\":5}", store.campaigns().spec(c.campaignId()));

        // oldest first, per kind
        Lease l1 = q.leaseNext(USB, "a1", "usb:0", LEASE, T0 + 10).orElseThrow();
        assertEquals(keys.get(0), l1.segmentKey());
        assertEquals(1, l1.attempt());
        assertEquals(T0 + 10 + 30_000, l1.leaseDeadlineMs());
        assertTrue(l1.blobSize() > 0);
        Lease l2 = q.leaseNext(USB, "a1", "usb:1", LEASE, T0 + 11).orElseThrow();
        assertEquals(keys.get(1), l2.segmentKey());

        long[] samples = {100, 101, 99};
        assertEquals(Completion.ACCEPTED, q.complete(l1.jobId(), l1.leaseToken(), "a1", "usb:0", stats(1000), samples,
                versions(), T0 + 20));
        CampaignStore.Status st = store.campaigns().status(c.campaignId(), T0 + 1000, Duration.ofMinutes(1));
        assertEquals(1, st.count(JobState.DONE));
        assertEquals(1, st.count(JobState.LEASED));
        assertEquals(4, st.count(JobState.QUEUED));
        assertEquals(6, st.total());
        assertTrue(st.doneRatePerSec() > 0);
        assertTrue(st.etaSeconds() > 0);

        ProfileStore.Profile p = store.profiles().latest(keys.get(0), USB).orElseThrow();
        assertEquals(l1.jobId(), p.jobId());
        assertEquals(1000, p.stats().meanNs());
        assertEquals("a1", p.agentId());
        assertEquals("usb:0", p.deviceId());
        assertEquals(versions(), p.versions());
        assertTrue(p.hasSamples());
        assertArrayEquals(samples, store.profiles().samples(p.id()).orElseThrow());

        // drain the rest
        assertEquals(Completion.ACCEPTED, q.complete(l2.jobId(), l2.leaseToken(), "a1", "usb:1", stats(2000), null,
                versions(), T0 + 30));
        for (String kind : List.of(USB, CPU)) {
            Optional<Lease> l;
            while ((l = q.leaseNext(kind, "a2", "d0", LEASE, T0 + 40)).isPresent()) {
                q.complete(l.get().jobId(), l.get().leaseToken(), "a2", "d0", stats(3000), null, versions(), T0 + 50);
            }
        }
        st = store.campaigns().status(c.campaignId(), T0 + 60, Duration.ofMinutes(1));
        assertEquals(6, st.count(JobState.DONE));
        assertEquals(0, st.open());
        assertEquals(CampaignState.DONE, st.campaign().state());
        assertEquals(0, st.etaSeconds());
        assertTrue(q.leaseNext(USB, "a1", "usb:0", LEASE, T0 + 70).isEmpty());

        // profile queries
        assertEquals(6, store.profiles().list(ProfileStore.Query.all()).size());
        assertEquals(3, store.profiles().list(ProfileStore.Query.all().kind(CPU)).size());
        long modelId = store.models().byName("mobilenet").orElseThrow().id();
        assertEquals(6, store.profiles().list(ProfileStore.Query.all().model(modelId)).size());
        assertEquals(2, store.profiles().list(ProfileStore.Query.all().segment(keys.get(2))).size());
        assertEquals(0, store.profiles().list(ProfileStore.Query.all().model(modelId + 99)).size());
    }

    @Test
    void dedupRules() {
        List<String> keys = StoreFixture.segments(store, "m", 4);
        Created a = store.campaigns().create("a", null, keys.subList(0, 2), List.of(USB), false, 3, T0);
        assertEquals(2, a.jobsEnqueued());
        // finish job for keys[0]
        Lease l = q.leaseNext(USB, "x", "d", LEASE, T0).orElseThrow();
        q.complete(l.jobId(), l.leaseToken(), "x", "d", stats(5), null, null, T0);

        // keys[0] profiled -> skipped; keys[1] queued in campaign a -> skipped; keys[2..3] new
        Created b = store.campaigns().create("b", null, keys, List.of(USB, USB), false, 3, T0 + 1);
        assertEquals(2, b.jobsEnqueued());
        assertEquals(1, b.skippedProfiled());
        assertEquals(1, b.skippedInFlight());

        // reprofile: keys[0] gets a job again; in-flight ones are still skipped
        Created c = store.campaigns().create("c", null, keys, List.of(USB), true, 3, T0 + 2);
        assertEquals(1, c.jobsEnqueued());
        assertEquals(0, c.skippedProfiled());
        assertEquals(3, c.skippedInFlight());

        // everything covered: campaign is done at once
        Created d = store.campaigns().create("d", null, keys.subList(0, 1), List.of(USB), false, 3, T0 + 3);
        assertEquals(0, d.jobsEnqueued());
        assertEquals(CampaignState.DONE, d.state());
    }

    @Test
    void badInputs() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        String unknown = SegmentStore.keyOf("nope".getBytes(StandardCharsets.UTF_8));
        StoreException e = assertThrows(StoreException.class,
                () -> store.campaigns().create("x", null, List.of(unknown), List.of(USB), false, 3, T0));
        assertEquals(StoreException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("store its blob first"));
        assertEquals(StoreException.Kind.BAD_INPUT, assertThrows(StoreException.class,
                () -> store.campaigns().create("x", null, keys, List.of("Bad Kind"), false, 3, T0)).kind());
        assertEquals(StoreException.Kind.BAD_INPUT, assertThrows(StoreException.class,
                () -> store.campaigns().create("x", null, List.of(), List.of(USB), false, 3, T0)).kind());
        assertEquals(StoreException.Kind.NOT_FOUND, assertThrows(StoreException.class,
                () -> q.complete(12345, 1, "a", "d", stats(1), null, null, T0)).kind());
        assertEquals(StoreException.Kind.NOT_FOUND, assertThrows(StoreException.class,
                () -> store.campaigns().pause(999, T0)).kind());
        // a result for a job whose lease was lost (coordinator crashed before flushing it) still counts
        Created c = store.campaigns().create("x", null, keys, List.of(USB), false, 3, T0);
        long jobId = q.jobsOf(c.campaignId()).get(0).id();
        assertEquals(Completion.ACCEPTED_STALE, q.complete(jobId, 1, "a", "d", stats(1), null, null, T0));
        assertEquals(CampaignState.DONE, store.campaigns().get(c.campaignId()).state());
        // a segment whose bytes do not match its key
        assertEquals(StoreException.Kind.BAD_INPUT, assertThrows(StoreException.class,
                () -> store.segments().put(unknown, new byte[] {1}, null, 0, 1, null, T0)).kind());
    }

    @Test
    void idempotentCompletion() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        Lease l = q.leaseNext(USB, "a", "d", LEASE, T0).orElseThrow();
        assertEquals(Completion.ACCEPTED, q.complete(l.jobId(), l.leaseToken(), "a", "d", stats(10), null, null, T0 + 1));
        assertEquals(Completion.ALREADY_DONE, q.complete(l.jobId(), l.leaseToken(), "a", "d", stats(99), null, null, T0 + 2));
        assertEquals(Completion.ALREADY_DONE, q.complete(l.jobId(), 42, "b", "e", stats(99), null, null, T0 + 3));
        assertEquals(1, store.profiles().count());
        assertEquals(10, store.profiles().latest(keys.get(0), USB).orElseThrow().stats().meanNs());
        assertEquals(Failure.ALREADY_DONE, q.fail(l.jobId(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "late", T0 + 4));
        assertEquals(JobState.DONE, q.job(l.jobId()).orElseThrow().state());
    }

    @Test
    void staleResultAcceptedOnceAfterReLease() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        Lease first = q.leaseNext(USB, "a", "d1", LEASE, T0).orElseThrow();
        // lease expires and the job is re-leased elsewhere
        assertEquals(1, q.expireLeases(T0 + LEASE.toMillis() + 1).requeued());
        Lease second = q.leaseNext(USB, "b", "d2", LEASE, T0 + 40_000).orElseThrow();
        assertEquals(first.jobId(), second.jobId());
        assertEquals(2, second.attempt());
        // the late result of the first lease arrives first: accepted (a measurement is a measurement)
        assertEquals(Completion.ACCEPTED_STALE,
                q.complete(first.jobId(), first.leaseToken(), "a", "d1", stats(7), null, null, T0 + 41_000));
        // the second lease's result is then a duplicate
        assertEquals(Completion.ALREADY_DONE,
                q.complete(second.jobId(), second.leaseToken(), "b", "d2", stats(8), null, null, T0 + 42_000));
        assertEquals(1, store.profiles().count());
        assertEquals("a", store.profiles().latest(keys.get(0), USB).orElseThrow().agentId());
        // a stale failure is ignored
        assertEquals(Failure.ALREADY_DONE, q.fail(second.jobId(), second.leaseToken(), ErrorKind.ERROR_KIND_CRASH, "x", T0));
    }

    @Test
    void leaseExpiryRequeues() {
        List<String> keys = StoreFixture.segments(store, "m", 2);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        Lease l = q.leaseNext(USB, "a", "d", LEASE, T0).orElseThrow();
        assertEquals(0, q.expireLeases(T0 + LEASE.toMillis() - 1).total(), "not yet");
        // heartbeat extends the lease
        assertTrue(q.extendLease(l.jobId(), l.leaseToken(), T0 + 60_000));
        assertEquals(0, q.expireLeases(T0 + 59_999).total());
        assertEquals(1, q.expireLeases(T0 + 60_001).requeued());
        JobQueue.JobInfo j = q.job(l.jobId()).orElseThrow();
        assertEquals(JobState.QUEUED, j.state());
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, j.lastErrorKind());
        assertTrue(j.lastErrorMessage().contains("lease expired"));
        assertFalse(q.extendLease(l.jobId(), l.leaseToken(), T0 + 120_000), "expired lease cannot be extended");
        // the requeued job is the oldest again
        assertEquals(l.jobId(), q.leaseNext(USB, "b", "d", LEASE, T0 + 70_000).orElseThrow().jobId());
        assertEquals(CampaignState.RUNNING, store.campaigns().get(c.campaignId()).state());
    }

    @Test
    void releaseAgentRequeuesItsLeases() {
        List<String> keys = StoreFixture.segments(store, "m", 3);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        q.leaseNext(USB, "a", "d0", LEASE, T0).orElseThrow();
        q.leaseNext(USB, "a", "d1", LEASE, T0).orElseThrow();
        Lease other = q.leaseNext(USB, "b", "d0", LEASE, T0).orElseThrow();
        assertEquals(2, q.releaseAgent("a", T0 + 5).requeued());
        assertEquals(JobState.LEASED, q.job(other.jobId()).orElseThrow().state());
        assertTrue(q.hasWork(USB));
        assertEquals(java.util.Set.of(USB), q.kindsWithWork());
    }

    @Test
    void boundedAttemptsEndInFailedWithLastError() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        Lease l = q.leaseNext(USB, "a", "d", LEASE, T0).orElseThrow();
        assertEquals(Failure.REQUEUED, q.fail(l.jobId(), l.leaseToken(), ErrorKind.ERROR_KIND_LOAD, "delegate failed", T0 + 1));
        assertEquals(Failure.IGNORED, q.fail(l.jobId(), l.leaseToken(), ErrorKind.ERROR_KIND_LOAD, "dup", T0 + 1), "stale token");
        l = q.leaseNext(USB, "a", "d", LEASE, T0 + 2).orElseThrow();
        assertEquals(2, l.attempt());
        assertEquals(1, q.expireLeases(T0 + 2 + LEASE.toMillis() + 1).requeued());
        l = q.leaseNext(USB, "a", "d", LEASE, T0 + 40_000).orElseThrow();
        assertEquals(3, l.attempt());
        assertEquals(Failure.FAILED, q.fail(l.jobId(), l.leaseToken(), ErrorKind.ERROR_KIND_CRASH, "runner exited with 139", T0 + 41_000));
        JobQueue.JobInfo j = q.job(l.jobId()).orElseThrow();
        assertEquals(JobState.FAILED, j.state());
        assertEquals(3, j.attempts());
        assertEquals(ErrorKind.ERROR_KIND_CRASH, j.lastErrorKind());
        assertEquals("runner exited with 139", j.lastErrorMessage());
        assertTrue(q.leaseNext(USB, "a", "d", LEASE, T0 + 42_000).isEmpty());
        // no open jobs left: the campaign is done (with a failed job)
        CampaignStore.Status st = store.campaigns().status(c.campaignId(), T0 + 43_000, Duration.ofMinutes(1));
        assertEquals(CampaignState.DONE, st.campaign().state());
        assertEquals(1, st.count(JobState.FAILED));
        // a late result for the failed job is still a measurement: accepted once
        assertEquals(Completion.ACCEPTED_STALE, q.complete(l.jobId(), l.leaseToken(), "a", "d", stats(3), null, null, T0 + 44_000));
        assertEquals(Completion.ALREADY_DONE, q.complete(l.jobId(), l.leaseToken(), "a", "d", stats(3), null, null, T0 + 44_001));
    }

    @Test
    void expiryOutOfAttemptsFails() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 1, T0);
        Lease l = q.leaseNext(USB, "a", "d", LEASE, T0).orElseThrow();
        JobQueue.Requeued r = q.expireLeases(T0 + LEASE.toMillis() + 1);
        assertEquals(1, r.failed());
        assertEquals(JobState.FAILED, q.job(l.jobId()).orElseThrow().state());
    }

    @Test
    void pauseResumeCancel() {
        List<String> keys = StoreFixture.segments(store, "m", 4);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        long id = c.campaignId();
        Lease l = q.leaseNext(USB, "a", "d", LEASE, T0).orElseThrow();
        assertEquals(CampaignState.PAUSED, store.campaigns().pause(id, T0).state());
        assertEquals(CampaignState.PAUSED, store.campaigns().pause(id, T0).state(), "idempotent");
        assertTrue(q.leaseNext(USB, "a", "d2", LEASE, T0).isEmpty(), "paused campaign hands out nothing");
        assertFalse(q.hasWork(USB));
        // a failure while paused requeues as held
        assertEquals(Failure.REQUEUED, q.fail(l.jobId(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "x", T0));
        assertTrue(q.leaseNext(USB, "a", "d2", LEASE, T0).isEmpty());
        assertEquals(CampaignState.RUNNING, store.campaigns().resume(id, T0).state());
        Lease l2 = q.leaseNext(USB, "a", "d2", LEASE, T0).orElseThrow();
        assertEquals(l.jobId(), l2.jobId());

        assertEquals(CampaignState.CANCELLED, store.campaigns().cancel(id, T0 + 1).state());
        CampaignStore.Status st = store.campaigns().status(id, T0 + 2, Duration.ofMinutes(1));
        assertEquals(3, st.count(JobState.CANCELLED));
        assertEquals(1, st.count(JobState.LEASED));
        assertTrue(q.leaseNext(USB, "a", "d3", LEASE, T0).isEmpty());
        assertEquals(StoreException.Kind.CONFLICT,
                assertThrows(StoreException.class, () -> store.campaigns().resume(id, T0)).kind());
        // the leased job of a cancelled campaign may still finish
        assertEquals(Completion.ACCEPTED, q.complete(l2.jobId(), l2.leaseToken(), "a", "d2", stats(1), null, null, T0 + 3));
        assertEquals(CampaignState.CANCELLED, store.campaigns().get(id).state());
        assertEquals(1, store.profiles().count());
    }

    @Test
    void failureInCancelledCampaignCancelsTheJob() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        Lease l = q.leaseNext(USB, "a", "d", LEASE, T0).orElseThrow();
        store.campaigns().cancel(c.campaignId(), T0);
        assertEquals(Failure.CANCELLED, q.fail(l.jobId(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "x", T0));
    }

    @Test
    void segmentsAndAgents() {
        byte[] bytes = "a tflite model, honest".getBytes(StandardCharsets.UTF_8);
        String key = SegmentStore.keyOf(bytes);
        long m1 = store.models().add("m1", "zoo:m1", 10, T0);
        long m2 = store.models().add("m2", "file:/x.tflite", 12, T0);
        assertTrue(store.segments().put(key, bytes, m1, 0, 3, "{\"macs\":1}", T0));
        assertFalse(store.segments().put(key, bytes, m2, 4, 7, null, T0), "stored once");
        assertTrue(store.segments().has(key));
        assertArrayEquals(bytes, store.segments().blob(key).orElseThrow());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(bytes.length, store.segments().copyBlob(key, out));
        assertArrayEquals(bytes, out.toByteArray());
        assertEquals(-1, store.segments().copyBlob("0".repeat(64), out));
        SegmentStore.Segment s = store.segments().info(key).orElseThrow();
        assertEquals(m1, s.modelId());
        assertEquals("{\"macs\":1}", s.featuresJson());
        assertEquals(1, store.segments().rangesOf(m2).size());
        assertEquals(4, store.segments().rangesOf(m2).get(0).firstOp());

        store.agents().register("host1", "pekko://pipefarm@h:2552", versions(), List.of(
                new AgentStore.Device("usb:0", USB, "edgetpu", versions(), java.util.Map.of("path", "/dev/x")),
                new AgentStore.Device("cpu0", CPU, "tflite-cpu", versions(), java.util.Map.of())), T0);
        assertTrue(store.agents().touch("host1", T0 + 5));
        assertFalse(store.agents().touch("ghost", T0 + 5));
        store.agents().setState("host1", AgentStore.AgentState.LEFT);
        AgentStore.Agent a = store.agents().get("host1").orElseThrow();
        assertEquals(AgentStore.AgentState.LEFT, a.state());
        assertEquals(2, a.devices().size());
        assertEquals(List.of(CPU, USB), store.agents().deviceKinds());
    }

    @Test
    void leaseQueryUsesTheQueueIndex() {
        String plan = store.database().tx(tx -> {
            try (ResultSet rs = tx.conn.createStatement().executeQuery("EXPLAIN SELECT j.id FROM jobs j JOIN campaigns c "
                    + "ON c.id = j.campaign_id WHERE j.device_kind = 'x' AND j.state = 'queued' AND j.held = FALSE "
                    + "AND c.state = 'running' ORDER BY j.state, j.device_kind, j.held, j.id LIMIT 8")) {
                rs.next();
                return rs.getString(1);
            }
        });
        System.out.println(plan);
        assertTrue(plan.contains("JOBS_QUEUE"), plan);
        assertTrue(plan.contains("index sorted"), plan);
    }
}
