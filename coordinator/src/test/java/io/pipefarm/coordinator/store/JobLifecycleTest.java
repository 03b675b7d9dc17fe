package io.pipefarm.coordinator.store;

import static io.pipefarm.coordinator.store.StoreFixture.T0;
import static io.pipefarm.coordinator.store.StoreFixture.grant;
import static io.pipefarm.coordinator.store.StoreFixture.stats;
import static io.pipefarm.coordinator.store.StoreFixture.versions;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.coordinator.store.CampaignStore.Created;
import io.pipefarm.coordinator.store.JobQueue.Candidate;
import io.pipefarm.coordinator.store.JobQueue.Completion;
import io.pipefarm.coordinator.store.JobQueue.Failure;
import io.pipefarm.coordinator.store.JobQueue.JobInfo;
import io.pipefarm.coordinator.store.JobQueue.LeaseGrant;
import io.pipefarm.proto.farm.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /** Leases the oldest queued job of {@code kind} as the coordinator does; fails when none is queued. */
    private JobInfo lease(String kind, String agent, String device, long nowMs) {
        return StoreFixture.lease(q, kind, agent, device, LEASE, nowMs)
                .orElseThrow(() -> new AssertionError("no queued job of kind " + kind));
    }

    private static List<Long> ids(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::jobId).toList();
    }

    @Test
    void fullLifecycle() {
        List<String> keys = StoreFixture.segments(store, "mobilenet", 3);
        Created c = store.campaigns().create("c1", "{\"warmup\":5}", keys, List.of(USB, CPU), false, 3, T0);
        assertEquals(6, c.jobsEnqueued());
        assertEquals(CampaignState.RUNNING, c.state());
        assertEquals("{\"warmup\":5}", store.campaigns().spec(c.campaignId()));

        // read ahead: oldest first, per kind, nothing leased yet; "mobilenet/segment/i" is 19 bytes
        List<Candidate> usb = q.queued(USB, 256, 19);
        assertEquals(keys, usb.stream().map(Candidate::segmentKey).toList());
        for (Candidate k : usb) {
            assertEquals(c.campaignId(), k.campaignId());
            assertEquals(0, k.attempts());
            assertEquals(19, k.blobSize());
        }
        assertArrayEquals(
                "mobilenet/segment/0".getBytes(StandardCharsets.UTF_8),
                usb.get(0).blob(),
                "a segment up to the inline limit comes with its bytes");
        assertNull(q.queued(USB, 1, 18).get(0).blob(), "a larger one without");
        assertEquals(ids(usb.subList(0, 2)), ids(q.queued(USB, 2)));
        assertEquals(ids(usb), ids(q.queued(USB, 256)), "reading leases nothing");

        // two devices ask; the grants are decided in memory and written in one batch
        LeaseGrant g1 = grant(usb.get(0), "a1", "usb:0", LEASE, T0 + 10);
        LeaseGrant g2 = grant(usb.get(1), "a1", "usb:1", LEASE, T0 + 10);
        assertArrayEquals(new boolean[] {true, true}, q.leaseAll(List.of(g1, g2), T0 + 10));
        JobInfo l1 = q.job(g1.job().jobId()).orElseThrow();
        assertEquals(JobState.LEASED, l1.state());
        assertEquals("a1", l1.leaseAgent());
        assertEquals("usb:0", l1.leaseDevice());
        assertEquals(g1.leaseToken(), l1.leaseToken());
        assertEquals(T0 + 10 + 30_000, l1.leaseDeadlineMs());
        assertEquals(1, l1.attempts());
        JobInfo l2 = q.job(g2.job().jobId()).orElseThrow();
        assertEquals("usb:1", l2.leaseDevice());
        assertEquals(g2.leaseToken(), l2.leaseToken());
        assertEquals(List.of(usb.get(2).jobId()), ids(q.queued(USB, 256)), "leased jobs are not read again");
        assertEquals(3, q.queued(CPU, 256).size(), "other kinds are untouched");

        long[] samples = {100, 101, 99};
        assertEquals(
                Completion.ACCEPTED,
                q.complete(l1.id(), l1.leaseToken(), "a1", "usb:0", stats(1000), samples, versions(), T0 + 20));
        CampaignStore.Status st = store.campaigns().status(c.campaignId(), T0 + 1000, Duration.ofMinutes(1));
        assertEquals(1, st.count(JobState.DONE));
        assertEquals(1, st.count(JobState.LEASED));
        assertEquals(4, st.count(JobState.QUEUED));
        assertEquals(6, st.total());
        assertTrue(st.doneRatePerSec() > 0);
        assertTrue(st.etaSeconds() > 0);

        ProfileStore.Profile p = store.profiles().latest(keys.get(0), USB).orElseThrow();
        assertEquals(l1.id(), p.jobId());
        assertEquals(1000, p.stats().meanNs());
        assertEquals("a1", p.agentId());
        assertEquals("usb:0", p.deviceId());
        assertEquals(versions(), p.versions());
        assertTrue(p.hasSamples());
        assertArrayEquals(samples, store.profiles().samples(p.id()).orElseThrow());

        // drain the rest
        assertEquals(
                Completion.ACCEPTED,
                q.complete(l2.id(), l2.leaseToken(), "a1", "usb:1", stats(2000), null, versions(), T0 + 30));
        for (String kind : List.of(USB, CPU)) {
            Optional<JobInfo> l;
            while ((l = StoreFixture.lease(q, kind, "a2", "d0", LEASE, T0 + 40)).isPresent()) {
                q.complete(l.get().id(), l.get().leaseToken(), "a2", "d0", stats(3000), null, versions(), T0 + 50);
            }
        }
        st = store.campaigns().status(c.campaignId(), T0 + 60, Duration.ofMinutes(1));
        assertEquals(6, st.count(JobState.DONE));
        assertEquals(0, st.open());
        assertEquals(CampaignState.DONE, st.campaign().state());
        assertEquals(0, st.etaSeconds());
        assertTrue(q.queued(USB, 256).isEmpty());

        // profile queries
        assertEquals(6, store.profiles().list(ProfileStore.Query.all()).size());
        assertEquals(
                3, store.profiles().list(ProfileStore.Query.all().kind(CPU)).size());
        long modelId = store.models().byName("mobilenet").orElseThrow().id();
        assertEquals(
                6,
                store.profiles().list(ProfileStore.Query.all().model(modelId)).size());
        assertEquals(
                2,
                store.profiles()
                        .list(ProfileStore.Query.all().segment(keys.get(2)))
                        .size());
        assertEquals(
                0,
                store.profiles()
                        .list(ProfileStore.Query.all().model(modelId + 99))
                        .size());
    }

    @Test
    void twoLeasersThatReadTheSameJobsNeverBothTakeOne() {
        List<String> keys = StoreFixture.segments(store, "m", 3);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        // e.g. two coordinators on one database during a fail-over: both read the same three jobs
        List<Candidate> readByA = q.queued(USB, 256);
        List<Candidate> readByB = q.queued(USB, 256);
        assertEquals(ids(readByA), ids(readByB));
        assertArrayEquals(new boolean[] {true}, q.leaseAll(List.of(grant(readByB.get(1), "b", "d", LEASE, T0)), T0));
        List<LeaseGrant> byA =
                readByA.stream().map(k -> grant(k, "a", "d", LEASE, T0)).toList();
        assertArrayEquals(new boolean[] {true, false, true}, q.leaseAll(byA, T0 + 1), "the middle job is b's");
        assertEquals("a", q.job(readByA.get(0).jobId()).orElseThrow().leaseAgent());
        JobInfo middle = q.job(readByA.get(1).jobId()).orElseThrow();
        assertEquals("b", middle.leaseAgent());
        assertEquals(1, middle.attempts(), "a grant that did not take counts no attempt");
        assertEquals("a", q.job(readByA.get(2).jobId()).orElseThrow().leaseAgent());
        assertTrue(q.queued(USB, 256).isEmpty());
        // a's result for the job it lost is still a measurement, stored once; b's is then a duplicate
        assertEquals(
                Completion.ACCEPTED_STALE,
                q.complete(middle.id(), byA.get(1).leaseToken(), "a", "d", stats(4), null, null, T0 + 2));
        assertEquals(
                Completion.ALREADY_DONE,
                q.complete(middle.id(), middle.leaseToken(), "b", "d", stats(5), null, null, T0 + 3));
        assertEquals(1, store.profiles().count());
    }

    @Test
    void aGrantReadBeforeTheJobWasLeasedAndRequeuedDoesNotTake() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        Candidate stale = q.queued(USB, 1).get(0);
        JobInfo first = lease(USB, "a", "d1", T0);
        assertEquals(1, q.expireLeases(T0 + LEASE.toMillis() + 1).requeued());
        assertEquals(ids(List.of(stale)), ids(q.queued(USB, 1)), "queued again");
        // read at attempt 0 with no lost lease; the lost lease gave its attempt back, but it is counted
        assertArrayEquals(
                new boolean[] {false}, q.leaseAll(List.of(grant(stale, "b", "d2", LEASE, T0 + 40_000)), T0 + 40_000));
        JobInfo j = q.job(first.id()).orElseThrow();
        assertEquals(JobState.QUEUED, j.state());
        assertEquals(0, j.attempts());
        assertEquals(1, j.lostLeases());
        assertEquals(1, lease(USB, "b", "d2", T0 + 40_000).attempts());
    }

    @Test
    void dedupRules() {
        List<String> keys = StoreFixture.segments(store, "m", 4);
        Created a = store.campaigns().create("a", null, keys.subList(0, 2), List.of(USB), false, 3, T0);
        assertEquals(2, a.jobsEnqueued());
        // finish job for keys[0]
        JobInfo l = lease(USB, "x", "d", T0);
        q.complete(l.id(), l.leaseToken(), "x", "d", stats(5), null, null, T0);

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
        StoreException e = assertThrows(
                StoreException.class,
                () -> store.campaigns().create("x", null, List.of(unknown), List.of(USB), false, 3, T0));
        assertEquals(StoreException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("store its blob first"));
        assertEquals(
                StoreException.Kind.BAD_INPUT,
                assertThrows(
                                StoreException.class,
                                () -> store.campaigns().create("x", null, keys, List.of("Bad Kind"), false, 3, T0))
                        .kind());
        assertEquals(
                StoreException.Kind.BAD_INPUT,
                assertThrows(
                                StoreException.class,
                                () -> store.campaigns().create("x", null, List.of(), List.of(USB), false, 3, T0))
                        .kind());
        assertEquals(
                StoreException.Kind.NOT_FOUND,
                assertThrows(StoreException.class, () -> q.complete(12345, 1, "a", "d", stats(1), null, null, T0))
                        .kind());
        assertEquals(
                StoreException.Kind.NOT_FOUND,
                assertThrows(StoreException.class, () -> store.campaigns().pause(999, T0))
                        .kind());
        // a result for a job whose lease was lost (coordinator crashed before flushing it) still counts
        Created c = store.campaigns().create("x", null, keys, List.of(USB), false, 3, T0);
        long jobId = q.jobsOf(c.campaignId()).get(0).id();
        assertEquals(Completion.ACCEPTED_STALE, q.complete(jobId, 1, "a", "d", stats(1), null, null, T0));
        assertEquals(CampaignState.DONE, store.campaigns().get(c.campaignId()).state());
        // a segment whose bytes do not match its key
        assertEquals(
                StoreException.Kind.BAD_INPUT,
                assertThrows(
                                StoreException.class,
                                () -> store.segments().put(unknown, new byte[] {1}, null, 0, 1, null, T0))
                        .kind());
    }

    @Test
    void idempotentCompletion() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        JobInfo l = lease(USB, "a", "d", T0);
        assertEquals(Completion.ACCEPTED, q.complete(l.id(), l.leaseToken(), "a", "d", stats(10), null, null, T0 + 1));
        assertEquals(
                Completion.ALREADY_DONE, q.complete(l.id(), l.leaseToken(), "a", "d", stats(99), null, null, T0 + 2));
        assertEquals(Completion.ALREADY_DONE, q.complete(l.id(), 42, "b", "e", stats(99), null, null, T0 + 3));
        assertEquals(1, store.profiles().count());
        assertEquals(
                10,
                store.profiles().latest(keys.get(0), USB).orElseThrow().stats().meanNs());
        assertEquals(Failure.ALREADY_DONE, q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "late", T0 + 4));
        assertEquals(JobState.DONE, q.job(l.id()).orElseThrow().state());
    }

    @Test
    void staleResultAcceptedOnceAfterReLease() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        JobInfo first = lease(USB, "a", "d1", T0);
        // lease expires and the job is re-leased elsewhere
        assertEquals(1, q.expireLeases(T0 + LEASE.toMillis() + 1).requeued());
        JobInfo second = lease(USB, "b", "d2", T0 + 40_000);
        assertEquals(first.id(), second.id());
        assertEquals(1, second.attempts(), "the lost lease cost no attempt");
        assertEquals(1, second.lostLeases());
        // the late result of the first lease arrives first: accepted (a measurement is a measurement)
        assertEquals(
                Completion.ACCEPTED_STALE,
                q.complete(first.id(), first.leaseToken(), "a", "d1", stats(7), null, null, T0 + 41_000));
        // the second lease's result is then a duplicate
        assertEquals(
                Completion.ALREADY_DONE,
                q.complete(second.id(), second.leaseToken(), "b", "d2", stats(8), null, null, T0 + 42_000));
        assertEquals(1, store.profiles().count());
        assertEquals(
                "a", store.profiles().latest(keys.get(0), USB).orElseThrow().agentId());
        // a stale failure is ignored
        assertEquals(
                Failure.ALREADY_DONE, q.fail(second.id(), second.leaseToken(), ErrorKind.ERROR_KIND_CRASH, "x", T0));
    }

    @Test
    void leaseExpiryRequeues() {
        List<String> keys = StoreFixture.segments(store, "m", 2);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        JobInfo l = lease(USB, "a", "d", T0);
        assertEquals(T0 + 30_000, l.leaseDeadlineMs());
        assertEquals(0, q.expireLeases(T0 + 30_000).total(), "due at the deadline, not yet past it");
        // heartbeat extends the lease
        assertTrue(q.extendLease(l.id(), l.leaseToken(), T0 + 60_000));
        assertEquals(0, q.expireLeases(T0 + 59_999).total());
        assertEquals(1, q.expireLeases(T0 + 60_001).requeued());
        JobInfo j = q.job(l.id()).orElseThrow();
        assertEquals(JobState.QUEUED, j.state());
        assertEquals(0, j.attempts(), "an expired lease is not a failed attempt");
        assertEquals(1, j.lostLeases());
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, j.lastErrorKind());
        assertEquals("lease expired: agent a device d sent no result in time", j.lastErrorMessage());
        assertFalse(q.extendLease(l.id(), l.leaseToken(), T0 + 120_000), "expired lease cannot be extended");
        // the requeued job is the oldest again, on what counts as its first attempt
        JobInfo again = lease(USB, "b", "d", T0 + 70_000);
        assertEquals(l.id(), again.id());
        assertEquals(1, again.attempts());
        assertEquals(
                CampaignState.RUNNING, store.campaigns().get(c.campaignId()).state());
    }

    @Test
    void releaseAgentRequeuesItsLeases() {
        List<String> keys = StoreFixture.segments(store, "m", 3);
        store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        JobInfo a0 = lease(USB, "a", "d0", T0);
        JobInfo a1 = lease(USB, "a", "d1", T0);
        JobInfo other = lease(USB, "b", "d0", T0);
        assertFalse(q.hasWork(USB));
        JobQueue.Requeued r = q.releaseAgent("a", T0 + 5);
        assertEquals(2, r.requeued());
        assertEquals(0, r.failed());
        assertEquals(JobState.LEASED, q.job(other.id()).orElseThrow().state());
        assertEquals(List.of(a0.id(), a1.id()), ids(q.queued(USB, 256)));
        assertEquals(
                "agent a left while running the job",
                q.job(a0.id()).orElseThrow().lastErrorMessage());
        assertEquals(0, q.releaseAgent("a", T0 + 6).total(), "nothing left to release");
        assertTrue(q.hasWork(USB));
        assertEquals(Set.of(USB), q.kindsWithWork());
    }

    @Test
    void boundedAttemptsEndInFailedWithLastError() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        JobInfo l = lease(USB, "a", "d", T0);
        assertEquals(
                Failure.REQUEUED, q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_LOAD, "delegate failed", T0 + 1));
        assertEquals(
                Failure.IGNORED,
                q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_LOAD, "dup", T0 + 1),
                "stale token");
        l = lease(USB, "a", "d", T0 + 2);
        assertEquals(2, l.attempts());
        // a lost lease in between costs no attempt
        assertEquals(1, q.expireLeases(T0 + 2 + LEASE.toMillis() + 1).requeued());
        l = lease(USB, "a", "d", T0 + 40_000);
        assertEquals(2, l.attempts());
        assertEquals(
                Failure.REQUEUED,
                q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "invoke failed", T0 + 40_001));
        l = lease(USB, "a", "d", T0 + 40_002);
        assertEquals(3, l.attempts());
        assertEquals(
                Failure.FAILED,
                q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_CRASH, "runner exited with 139", T0 + 41_000));
        JobInfo j = q.job(l.id()).orElseThrow();
        assertEquals(JobState.FAILED, j.state());
        assertEquals(3, j.attempts());
        assertEquals(ErrorKind.ERROR_KIND_CRASH, j.lastErrorKind());
        assertEquals("runner exited with 139", j.lastErrorMessage());
        assertTrue(q.queued(USB, 256).isEmpty());
        // no open jobs left: the campaign is done (with a failed job)
        CampaignStore.Status st = store.campaigns().status(c.campaignId(), T0 + 43_000, Duration.ofMinutes(1));
        assertEquals(CampaignState.DONE, st.campaign().state());
        assertEquals(1, st.count(JobState.FAILED));
        // a late result for the failed job is still a measurement: accepted once
        assertEquals(
                Completion.ACCEPTED_STALE,
                q.complete(l.id(), l.leaseToken(), "a", "d", stats(3), null, null, T0 + 44_000));
        assertEquals(
                Completion.ALREADY_DONE,
                q.complete(l.id(), l.leaseToken(), "a", "d", stats(3), null, null, T0 + 44_001));
    }

    @Test
    void aJobThatKeepsLosingItsLeasesFailsAfterTheLimit() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        store.campaigns().create("c", null, keys, List.of(USB), false, 1, T0);
        long now = T0;
        for (int lost = 1; lost < JobQueue.MAX_LOST_LEASES; lost++) {
            JobInfo l = lease(USB, "a", "d", now);
            assertEquals(1, l.attempts(), "lost leases cost no attempt, even with max_attempts 1");
            now += LEASE.toMillis() + 1;
            assertEquals(1, q.expireLeases(now).requeued(), "lost lease " + lost);
        }
        JobInfo l = lease(USB, "a", "d", now);
        JobQueue.Requeued r = q.releaseAgent("a", now + 1);
        assertEquals(1, r.failed());
        assertEquals(0, r.requeued());
        JobInfo j = q.job(l.id()).orElseThrow();
        assertEquals(JobState.FAILED, j.state());
        assertEquals(JobQueue.MAX_LOST_LEASES, j.lostLeases());
        assertEquals("agent a left while running the job", j.lastErrorMessage());
        assertTrue(q.queued(USB, 256).isEmpty());
    }

    @Test
    void pauseResumeCancel() {
        List<String> keys = StoreFixture.segments(store, "m", 4);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        long id = c.campaignId();
        JobInfo l = lease(USB, "a", "d", T0);
        List<Candidate> readAhead = q.queued(USB, 256);
        assertEquals(3, readAhead.size());
        assertEquals(CampaignState.PAUSED, store.campaigns().pause(id, T0).state());
        assertEquals(CampaignState.PAUSED, store.campaigns().pause(id, T0).state(), "idempotent");
        assertTrue(q.queued(USB, 256).isEmpty(), "paused campaign hands out nothing");
        assertArrayEquals(
                new boolean[] {false},
                q.leaseAll(List.of(grant(readAhead.get(0), "a", "d2", LEASE, T0)), T0),
                "a job read before the pause is held: its grant does not take");
        assertEquals(
                JobState.QUEUED, q.job(readAhead.get(0).jobId()).orElseThrow().state());
        assertFalse(q.hasWork(USB));
        // a failure while paused requeues as held
        assertEquals(Failure.REQUEUED, q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "x", T0));
        assertTrue(q.queued(USB, 256).isEmpty());
        assertEquals(CampaignState.RUNNING, store.campaigns().resume(id, T0).state());
        assertEquals(4, q.queued(USB, 256).size());
        JobInfo l2 = lease(USB, "a", "d2", T0);
        assertEquals(l.id(), l2.id());
        assertEquals(2, l2.attempts());

        List<Candidate> beforeCancel = q.queued(USB, 256);
        assertEquals(3, beforeCancel.size());
        assertEquals(
                CampaignState.CANCELLED, store.campaigns().cancel(id, T0 + 1).state());
        CampaignStore.Status st = store.campaigns().status(id, T0 + 2, Duration.ofMinutes(1));
        assertEquals(3, st.count(JobState.CANCELLED));
        assertEquals(1, st.count(JobState.LEASED));
        assertTrue(q.queued(USB, 256).isEmpty(), "cancelled campaign hands out nothing");
        assertArrayEquals(
                new boolean[] {false},
                q.leaseAll(List.of(grant(beforeCancel.get(0), "a", "d3", LEASE, T0 + 3)), T0 + 3),
                "a job read before the cancel is closed: its grant does not take");
        assertEquals(
                JobState.CANCELLED,
                q.job(beforeCancel.get(0).jobId()).orElseThrow().state());
        assertEquals(
                StoreException.Kind.CONFLICT,
                assertThrows(StoreException.class, () -> store.campaigns().resume(id, T0))
                        .kind());
        // the leased job of a cancelled campaign may still finish
        assertEquals(
                Completion.ACCEPTED, q.complete(l2.id(), l2.leaseToken(), "a", "d2", stats(1), null, null, T0 + 3));
        assertEquals(CampaignState.CANCELLED, store.campaigns().get(id).state());
        assertEquals(1, store.profiles().count());
    }

    @Test
    void failureInCancelledCampaignCancelsTheJob() {
        List<String> keys = StoreFixture.segments(store, "m", 1);
        Created c = store.campaigns().create("c", null, keys, List.of(USB), false, 3, T0);
        JobInfo l = lease(USB, "a", "d", T0);
        store.campaigns().cancel(c.campaignId(), T0);
        assertEquals(Failure.CANCELLED, q.fail(l.id(), l.leaseToken(), ErrorKind.ERROR_KIND_RUN, "x", T0));
        assertEquals(JobState.CANCELLED, q.job(l.id()).orElseThrow().state());
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

        store.agents()
                .register(
                        "host1",
                        "pekko://pipefarm@h:2552",
                        versions(),
                        List.of(
                                new AgentStore.Device("usb:0", USB, "edgetpu", versions(), Map.of("path", "/dev/x")),
                                new AgentStore.Device("cpu0", CPU, "tflite-cpu", versions(), Map.of())),
                        T0);
        assertTrue(store.agents().touch("host1", T0 + 5));
        assertFalse(store.agents().touch("ghost", T0 + 5));
        store.agents().setState("host1", AgentStore.AgentState.LEFT);
        AgentStore.Agent a = store.agents().get("host1").orElseThrow();
        assertEquals(AgentStore.AgentState.LEFT, a.state());
        assertEquals(2, a.devices().size());
        assertEquals(List.of(CPU, USB), store.agents().deviceKinds());
    }

    @Test
    void queuedQueryUsesTheQueueIndex() {
        String plan = store.database().tx(tx -> {
            PreparedStatement ps = tx.conn.prepareStatement("EXPLAIN " + JobQueue.SELECT_QUEUED);
            ps.setLong(1, 256 * 1024);
            ps.setString(2, "x");
            ps.setInt(3, 256);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        });
        System.out.println(plan);
        assertTrue(plan.contains("JOBS_QUEUE"), plan);
        assertTrue(plan.contains("index sorted"), plan);
    }
}
