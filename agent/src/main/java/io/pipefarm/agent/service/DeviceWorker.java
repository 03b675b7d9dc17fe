package io.pipefarm.agent.service;

import io.pipefarm.agent.blob.BlobCache;
import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.agent.device.RunOutcome;
import io.pipefarm.agent.profile.ProfileStatistics;
import io.pipefarm.proto.cluster.ToAgent;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.AgentHeartbeat;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.Job;
import io.pipefarm.proto.farm.JobError;
import io.pipefarm.proto.farm.JobResult;
import io.pipefarm.proto.farm.LeaseRef;
import io.pipefarm.proto.farm.RawSamples;
import io.pipefarm.proto.farm.RequestWork;
import io.pipefarm.proto.farm.ResultAck;
import io.pipefarm.proto.farm.WorkReply;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Keeps one device busy: pulls a job when idle, fetches its segment, has the device's runtime
 * profile it off the actor thread, and reports the result until the coordinator acknowledges it.
 * Any failure becomes a failed result; the worker itself never dies of a bad job.
 */
public final class DeviceWorker extends AbstractBehavior<DeviceWorker.Command> {

    /** Local messages only: they never cross nodes. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    /** A message from the coordinator (through a message adapter). */
    public record FromCoordinator(ToAgent msg) implements Command {}

    /** Ask for work now (after a (re-)registration or a WorkAvailable hint). */
    public enum Kick implements Command {
        INSTANCE
    }

    private record Ran(Job job, RunOutcome outcome, long startedMs, long finishedMs) implements Command {}

    private enum RequestAgain implements Command {
        INSTANCE
    }

    private enum ResendResults implements Command {
        INSTANCE
    }

    /** Names the leases this device holds to the coordinator, so that a long job keeps its lease. */
    private enum KeepLeases implements Command {
        INSTANCE
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RESEND_INTERVAL = Duration.ofSeconds(3);
    /** Shortest interval between lease-keeping messages, whatever the lease. */
    private static final Duration MIN_KEEP_INTERVAL = Duration.ofSeconds(1);

    private final String agentId;
    private final DeviceInfo device;
    private final DeviceRuntime runtime;
    private final BlobCache blobs;
    private final ActorRef<ToCoordinator> coordinator;
    private final Executor blocking;
    private final TimerScheduler<Command> timers;
    private final String replyTo;
    /** Results sent but not yet acknowledged, by job id. */
    private final Map<Long, JobResult> unacked = new LinkedHashMap<>();

    private boolean busy;
    /** The job running now (null when idle). */
    private Job current;

    private boolean waitingForWork;
    /** Id of the last work request; sent again with the same id while it is unanswered. */
    private long requestId;
    /** The request {@link #requestId} was sent and no answer to it came yet. */
    private boolean unanswered;
    /** A leased job waiting for the current one to finish. */
    private Job next;

    public static Behavior<Command> create(
            String agentId,
            DeviceInfo device,
            DeviceRuntime runtime,
            BlobCache blobs,
            ActorRef<ToCoordinator> coordinator,
            Executor blocking) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(
                timers -> new DeviceWorker(ctx, timers, agentId, device, runtime, blobs, coordinator, blocking)));
    }

    private DeviceWorker(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            String agentId,
            DeviceInfo device,
            DeviceRuntime runtime,
            BlobCache blobs,
            ActorRef<ToCoordinator> coordinator,
            Executor blocking) {
        super(ctx);
        this.timers = timers;
        this.agentId = agentId;
        this.device = device;
        this.runtime = runtime;
        this.blobs = blobs;
        this.coordinator = coordinator;
        this.blocking = blocking;
        ActorRef<ToAgent> self = ctx.messageAdapter(ToAgent.class, FromCoordinator::new);
        this.replyTo = ActorRefResolver.get(ctx.getSystem()).toSerializationFormat(self);
        timers.startTimerWithFixedDelay(ResendResults.INSTANCE, RESEND_INTERVAL);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(FromCoordinator.class, m -> onCoordinator(m.msg()))
                .onMessageEquals(Kick.INSTANCE, this::requestAgain)
                .onMessageEquals(RequestAgain.INSTANCE, this::requestAgain)
                .onMessageEquals(ResendResults.INSTANCE, this::resend)
                .onMessage(Ran.class, this::onRan)
                .onMessageEquals(KeepLeases.INSTANCE, this::keepLeases)
                .build();
    }

    /**
     * Asks for work unless a request is outstanding or a job is already waiting its turn: while one
     * job runs, the next one is leased and waiting, so the device never idles between jobs.
     */
    private Behavior<Command> requestWorkIfIdle() {
        if (!waitingForWork && next == null) {
            waitingForWork = true;
            requestId++;
            sendRequest();
        }
        return this;
    }

    private void sendRequest() {
        unanswered = true;
        coordinator.tell(ToCoordinator.newBuilder()
                .setRequestWork(RequestWork.newBuilder()
                        .setAgentId(agentId)
                        .setDeviceId(device.id())
                        .setDeviceKind(device.kind())
                        .setReplyTo(replyTo)
                        .setRequestId(requestId))
                .build());
        // If the coordinator moves while our request is parked there, ask again.
        timers.startSingleTimer(RequestAgain.INSTANCE, RequestAgain.INSTANCE, REQUEST_TIMEOUT);
    }

    /**
     * Asks again (the retry timer, or a kick after a registration): an unanswered request is sent
     * again with its id, so the coordinator answers it once, with the job it may already have granted.
     */
    private Behavior<Command> requestAgain() {
        if (next != null) return this;
        if (unanswered) {
            sendRequest();
            return this;
        }
        waitingForWork = false;
        return requestWorkIfIdle();
    }

    private Behavior<Command> onCoordinator(ToAgent msg) {
        switch (msg.getMsgCase()) {
            case WORK -> onWork(msg.getWork());
            case ACK -> onAck(msg.getAck());
            case WORK_AVAILABLE -> {
                if (msg.getWorkAvailable().getDeviceKindsList().contains(device.kind())) requestWorkIfIdle();
            }
            default -> getContext().getLog().debug("device {} ignores {}", device.id(), msg.getMsgCase());
        }
        return this;
    }

    private void onWork(WorkReply reply) {
        // An answer to an older request, or a second answer to this one (the same job): nothing new.
        if (!unanswered || reply.getRequestId() != requestId) return;
        unanswered = false;
        waitingForWork = false;
        timers.cancel(RequestAgain.INSTANCE);
        if (reply.hasJob()) {
            if (busy) {
                next = reply.getJob();
            } else {
                start(reply.getJob());
            }
        } else if (!busy) {
            long retry = Math.max(50, reply.getNoWork().getRetryAfterMs());
            timers.startSingleTimer(RequestAgain.INSTANCE, RequestAgain.INSTANCE, Duration.ofMillis(retry));
            waitingForWork = true; // the timer stands for the outstanding request
        }
    }

    private void start(Job job) {
        busy = true;
        current = job;
        // Renew at half the lease the coordinator granted, so a job longer than its lease keeps it.
        long lease = job.getLeaseDeadlineEpochMs() - System.currentTimeMillis();
        Duration every = Duration.ofMillis(Math.max(MIN_KEEP_INTERVAL.toMillis(), lease / 2));
        timers.startTimerWithFixedDelay(KeepLeases.INSTANCE, every);
        CompletableFuture.supplyAsync(() -> runJob(job), blocking)
                .exceptionally(t -> new Ran(
                        job,
                        new RunOutcome.Failed(ErrorKind.ERROR_KIND_CRASH, "agent error while running job: " + t),
                        System.currentTimeMillis(),
                        System.currentTimeMillis()))
                .thenAccept(ran -> getContext().getSelf().tell(ran));
        requestWorkIfIdle();
    }

    /** Runs on the blocking executor. */
    private Ran runJob(Job job) {
        long started = System.currentTimeMillis();
        RunOutcome outcome;
        try {
            byte[] bytes = job.getBlob().isEmpty()
                    ? blobs.get(job.getSegmentKey(), job.getBlobUrl())
                    : BlobCache.verified(job.getSegmentKey(), job.getBlob().toByteArray());
            outcome = runtime.profile(device, job.getSegmentKey(), bytes, job.getSpec());
        } catch (BlobCache.BlobException e) {
            outcome = new RunOutcome.Failed(
                    e.badContent() ? ErrorKind.ERROR_KIND_BAD_INPUT : ErrorKind.ERROR_KIND_UNAVAILABLE, e.getMessage());
        } catch (RuntimeException e) {
            outcome = new RunOutcome.Failed(ErrorKind.ERROR_KIND_RUN, "runtime " + runtime.name() + " failed: " + e);
        }
        return new Ran(job, outcome, started, System.currentTimeMillis());
    }

    private Behavior<Command> onRan(Ran ran) {
        busy = false;
        current = null;
        timers.cancel(KeepLeases.INSTANCE);
        Job job = ran.job();
        JobResult.Builder r = JobResult.newBuilder()
                .setJobId(job.getJobId())
                .setLeaseToken(job.getLeaseToken())
                .setAttempt(job.getAttempt())
                .setAgentId(agentId)
                .setDeviceId(device.id())
                .setDeviceKind(device.kind())
                .setStartedAtEpochMs(ran.startedMs())
                .setFinishedAtEpochMs(ran.finishedMs())
                .setReplyTo(replyTo);
        if (ran.outcome() instanceof RunOutcome.Measured m) {
            long[] samples = m.samplesNs();
            r.setStats(ProfileStatistics.of(samples)).putAllVersions(m.versions());
            if (job.getSpec().getKeepSamples()) {
                RawSamples.Builder raw = RawSamples.newBuilder();
                for (long s : samples) raw.addLatencyNs(s);
                r.setSamples(raw);
            }
        } else if (ran.outcome() instanceof RunOutcome.Failed f) {
            r.setError(JobError.newBuilder().setKind(f.kind()).setMessage(f.message()));
        }
        JobResult result = r.build();
        unacked.put(job.getJobId(), result);
        coordinator.tell(ToCoordinator.newBuilder().setResult(result).build());
        if (next != null) {
            Job j = next;
            next = null;
            start(j);
            return this;
        }
        return requestWorkIfIdle();
    }

    private Behavior<Command> keepLeases() {
        AgentHeartbeat.Builder h =
                AgentHeartbeat.newBuilder().setAgentId(agentId).setSentAtEpochMs(System.currentTimeMillis());
        for (Job j : new Job[] {current, next}) {
            if (j != null)
                h.addRunning(LeaseRef.newBuilder().setJobId(j.getJobId()).setLeaseToken(j.getLeaseToken()));
        }
        if (h.getRunningCount() > 0)
            coordinator.tell(ToCoordinator.newBuilder().setHeartbeat(h).build());
        return this;
    }

    private void onAck(ResultAck ack) {
        unacked.remove(ack.getJobId());
    }

    private Behavior<Command> resend() {
        for (JobResult r : unacked.values())
            coordinator.tell(ToCoordinator.newBuilder().setResult(r).build());
        return this;
    }
}
