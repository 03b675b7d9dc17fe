package io.pipefarm.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.blob.BlobCache;
import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.agent.device.FixedLatencyRuntime;
import io.pipefarm.agent.device.RunOutcome;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.agent.profile.ProfileStatistics;
import io.pipefarm.model.segment.Segment;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.ModelRef;
import io.pipefarm.proto.cluster.ToAgent;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.AgentHeartbeat;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.Job;
import io.pipefarm.proto.farm.JobResult;
import io.pipefarm.proto.farm.LeaseRef;
import io.pipefarm.proto.farm.NoWork;
import io.pipefarm.proto.farm.ProfileSpec;
import io.pipefarm.proto.farm.ProfileStats;
import io.pipefarm.proto.farm.RequestWork;
import io.pipefarm.proto.farm.ResultAck;
import io.pipefarm.proto.farm.WorkReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
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
 * One device worker on its own: a probe stands in for the coordinator, replies go to the reply-to
 * ref the worker puts in its messages, and the worker's timers run on manual time.
 */
class DeviceWorkerTest {

    static final String KIND = "bench-fixed";
    /** Every fixed-runtime job reports this latency as each of its samples. */
    static final Duration LATENCY = Duration.ofMillis(2);

    static final ProfileSpec SPEC =
            ProfileSpec.newBuilder().setWarmupRuns(1).setTimedRuns(5).build();
    /** Generous: the job runs on a real thread of a shared machine. */
    static final Duration WAIT = Duration.ofSeconds(15);
    /** The worker's resend interval for unacknowledged results. */
    static final Duration RESEND = Duration.ofSeconds(3);

    static ActorTestKit testKit;
    static ManualTime manualTime;
    static ActorRefResolver resolver;
    static ExecutorService blocking;

    @TempDir
    Path dir;

    TestProbe<ToCoordinator> coordinator;
    ActorRef<DeviceWorker.Command> worker;

    @BeforeAll
    static void startTestKit() {
        testKit = ActorTestKit.create(
                "worker-test",
                ManualTime.config()
                        .withFallback(ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.loglevel = WARNING
                """))
                        .withFallback(ActorTestKit.applicationTestConfig()));
        manualTime = ManualTime.get(testKit.system());
        resolver = ActorRefResolver.get(testKit.system());
        blocking = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stopTestKit() {
        testKit.shutdownTestKit();
        blocking.shutdownNow();
    }

    @BeforeEach
    void probe() {
        coordinator = testKit.createTestProbe(ToCoordinator.class);
    }

    @AfterEach
    void stopWorker() {
        if (worker != null) testKit.stop(worker, WAIT);
    }

    private void start(DeviceRuntime runtime) {
        DeviceInfo device = runtime.discover().get(0);
        worker = testKit.spawn(DeviceWorker.create(
                "a1", device, runtime, new BlobCache(dir.resolve("blobs")), coordinator.getRef(), blocking));
    }

    private void startFixed() {
        start(new FixedLatencyRuntime(KIND, 1, LATENCY));
    }

    private ToCoordinator expect(ToCoordinator.MsgCase kind) {
        ToCoordinator msg = coordinator.expectMessageClass(ToCoordinator.class, WAIT);
        assertEquals(kind, msg.getMsgCase(), msg.toString());
        return msg;
    }

    private RequestWork expectRequest() {
        return expect(ToCoordinator.MsgCase.REQUEST_WORK).getRequestWork();
    }

    private JobResult expectResult() {
        return expect(ToCoordinator.MsgCase.RESULT).getResult();
    }

    /** Answers the worker the way the coordinator does: to the reply-to path in its message. */
    private static void reply(String replyTo, ToAgent msg) {
        resolver.<ToAgent>resolveActorRef(replyTo).tell(msg);
    }

    /**
     * Lets {@code d} pass and checks that the worker sent nothing meanwhile: a kick queued behind
     * the timer messages that fired makes it ask for work, so a request must come first.
     */
    private void timePassesInSilence(Duration d) {
        manualTime.timePasses(d);
        worker.tell(DeviceWorker.Kick.INSTANCE);
        expectRequest();
    }

    /**
     * Gives the worker real time to finish the message it is handling: a timer it sets there is due
     * relative to the manual clock at the moment it sets it, so time must not pass before that.
     */
    private void settle() {
        coordinator.expectNoMessage(Duration.ofMillis(300));
    }

    private static ToAgent work(RequestWork req, Job job) {
        return ToAgent.newBuilder()
                .setWork(WorkReply.newBuilder()
                        .setAgentId(req.getAgentId())
                        .setDeviceId(req.getDeviceId())
                        .setRequestId(req.getRequestId())
                        .setJob(job))
                .build();
    }

    private static ToAgent ack(long jobId, ResultAck.Status status) {
        return ToAgent.newBuilder()
                .setAck(ResultAck.newBuilder().setJobId(jobId).setStatus(status))
                .build();
    }

    /** A job whose segment travels inline (any bytes do for the fixed runtime). */
    private static Job job(long id, RequestWork req) {
        byte[] bytes = ("segment " + id).getBytes(StandardCharsets.UTF_8);
        return Job.newBuilder()
                .setJobId(id)
                .setLeaseToken(1000 + id)
                .setAttempt(1)
                .setCampaignId(7)
                .setSegmentKey(BlobCache.sha256(bytes))
                .setBlob(ByteString.copyFrom(bytes))
                .setBlobSize(bytes.length)
                .setSpec(SPEC)
                .setDeviceId(req.getDeviceId())
                .setDeviceKind(req.getDeviceKind())
                .build();
    }

    @Test
    void kickAsksForWorkForItsDevice() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        assertEquals("a1", req.getAgentId());
        assertEquals("fixed0", req.getDeviceId());
        assertEquals(KIND, req.getDeviceKind());
        assertFalse(req.getReplyTo().isEmpty());
    }

    @Test
    void jobIsRunAndItsMeasurementReported() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        assertEquals(1, req.getRequestId());
        reply(req.getReplyTo(), work(req, job(1, req)));
        // the next job is asked for while this one runs, so the device never waits between jobs
        assertEquals(req.toBuilder().setRequestId(2).build(), expectRequest());
        JobResult r = expectResult();
        assertEquals(1, r.getJobId());
        assertEquals(1001, r.getLeaseToken());
        assertEquals(1, r.getAttempt());
        assertEquals("a1", r.getAgentId());
        assertEquals("fixed0", r.getDeviceId());
        assertEquals(KIND, r.getDeviceKind());
        assertEquals(req.getReplyTo(), r.getReplyTo());
        // five timed runs of exactly 2 ms each
        assertEquals(
                ProfileStats.newBuilder()
                        .setN(5)
                        .setMeanNs(2e6)
                        .setMedianNs(2e6)
                        .setP90Ns(2e6)
                        .setP99Ns(2e6)
                        .setStdevNs(0)
                        .setMinNs(2e6)
                        .build(),
                r.getStats());
        assertEquals(Map.of("fixed", "1"), r.getVersionsMap());
        assertTrue(r.getStartedAtEpochMs() <= r.getFinishedAtEpochMs());
        assertFalse(r.hasSamples(), "the spec does not ask to keep samples");
    }

    @Test
    void unacknowledgedResultIsSentAgainUntilAcknowledged() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        reply(req.getReplyTo(), work(req, job(1, req)));
        expectRequest();
        JobResult r = expectResult();
        manualTime.timePasses(RESEND);
        assertEquals(r, expectResult());
        reply(req.getReplyTo(), ack(1, ResultAck.Status.STATUS_ACCEPTED));
        timePassesInSilence(RESEND.multipliedBy(2));
    }

    @Test
    void alreadyDoneAckAlsoEndsTheResending() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        reply(req.getReplyTo(), work(req, job(1, req)));
        expectRequest();
        expectResult();
        // another device's result for this job was stored first
        reply(req.getReplyTo(), ack(1, ResultAck.Status.STATUS_ALREADY_DONE));
        timePassesInSilence(RESEND.multipliedBy(2));
    }

    @Test
    void noWorkIsAskedAgainAfterTheRetryDelay() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        reply(
                req.getReplyTo(),
                ToAgent.newBuilder()
                        .setWork(WorkReply.newBuilder()
                                .setAgentId("a1")
                                .setDeviceId("fixed0")
                                .setRequestId(req.getRequestId())
                                .setNoWork(NoWork.newBuilder()
                                        .setRetryAfterMs(1000)
                                        .setReason("not registered")))
                        .build());
        settle();
        manualTime.timePasses(Duration.ofMillis(900));
        coordinator.expectNoMessage(Duration.ofMillis(200));
        manualTime.timePasses(Duration.ofMillis(100));
        // the answered request is done with: a new one
        assertEquals(req.toBuilder().setRequestId(req.getRequestId() + 1).build(), expectRequest());
    }

    @Test
    void unansweredRequestIsSentAgain() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        // e.g. the coordinator moved while the request was parked there
        settle(); // the timer is set just after the request is sent
        manualTime.timePasses(Duration.ofSeconds(9));
        coordinator.expectNoMessage(Duration.ofMillis(200));
        manualTime.timePasses(Duration.ofSeconds(1));
        assertEquals(req, expectRequest(), "the unanswered request again, with its id");
    }

    @Test
    void aKickWhileARequestIsUnansweredAsksAgainWithTheSameId() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        // e.g. the agent was told twice that it is registered
        worker.tell(DeviceWorker.Kick.INSTANCE);
        assertEquals(req, expectRequest(), "the same request, so the coordinator grants one job for both");
        reply(req.getReplyTo(), work(req, job(1, req)));
        reply(req.getReplyTo(), work(req, job(1, req))); // its answer to the repeat: the same job
        assertEquals(req.getRequestId() + 1, expectRequest().getRequestId());
        assertEquals(1, expectResult().getJobId());
        reply(req.getReplyTo(), ack(1, ResultAck.Status.STATUS_ACCEPTED));
        settle();
        timePassesInSilence(RESEND.multipliedBy(2)); // job 1 ran once: no second result
    }

    /** Holds every job until released, so that a test decides when a job finishes. */
    private static final class GatedRuntime implements DeviceRuntime {
        private final DeviceRuntime inner = new FixedLatencyRuntime(KIND, 1, LATENCY);
        private final CountDownLatch gate = new CountDownLatch(1);

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public List<DeviceInfo> discover() {
            return inner.discover();
        }

        @Override
        public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
            try {
                if (!gate.await(WAIT.toSeconds(), TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return inner.profile(device, segmentKey, segment, spec);
        }
    }

    @Test
    void oneJobWaitsWhileOneRunsAndAnUnaskedForJobIsNotRun() {
        GatedRuntime runtime = new GatedRuntime();
        start(runtime);
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        reply(req.getReplyTo(), work(req, job(1, req)));
        RequestWork second = expectRequest(); // asked for the next one while job 1 runs
        reply(req.getReplyTo(), work(second, job(2, second))); // waits its turn; nothing is asked for now
        // an answer to the first request again (it was answered already): not run
        reply(req.getReplyTo(), work(req, job(3, req)));
        runtime.gate.countDown();
        assertEquals(1, expectResult().getJobId());
        expectRequest(); // job 2 starts and the next one is asked for
        assertEquals(2, expectResult().getJobId());
        reply(req.getReplyTo(), ack(1, ResultAck.Status.STATUS_ACCEPTED));
        reply(req.getReplyTo(), ack(2, ResultAck.Status.STATUS_ACCEPTED));
        timePassesInSilence(RESEND.multipliedBy(2)); // and job 3 never ran
    }

    @Test
    void theRunningJobAndTheOneWaitingKeepTheirLeases() {
        GatedRuntime runtime = new GatedRuntime();
        start(runtime);
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        // a 4 s lease: the worker names it again every 2 s (half the lease) while it holds the job
        long deadline = System.currentTimeMillis() + 4_000;
        reply(
                req.getReplyTo(),
                work(
                        req,
                        job(1, req).toBuilder()
                                .setLeaseDeadlineEpochMs(deadline)
                                .build()));
        RequestWork second = expectRequest();
        reply(req.getReplyTo(), work(second, job(2, second)));
        settle();
        manualTime.timePasses(Duration.ofSeconds(2));
        AgentHeartbeat h = expect(ToCoordinator.MsgCase.HEARTBEAT).getHeartbeat();
        assertEquals("a1", h.getAgentId());
        assertEquals(
                List.of(1L, 2L),
                h.getRunningList().stream().map(LeaseRef::getJobId).toList());
        assertEquals(
                List.of(1001L, 1002L),
                h.getRunningList().stream().map(LeaseRef::getLeaseToken).toList());
        assertTrue(h.getReplyTo().isEmpty(), "a device's lease-keeping message asks for no re-registration");
        runtime.gate.countDown();
        assertEquals(1, expectResult().getJobId());
        expectRequest();
        assertEquals(2, expectResult().getJobId());
        reply(req.getReplyTo(), ack(1, ResultAck.Status.STATUS_ACCEPTED));
        reply(req.getReplyTo(), ack(2, ResultAck.Status.STATUS_ACCEPTED));
        settle();
        timePassesInSilence(RESEND.multipliedBy(2)); // idle: no lease to keep, nothing to resend
    }

    @Test
    void inlineSegmentThatDoesNotMatchItsKeyFailsAsBadInput() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        Job tampered = job(1, req).toBuilder()
                .setBlob(ByteString.copyFromUtf8("other bytes"))
                .build();
        reply(req.getReplyTo(), work(req, tampered));
        expectRequest();
        JobResult r = expectResult();
        assertTrue(r.hasError(), r.toString());
        assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, r.getError().getKind());
        assertTrue(
                r.getError().getMessage().startsWith("inline blob for " + tampered.getSegmentKey() + " has SHA-256 "),
                r.getError().getMessage());
    }

    @Test
    void unreachableBlobServerFailsAsUnavailable() {
        startFixed();
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        // port 1 on loopback: nothing listens, the connection is refused at once
        Job remote = job(1, req).toBuilder()
                .clearBlob()
                .setBlobUrl("http://127.0.0.1:1/blobs/x")
                .build();
        reply(req.getReplyTo(), work(req, remote));
        expectRequest();
        JobResult r = expectResult();
        assertEquals(ErrorKind.ERROR_KIND_UNAVAILABLE, r.getError().getKind(), r.toString());
    }

    @Test
    void simulatedEdgeTpuProfilesARealSegment() {
        start(new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb"), 0.0));
        Segment seg = new Segmenter().segment(ModelRef.resolve("fc:64,256,3"), 0, 2);
        worker.tell(DeviceWorker.Kick.INSTANCE);
        RequestWork req = expectRequest();
        assertEquals("sim-edgetpu-usb", req.getDeviceKind());
        Job job = Job.newBuilder()
                .setJobId(1)
                .setLeaseToken(5)
                .setAttempt(1)
                .setSegmentKey(seg.key())
                .setBlob(ByteString.copyFrom(seg.bytes()))
                .setSpec(SPEC.toBuilder().setKeepSamples(true))
                .setDeviceId(req.getDeviceId())
                .setDeviceKind(req.getDeviceKind())
                .build();
        reply(req.getReplyTo(), work(req, job));
        expectRequest();
        JobResult r = expectResult();
        // the simulator is seeded: a fresh device with the same history gives the same samples
        SimulatedEdgeTpuRuntime twin = new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb"), 0.0);
        RunOutcome outcome = twin.profile(twin.discover().get(0), seg.key(), seg.bytes(), job.getSpec());
        long[] expected = ((RunOutcome.Measured) outcome).samplesNs();
        assertEquals(5, expected.length);
        assertEquals(ProfileStatistics.of(expected), r.getStats());
        assertEquals(
                List.of(expected[0], expected[1], expected[2], expected[3], expected[4]),
                r.getSamples().getLatencyNsList());
        assertEquals(Map.of("simulator", "pipefarm-edgetpu-sim-1"), r.getVersionsMap());
    }
}
