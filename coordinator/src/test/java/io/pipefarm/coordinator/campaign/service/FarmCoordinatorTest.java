package io.pipefarm.coordinator.campaign.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.coordinator.store.AgentStore;
import io.pipefarm.coordinator.store.CampaignState;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue.JobInfo;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.proto.cluster.QueueChanged;
import io.pipefarm.proto.cluster.ToAgent;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.AgentHeartbeat;
import io.pipefarm.proto.farm.AgentRegistered;
import io.pipefarm.proto.farm.Device;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.Job;
import io.pipefarm.proto.farm.JobError;
import io.pipefarm.proto.farm.JobResult;
import io.pipefarm.proto.farm.LeaseRef;
import io.pipefarm.proto.farm.NoWork;
import io.pipefarm.proto.farm.ProfileSpec;
import io.pipefarm.proto.farm.ProfileStats;
import io.pipefarm.proto.farm.RegisterAgent;
import io.pipefarm.proto.farm.RequestWork;
import io.pipefarm.proto.farm.ResultAck;
import io.pipefarm.proto.farm.WorkReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator actor on its own: probes stand in for the agents' device workers, a store on a
 * temporary H2 file holds the queue, and the clock only moves when a test moves it. Ticks come from
 * the tests (the actor's own tick timer is set to an hour that never passes).
 */
class FarmCoordinatorTest {

    static final long T0 = 1_700_000_000_000L;
    static final String USB = "sim-edgetpu-usb";
    static final String BLOBS = "http://coordinator.test:8080/blobs";
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration SILENCE = Duration.ofMinutes(1);
    /** Segments up to this many bytes travel inside the job. */
    static final int INLINE = 64;

    static final FarmCoordinator.Settings SETTINGS =
            new FarmCoordinator.Settings(LEASE, Duration.ofHours(1), Duration.ofSeconds(2), SILENCE, BLOBS, INLINE);
    static final ProfileSpec SPEC =
            ProfileSpec.newBuilder().setWarmupRuns(2).setTimedRuns(5).build();
    /** Generous: replies normally arrive within milliseconds, but the machine is shared. */
    static final Duration WAIT = Duration.ofSeconds(15);

    static final String HOST_A = "pekko://pipefarm@10.0.0.1:2552";
    static final String HOST_B = "pekko://pipefarm@10.0.0.2:2552";

    /** A cluster provider (the coordinator subscribes to member events) that joins nothing. */
    static final Config CONFIG = ConfigFactory.parseString("""
            pekko.remote.artery.canonical.hostname = "127.0.0.1"
            pekko.remote.artery.canonical.port = 0
            pekko.actor.serialize-messages = on
            pekko.loglevel = WARNING
            """)
            .withFallback(ConfigFactory.parseResources("pipefarm-cluster.conf"))
            .withFallback(ActorTestKit.applicationTestConfig())
            .resolve();

    static ActorTestKit testKit;
    static ActorRefResolver resolver;

    @TempDir
    Path dir;

    FarmStore store;
    final AtomicLong now = new AtomicLong(T0);
    ActorRef<FarmCoordinator.Command> actor;

    /** A wire message, as the singleton proxy delivers it. */
    void send(ToCoordinator msg) {
        actor.tell(new FarmCoordinator.Wire(msg));
    }

    long modelId;

    @BeforeAll
    static void startTestKit() {
        testKit = ActorTestKit.create("coordinator-test", CONFIG);
        resolver = ActorRefResolver.get(testKit.system());
    }

    @AfterAll
    static void stopTestKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void start() {
        store = FarmStore.openDir(dir);
        modelId = store.models().add("m", "zoo:m", 3, T0);
        actor = testKit.spawn(FarmCoordinator.behavior(store, SETTINGS, id -> SPEC, now::get));
    }

    @AfterEach
    void stop() {
        testKit.stop(actor, WAIT);
        store.close();
    }

    // --- the agents' side, as messages ---

    /** A campaign of one job per segment (given by its bytes as text) on {@link #USB}; returns its job ids in order. */
    private List<Long> campaign(String name, String... segments) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < segments.length; i++) {
            keys.add(store.segments().put(segments[i].getBytes(StandardCharsets.UTF_8), modelId, i, i + 1, null, T0));
        }
        long id = store.campaigns()
                .create(name, "{}", keys, List.of(USB), false, 3, now.get())
                .campaignId();
        return store.jobs().jobsOf(id).stream().map(JobInfo::id).toList();
    }

    private static String path(TestProbe<ToAgent> probe) {
        return resolver.toSerializationFormat(probe.getRef());
    }

    private AgentRegistered register(String agentId, String address, TestProbe<ToAgent> replyTo) {
        send(ToCoordinator.newBuilder()
                .setRegister(RegisterAgent.newBuilder()
                        .setAgentId(agentId)
                        .setAddress(address)
                        .setReplyTo(path(replyTo))
                        .putVersions("pipefarm", "0.1.0")
                        .addDevices(Device.newBuilder().setId("d0").setKind(USB).setRuntime("sim-edgetpu"))
                        .addDevices(Device.newBuilder().setId("d1").setKind(USB).setRuntime("sim-edgetpu")))
                .build());
        ToAgent reply = replyTo.expectMessageClass(ToAgent.class, WAIT);
        assertEquals(ToAgent.MsgCase.REGISTERED, reply.getMsgCase(), reply.toString());
        return reply.getRegistered();
    }

    /** A registered agent's device, with the probe that stands in for its worker. */
    private TestProbe<ToAgent> device(String agentId, String address) {
        TestProbe<ToAgent> probe = testKit.createTestProbe(ToAgent.class);
        assertTrue(register(agentId, address, probe).getAccepted());
        return probe;
    }

    private void requestWork(String agentId, String deviceId, TestProbe<ToAgent> replyTo) {
        send(ToCoordinator.newBuilder()
                .setRequestWork(RequestWork.newBuilder()
                        .setAgentId(agentId)
                        .setDeviceId(deviceId)
                        .setDeviceKind(USB)
                        .setReplyTo(path(replyTo)))
                .build());
    }

    private static WorkReply expectWork(TestProbe<ToAgent> probe) {
        ToAgent reply = probe.expectMessageClass(ToAgent.class, WAIT);
        assertEquals(ToAgent.MsgCase.WORK, reply.getMsgCase(), reply.toString());
        return reply.getWork();
    }

    private static Job expectJob(TestProbe<ToAgent> probe) {
        WorkReply work = expectWork(probe);
        assertTrue(work.hasJob(), "expected a job, got " + work);
        return work.getJob();
    }

    private static ResultAck expectAck(TestProbe<ToAgent> probe) {
        ToAgent reply = probe.expectMessageClass(ToAgent.class, WAIT);
        assertEquals(ToAgent.MsgCase.ACK, reply.getMsgCase(), reply.toString());
        return reply.getAck();
    }

    private static JobResult measured(Job job, String agentId, double meanNs, TestProbe<ToAgent> replyTo) {
        return JobResult.newBuilder()
                .setJobId(job.getJobId())
                .setLeaseToken(job.getLeaseToken())
                .setAttempt(job.getAttempt())
                .setAgentId(agentId)
                .setDeviceId(job.getDeviceId())
                .setDeviceKind(job.getDeviceKind())
                .setStats(ProfileStats.newBuilder()
                        .setN(5)
                        .setMeanNs(meanNs)
                        .setMedianNs(meanNs)
                        .setP90Ns(meanNs)
                        .setP99Ns(meanNs)
                        .setStdevNs(0)
                        .setMinNs(meanNs))
                .putVersions("simulator", "pipefarm-edgetpu-sim-1")
                .setReplyTo(path(replyTo))
                .build();
    }

    private void send(JobResult result) {
        send(ToCoordinator.newBuilder().setResult(result).build());
    }

    private void tick() {
        actor.tell(FarmCoordinator.Tick.INSTANCE);
    }

    private void queueChanged(String reason) {
        send(ToCoordinator.newBuilder()
                .setQueueChanged(QueueChanged.newBuilder().setReason(reason))
                .build());
    }

    /**
     * Returns once the coordinator has handled everything sent before: an unregistered agent's
     * request is answered at once, and a reply the actor sent earlier to another probe is already
     * in that probe's queue by then.
     */
    private void barrier() {
        TestProbe<ToAgent> ghost = testKit.createTestProbe(ToAgent.class);
        send(ToCoordinator.newBuilder()
                .setRequestWork(RequestWork.newBuilder()
                        .setAgentId("ghost")
                        .setDeviceId("d0")
                        .setDeviceKind(USB)
                        .setReplyTo(path(ghost)))
                .build());
        assertTrue(expectWork(ghost).hasNoWork());
    }

    /** Moves the clock once the actor has handled everything sent so far (it reads the clock as it goes). */
    private void clockAt(long epochMs) {
        barrier();
        now.set(epochMs);
    }

    private JobInfo job(long id) {
        return store.jobs().job(id).orElseThrow();
    }

    // --- tests ---

    @Test
    void registrationIsAcknowledgedWithHeartbeatIntervalAndBlobUrl() {
        TestProbe<ToAgent> probe = testKit.createTestProbe(ToAgent.class);
        AgentRegistered ack = register("a1", HOST_A, probe);
        assertEquals(
                AgentRegistered.newBuilder()
                        .setAgentId("a1")
                        .setAccepted(true)
                        .setHeartbeatIntervalMs(2000)
                        .setBlobBaseUrl(BLOBS)
                        .build(),
                ack);
        AgentStore.Agent stored = store.agents().get("a1").orElseThrow();
        assertEquals(HOST_A, stored.address());
        assertEquals(2, stored.devices().size());
        assertEquals(T0, stored.lastSeenMs());
    }

    @Test
    void unregisteredAgentGetsNoWork() {
        campaign("c", "segment 0");
        TestProbe<ToAgent> probe = testKit.createTestProbe(ToAgent.class);
        requestWork("stranger", "d0", probe);
        assertEquals(
                WorkReply.newBuilder()
                        .setAgentId("stranger")
                        .setDeviceId("d0")
                        .setNoWork(NoWork.newBuilder()
                                .setRetryAfterMs(1000)
                                .setReason("agent stranger is not registered with this coordinator"))
                        .build(),
                expectWork(probe));
    }

    @Test
    void requestForWorkLeasesTheOldestJob() {
        List<Long> jobs = campaign("c", "segment 0", "segment 1");
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        requestWork("a1", "d0", d0);
        Job job = expectJob(d0);
        String key = job(jobs.get(0)).segmentKey();
        assertEquals(jobs.get(0), job.getJobId());
        assertEquals(1, job.getAttempt());
        assertEquals(key, job.getSegmentKey());
        assertEquals(BLOBS + "/" + key, job.getBlobUrl());
        assertEquals(9, job.getBlobSize());
        assertEquals("segment 0", job.getBlob().toStringUtf8(), "9 bytes are under the inline limit");
        assertEquals(SPEC, job.getSpec());
        assertEquals(T0 + 30_000, job.getLeaseDeadlineEpochMs());
        assertEquals("d0", job.getDeviceId());
        assertEquals(USB, job.getDeviceKind());

        barrier(); // the lease is written when the mailbox drains
        JobInfo leased = job(jobs.get(0));
        assertEquals(JobState.LEASED, leased.state());
        assertEquals("a1", leased.leaseAgent());
        assertEquals("d0", leased.leaseDevice());
        assertEquals(job.getLeaseToken(), leased.leaseToken());
        assertEquals(T0 + 30_000, leased.leaseDeadlineMs());
        assertEquals(1, leased.attempts());
        assertEquals(JobState.QUEUED, job(jobs.get(1)).state());
    }

    @Test
    void segmentOverTheInlineLimitIsFetchedByUrl() {
        String big = "x".repeat(INLINE + 1);
        campaign("c", big);
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        requestWork("a1", "d0", d0);
        Job job = expectJob(d0);
        assertEquals(INLINE + 1, job.getBlobSize());
        assertTrue(job.getBlob().isEmpty());
        assertEquals(BLOBS + "/" + job.getSegmentKey(), job.getBlobUrl());
    }

    @Test
    void resultIsStoredWithItsJobAndAcknowledged() {
        List<Long> jobs = campaign("c", "segment 0");
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        requestWork("a1", "d0", d0);
        Job job = expectJob(d0);
        send(measured(job, "a1", 1234.0, d0));
        assertEquals(
                ResultAck.newBuilder()
                        .setJobId(job.getJobId())
                        .setStatus(ResultAck.Status.STATUS_ACCEPTED)
                        .build(),
                expectAck(d0));
        assertEquals(JobState.DONE, job(jobs.get(0)).state());
        ProfileStore.Profile p =
                store.profiles().latest(job.getSegmentKey(), USB).orElseThrow();
        assertEquals(job.getJobId(), p.jobId());
        assertEquals(1234.0, p.stats().meanNs());
        assertEquals("a1", p.agentId());
        assertEquals("d0", p.deviceId());
        assertEquals(
                CampaignState.DONE, store.campaigns().get(job.getCampaignId()).state(), "its only job is done");
    }

    @Test
    void duplicateResultIsAcknowledgedAsAlreadyDoneAndChangesNothing() {
        campaign("c", "segment 0");
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        requestWork("a1", "d0", d0);
        Job job = expectJob(d0);
        send(measured(job, "a1", 1000.0, d0));
        assertEquals(ResultAck.Status.STATUS_ACCEPTED, expectAck(d0).getStatus());
        // the agent did not see the ack in time and sends the result again
        send(measured(job, "a1", 2000.0, d0));
        ResultAck again = expectAck(d0);
        assertEquals(job.getJobId(), again.getJobId());
        assertEquals(ResultAck.Status.STATUS_ALREADY_DONE, again.getStatus());
        assertEquals(1, store.profiles().count());
        assertEquals(
                1000.0,
                store.profiles()
                        .latest(job.getSegmentKey(), USB)
                        .orElseThrow()
                        .stats()
                        .meanNs());
    }

    @Test
    void requestWithoutWorkIsParkedUntilWorkArrives() {
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        requestWork("a1", "d0", d0);
        barrier();
        d0.expectNoMessage(Duration.ofMillis(100));
        List<Long> jobs = campaign("c", "segment 0");
        queueChanged("campaign created");
        Job job = expectJob(d0);
        assertEquals(jobs.get(0), job.getJobId());
    }

    @Test
    void expiredLeaseGoesToTheNextDeviceThatAsks() {
        List<Long> jobs = campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        TestProbe<ToAgent> a2 = device("a2", HOST_B);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        requestWork("a2", "d0", a2); // nothing else queued: parked
        clockAt(T0 + 30_001); // past the deadline of T0 + 30 s, within the agents' allowed silence
        tick();
        Job second = expectJob(a2);
        assertEquals(first.getJobId(), second.getJobId());
        assertEquals(1, second.getAttempt(), "a lease lost to a fault costs the job no attempt");
        assertEquals(T0 + 30_001 + 30_000, second.getLeaseDeadlineEpochMs());
        assertNotEquals(first.getLeaseToken(), second.getLeaseToken(), "a new lease, a new token");
        barrier();
        JobInfo j = job(jobs.get(0));
        assertEquals("a2", j.leaseAgent());
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, j.lastErrorKind());
        assertEquals("lease expired: agent a1 device d0 sent no result in time", j.lastErrorMessage());
        assertEquals(1, j.lostLeases());
    }

    @Test
    void lateResultOfAnExpiredLeaseCountsOnceAndTheCurrentOneIsADuplicate() {
        campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        TestProbe<ToAgent> a2 = device("a2", HOST_B);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        requestWork("a2", "d0", a2);
        clockAt(T0 + 30_001);
        tick();
        Job second = expectJob(a2);
        send(measured(first, "a1", 1000.0, a1));
        assertEquals(ResultAck.Status.STATUS_ACCEPTED, expectAck(a1).getStatus(), "a measurement is a measurement");
        send(measured(second, "a2", 2000.0, a2));
        assertEquals(ResultAck.Status.STATUS_ALREADY_DONE, expectAck(a2).getStatus());
        assertEquals(1, store.profiles().count());
        assertEquals(
                "a1",
                store.profiles()
                        .latest(first.getSegmentKey(), USB)
                        .orElseThrow()
                        .agentId());
    }

    @Test
    void memberRemovedReleasesTheLeasesOfItsAgents() {
        List<Long> jobs = campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        TestProbe<ToAgent> a2 = device("a2", HOST_B);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        requestWork("a2", "d0", a2);
        actor.tell(new FarmCoordinator.MemberGone(HOST_A));
        Job second = expectJob(a2);
        assertEquals(first.getJobId(), second.getJobId());
        assertEquals(1, second.getAttempt(), "a lease lost to a fault costs the job no attempt");
        assertEquals(T0 + 30_000, second.getLeaseDeadlineEpochMs(), "no time passed");
        assertEquals(
                AgentStore.AgentState.DOWN,
                store.agents().get("a1").orElseThrow().state());
        barrier();
        assertEquals("agent a1 left while running the job", job(jobs.get(0)).lastErrorMessage());
        // a1 is forgotten: it must register again before it gets work
        requestWork("a1", "d1", a1);
        assertTrue(expectWork(a1).hasNoWork());
    }

    /** Leases longer than the allowed silence, so that silence alone releases an agent. */
    private void restartWithLongLeases() {
        testKit.stop(actor, WAIT);
        actor = testKit.spawn(FarmCoordinator.behavior(
                store,
                new FarmCoordinator.Settings(
                        Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofSeconds(2), SILENCE, BLOBS, INLINE),
                id -> SPEC,
                now::get));
    }

    private void heartbeat(String agentId) {
        send(ToCoordinator.newBuilder()
                .setHeartbeat(AgentHeartbeat.newBuilder().setAgentId(agentId))
                .build());
    }

    @Test
    void silentAgentIsReleasedOnTick() {
        restartWithLongLeases();
        campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        clockAt(T0 + 59_000);
        TestProbe<ToAgent> a2 = device("a2", HOST_B);
        requestWork("a2", "d0", a2);
        clockAt(T0 + 60_001); // a1 last seen at T0: silent for longer than a minute; its lease runs to T0 + 10 min
        tick();
        Job second = expectJob(a2);
        assertEquals(first.getJobId(), second.getJobId());
        assertEquals(1, second.getAttempt(), "a lease lost to a fault costs the job no attempt");
        assertEquals(T0 + 60_001 + 600_000, second.getLeaseDeadlineEpochMs());
        assertEquals(
                AgentStore.AgentState.DOWN,
                store.agents().get("a1").orElseThrow().state());
    }

    @Test
    void heartbeatKeepsAnAgentAndItsLeases() {
        restartWithLongLeases();
        List<Long> jobs = campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        clockAt(T0 + 59_000);
        TestProbe<ToAgent> a2 = device("a2", HOST_B);
        requestWork("a2", "d0", a2);
        heartbeat("a1");
        clockAt(T0 + 60_001);
        tick();
        barrier();
        a2.expectNoMessage(Duration.ofMillis(100));
        JobInfo j = job(jobs.get(0));
        assertEquals(JobState.LEASED, j.state());
        assertEquals(first.getLeaseToken(), j.leaseToken());
        assertEquals(T0 + 59_000, store.agents().get("a1").orElseThrow().lastSeenMs());
    }

    @Test
    void aRequestSentTwiceGetsTheSameJobNotASecondLease() {
        List<Long> jobs = campaign("c", "segment 0", "segment 1");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        RequestWork req = RequestWork.newBuilder()
                .setAgentId("a1")
                .setDeviceId("d0")
                .setDeviceKind(USB)
                .setReplyTo(path(a1))
                .setRequestId(5)
                .build();
        send(ToCoordinator.newBuilder().setRequestWork(req).build());
        Job first = expectJob(a1);
        send(ToCoordinator.newBuilder().setRequestWork(req).build());
        Job again = expectJob(a1);
        assertEquals(first, again, "the same job and lease");
        barrier();
        assertEquals(JobState.QUEUED, job(jobs.get(1)).state(), "the other job was not leased");
        // the device's next request gets the next job
        send(ToCoordinator.newBuilder()
                .setRequestWork(req.toBuilder().setRequestId(6))
                .build());
        assertEquals(jobs.get(1), expectJob(a1).getJobId());
    }

    @Test
    void aHeartbeatNamingALeaseExtendsItFromNow() {
        List<Long> jobs = campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        assertEquals(T0 + 30_000, first.getLeaseDeadlineEpochMs());
        clockAt(T0 + 20_000);
        send(ToCoordinator.newBuilder()
                .setHeartbeat(AgentHeartbeat.newBuilder()
                        .setAgentId("a1")
                        .addRunning(
                                LeaseRef.newBuilder().setJobId(first.getJobId()).setLeaseToken(first.getLeaseToken()))
                        // a stale token extends nothing
                        .addRunning(LeaseRef.newBuilder()
                                .setJobId(first.getJobId())
                                .setLeaseToken(first.getLeaseToken() ^ 1)))
                .build());
        barrier();
        assertEquals(T0 + 20_000 + 30_000, job(jobs.get(0)).leaseDeadlineMs());
        clockAt(T0 + 45_000); // past the first deadline, within the extended one
        tick();
        barrier();
        assertEquals(JobState.LEASED, job(jobs.get(0)).state());
        assertEquals(0, job(jobs.get(0)).lostLeases());
    }

    @Test
    void anAgentTheCoordinatorDoesNotKnowIsToldToRegisterAgain() {
        TestProbe<ToAgent> agent = testKit.createTestProbe(ToAgent.class);
        send(ToCoordinator.newBuilder()
                .setHeartbeat(AgentHeartbeat.newBuilder().setAgentId("stranger").setReplyTo(path(agent)))
                .build());
        ToAgent reply = agent.expectMessageClass(ToAgent.class, WAIT);
        assertEquals(ToAgent.MsgCase.REGISTERED, reply.getMsgCase(), reply.toString());
        assertFalse(reply.getRegistered().getAccepted());
        assertTrue(reply.getRegistered().getMessage().contains("register again"), reply.toString());
    }

    @Test
    void failedAttemptGoesBackToTheQueue() {
        List<Long> jobs = campaign("c", "segment 0");
        TestProbe<ToAgent> a1 = device("a1", HOST_A);
        TestProbe<ToAgent> a2 = device("a2", HOST_B);
        requestWork("a1", "d0", a1);
        Job first = expectJob(a1);
        requestWork("a2", "d0", a2);
        send(JobResult.newBuilder()
                .setJobId(first.getJobId())
                .setLeaseToken(first.getLeaseToken())
                .setAttempt(1)
                .setAgentId("a1")
                .setDeviceId("d0")
                .setDeviceKind(USB)
                .setReplyTo(path(a1))
                .setError(
                        JobError.newBuilder().setKind(ErrorKind.ERROR_KIND_LOAD).setMessage("delegate failed"))
                .build());
        assertEquals(
                ResultAck.newBuilder()
                        .setJobId(first.getJobId())
                        .setStatus(ResultAck.Status.STATUS_FAILURE_RECORDED)
                        .setMessage("REQUEUED")
                        .build(),
                expectAck(a1));
        Job second = expectJob(a2);
        assertEquals(first.getJobId(), second.getJobId());
        assertEquals(2, second.getAttempt(), "a failed run costs an attempt");
        assertEquals(ErrorKind.ERROR_KIND_LOAD, job(jobs.get(0)).lastErrorKind());
    }

    @Test
    void pausedCampaignHandsOutNothingUntilResumed() {
        List<Long> jobs = campaign("c", "segment 0", "segment 1", "segment 2");
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        TestProbe<ToAgent> d1 = testKit.createTestProbe(ToAgent.class);
        requestWork("a1", "d0", d0);
        assertEquals(jobs.get(0), expectJob(d0).getJobId()); // and the other two are read ahead
        // Its lease is written when the mailbox drains; a pause before that would hold job 1 too
        // and hand it out again after the resume.
        barrier();
        long campaignId = job(jobs.get(0)).campaignId();
        store.campaigns().pause(campaignId, now.get());
        queueChanged("campaign paused");
        requestWork("a1", "d1", d1);
        barrier();
        d1.expectNoMessage(Duration.ofMillis(100));
        assertEquals(JobState.QUEUED, job(jobs.get(1)).state());
        assertEquals(0, job(jobs.get(1)).attempts());

        store.campaigns().resume(campaignId, now.get());
        queueChanged("campaign resumed");
        Job job = expectJob(d1);
        assertEquals(jobs.get(1), job.getJobId());
        assertEquals(1, job.getAttempt());
    }

    @Test
    void cancelledCampaignHandsOutNothingButItsLeasedJobMayFinish() {
        List<Long> jobs = campaign("c", "segment 0", "segment 1");
        TestProbe<ToAgent> d0 = device("a1", HOST_A);
        TestProbe<ToAgent> d1 = testKit.createTestProbe(ToAgent.class);
        requestWork("a1", "d0", d0);
        Job leased = expectJob(d0);
        barrier(); // its lease is in the store before the cancel
        store.campaigns().cancel(leased.getCampaignId(), now.get());
        queueChanged("campaign cancelled");
        requestWork("a1", "d1", d1);
        barrier();
        d1.expectNoMessage(Duration.ofMillis(100));
        assertEquals(JobState.CANCELLED, job(jobs.get(1)).state());

        send(measured(leased, "a1", 500.0, d0));
        assertEquals(ResultAck.Status.STATUS_ACCEPTED, expectAck(d0).getStatus());
        assertEquals(JobState.DONE, job(jobs.get(0)).state());
        assertEquals(1, store.profiles().count());
    }
}
