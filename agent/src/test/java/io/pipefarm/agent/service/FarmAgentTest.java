package io.pipefarm.agent.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.blob.BlobCache;
import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.agent.device.FixedLatencyRuntime;
import io.pipefarm.agent.device.RunOutcome;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.proto.cluster.ToAgent;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.AgentHeartbeat;
import io.pipefarm.proto.farm.AgentRegistered;
import io.pipefarm.proto.farm.Device;
import io.pipefarm.proto.farm.Job;
import io.pipefarm.proto.farm.JobResult;
import io.pipefarm.proto.farm.ProfileSpec;
import io.pipefarm.proto.farm.RegisterAgent;
import io.pipefarm.proto.farm.RequestWork;
import io.pipefarm.proto.farm.ResultAck;
import io.pipefarm.proto.farm.WorkReply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent actor on its own: a probe stands in for the coordinator (through the agent's
 * singleton proxy in production), and the agent's timers run on manual time. The agent reads its
 * cluster address, so the test kit runs a cluster provider that joins nothing.
 */
class FarmAgentTest {

    static final ProfileSpec SPEC = ProfileSpec.newBuilder().setTimedRuns(3).build();
    /** Generous: jobs run on real threads of a shared machine. */
    static final Duration WAIT = Duration.ofSeconds(15);
    /** The agent's registration retry interval. */
    static final Duration REGISTER_RETRY = Duration.ofSeconds(3);

    static ActorTestKit testKit;
    static ManualTime manualTime;
    static ActorRefResolver resolver;
    static ExecutorService blocking;

    @TempDir
    Path dir;

    TestProbe<ToCoordinator> coordinator;
    ActorRef<FarmAgent.Command> agent;

    @BeforeAll
    static void startTestKit() {
        testKit = ActorTestKit.create(
                "agent-test",
                ManualTime.config()
                        .withFallback(ConfigFactory.parseString("""
                pekko.remote.artery.canonical.hostname = "127.0.0.1"
                pekko.remote.artery.canonical.port = 0
                pekko.actor.serialize-messages = on
                pekko.loglevel = WARNING
                """))
                        .withFallback(ConfigFactory.parseResources("pipefarm-cluster.conf"))
                        .withFallback(ActorTestKit.applicationTestConfig())
                        .resolve());
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
    void stopAgent() {
        if (agent != null) testKit.stop(agent, WAIT);
    }

    private void start(List<DeviceRuntime> runtimes) {
        agent = testKit.spawn(FarmAgent.create(
                "host-1", runtimes, new BlobCache(dir.resolve("blobs")), coordinator.getRef(), blocking));
    }

    private ToCoordinator expect(ToCoordinator.MsgCase kind) {
        ToCoordinator msg = coordinator.expectMessageClass(ToCoordinator.class, WAIT);
        assertEquals(kind, msg.getMsgCase(), msg.toString());
        return msg;
    }

    private RegisterAgent expectRegister() {
        return expect(ToCoordinator.MsgCase.REGISTER).getRegister();
    }

    private RequestWork expectRequest() {
        return expect(ToCoordinator.MsgCase.REQUEST_WORK).getRequestWork();
    }

    private static void reply(String replyTo, ToAgent msg) {
        resolver.<ToAgent>resolveActorRef(replyTo).tell(msg);
    }

    private static ToAgent registered(boolean accepted, long heartbeatMs, String message) {
        return ToAgent.newBuilder()
                .setRegistered(AgentRegistered.newBuilder()
                        .setAgentId("host-1")
                        .setAccepted(accepted)
                        .setMessage(message)
                        .setHeartbeatIntervalMs(heartbeatMs)
                        .setBlobBaseUrl("http://coordinator.test/blobs"))
                .build();
    }

    /** Device ids of the next {@code n} work requests (the workers ask in no fixed order). */
    private Set<String> requestsFrom(int n) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < n; i++) ids.add(expectRequest().getDeviceId());
        return ids;
    }

    @Test
    void registersItsDevicesOnStart() {
        start(List.of(
                new FixedLatencyRuntime("bench-fixed", 2, Duration.ZERO),
                new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb"), 0.0)));
        RegisterAgent r = expectRegister();
        assertEquals("host-1", r.getAgentId());
        assertEquals(Cluster.get(testKit.system()).selfMember().address().toString(), r.getAddress());
        Device fixed = Device.newBuilder()
                .setKind("bench-fixed")
                .setRuntime("fixed")
                .putVersions("fixed", "1")
                .putProperties("latency_ns", "0")
                .build();
        assertEquals(
                List.of(
                        fixed.toBuilder().setId("fixed0").build(),
                        fixed.toBuilder().setId("fixed1").build(),
                        Device.newBuilder()
                                .setId("sim0")
                                .setKind("sim-edgetpu-usb")
                                .setRuntime("sim-edgetpu")
                                .putVersions("simulator", "pipefarm-edgetpu-sim-1")
                                .putProperties("simulated", "true")
                                .putProperties("link", "usb3")
                                .build()),
                r.getDevicesList());
        assertEquals("0.1.0", r.getVersionsMap().get("pipefarm"));
        assertFalse(r.getReplyTo().isEmpty());
    }

    /** A runtime whose device discovery fails (e.g. a driver that is not installed). */
    private static final class BrokenRuntime implements DeviceRuntime {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public List<DeviceInfo> discover() {
            throw new IllegalStateException("libedgetpu.so.1 not found");
        }

        @Override
        public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
            throw new AssertionError("has no devices to run on");
        }
    }

    @Test
    void runtimeThatCannotDiscoverIsLeftOut() {
        start(List.of(new BrokenRuntime(), new FixedLatencyRuntime("bench-fixed", 1, Duration.ZERO)));
        RegisterAgent r = expectRegister();
        assertEquals(
                List.of("fixed0"),
                r.getDevicesList().stream().map(Device::getId).toList());
    }

    @Test
    void registrationIsSentAgainUntilAcknowledged() {
        start(List.of(new FixedLatencyRuntime("bench-fixed", 1, Duration.ZERO)));
        RegisterAgent first = expectRegister();
        // the retry timer is set just after the registration is sent: let the agent get there
        coordinator.expectNoMessage(Duration.ofMillis(300));
        manualTime.timePasses(REGISTER_RETRY);
        RegisterAgent again = expectRegister();
        assertEquals(
                first.toBuilder().clearSentAtEpochMs().build(),
                again.toBuilder().clearSentAtEpochMs().build());
    }

    @Test
    void acceptedRegistrationStartsOneWorkerPerDevice() {
        start(List.of(
                new FixedLatencyRuntime("bench-fixed", 2, Duration.ZERO),
                new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb"), 0.0)));
        RegisterAgent r = expectRegister();
        reply(r.getReplyTo(), registered(true, 60_000, ""));
        assertEquals(Set.of("fixed0", "fixed1", "sim0"), requestsFrom(3));
        // acknowledged: no more registrations
        manualTime.timePasses(REGISTER_RETRY.multipliedBy(2));
        coordinator.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void heartbeatComesAtTheIntervalTheCoordinatorAsksFor() {
        start(List.of(new FixedLatencyRuntime("bench-fixed", 1, Duration.ZERO)));
        RegisterAgent r = expectRegister();
        reply(r.getReplyTo(), registered(true, 2_000, ""));
        expectRequest();
        manualTime.timePasses(Duration.ofMillis(1_900));
        coordinator.expectNoMessage(Duration.ofMillis(200));
        manualTime.timePasses(Duration.ofMillis(100));
        AgentHeartbeat hb = expect(ToCoordinator.MsgCase.HEARTBEAT).getHeartbeat();
        assertEquals("host-1", hb.getAgentId());
    }

    @Test
    void jobFromTheCoordinatorIsRunAndAcknowledged() {
        start(List.of(new FixedLatencyRuntime("bench-fixed", 1, Duration.ofMillis(1))));
        RegisterAgent r = expectRegister();
        reply(r.getReplyTo(), registered(true, 60_000, ""));
        RequestWork req = expectRequest();
        byte[] bytes = "segment".getBytes(StandardCharsets.UTF_8);
        Job job = Job.newBuilder()
                .setJobId(42)
                .setLeaseToken(7)
                .setAttempt(1)
                .setSegmentKey(BlobCache.sha256(bytes))
                .setBlob(ByteString.copyFrom(bytes))
                .setSpec(SPEC)
                .setDeviceId("fixed0")
                .setDeviceKind("bench-fixed")
                .build();
        reply(
                req.getReplyTo(),
                ToAgent.newBuilder()
                        .setWork(WorkReply.newBuilder()
                                .setAgentId("host-1")
                                .setDeviceId("fixed0")
                                .setRequestId(req.getRequestId())
                                .setJob(job))
                        .build());
        // the next job is asked for with the next request id
        assertEquals(req.toBuilder().setRequestId(req.getRequestId() + 1).build(), expectRequest());
        JobResult result = expect(ToCoordinator.MsgCase.RESULT).getResult();
        assertEquals(42, result.getJobId());
        assertEquals(7, result.getLeaseToken());
        assertEquals(3, result.getStats().getN());
        assertEquals(1e6, result.getStats().getMeanNs());
        reply(
                result.getReplyTo(),
                ToAgent.newBuilder()
                        .setAck(ResultAck.newBuilder().setJobId(42).setStatus(ResultAck.Status.STATUS_ACCEPTED))
                        .build());
        // acknowledged: not sent again when the resend interval passes
        manualTime.timePasses(Duration.ofSeconds(4));
        coordinator.expectNoMessage(Duration.ofMillis(200));
    }

    @Test
    void coordinatorThatDoesNotKnowTheAgentGetsItRegisteredAgain() {
        start(List.of(new FixedLatencyRuntime("bench-fixed", 1, Duration.ZERO)));
        RegisterAgent r = expectRegister();
        reply(r.getReplyTo(), registered(true, 60_000, ""));
        expectRequest();
        // e.g. the singleton moved to a coordinator that has not seen this agent
        reply(r.getReplyTo(), registered(false, 0, "unknown agent host-1"));
        RegisterAgent again = expectRegister();
        assertEquals(r.getDevicesList(), again.getDevicesList());
        reply(again.getReplyTo(), registered(true, 60_000, ""));
        // the existing worker asks again; no second worker for the same device
        assertEquals("fixed0", expectRequest().getDeviceId());
        coordinator.expectNoMessage(Duration.ofMillis(200));
    }
}
