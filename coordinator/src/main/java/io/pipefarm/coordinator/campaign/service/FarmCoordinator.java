package io.pipefarm.coordinator.campaign.service;

import com.google.protobuf.ByteString;
import io.pipefarm.coordinator.store.AgentStore;
import io.pipefarm.coordinator.store.FarmStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.ProfileStats;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.cluster.ToAgent;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.AgentHeartbeat;
import io.pipefarm.proto.farm.AgentRegistered;
import io.pipefarm.proto.farm.Device;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.Job;
import io.pipefarm.proto.farm.JobResult;
import io.pipefarm.proto.farm.LeaseRef;
import io.pipefarm.proto.farm.NoWork;
import io.pipefarm.proto.farm.ProfileSpec;
import io.pipefarm.proto.farm.RegisterAgent;
import io.pipefarm.proto.farm.RequestWork;
import io.pipefarm.proto.farm.ResultAck;
import io.pipefarm.proto.farm.WorkReply;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The farm's coordinator (a Cluster Singleton): knows the agents, hands leased jobs to idle
 * devices that ask for work, closes jobs with their results, and puts back the jobs of leases
 * that expired or whose agent left. The job queue itself lives in the store, so a new coordinator
 * on the same database carries on where the last one stopped. Requests that find no work are
 * parked and answered as soon as work for their kind appears.
 */
public final class FarmCoordinator extends AbstractBehavior<FarmCoordinator.Command> {
    /** Queued jobs read ahead per kind (with their small blobs: at most this x the inline limit in memory). */
    private static final int CANDIDATE_BATCH = 256;

    /**
     * What the actor handles: the wire messages (funnelled in by {@link #create}) and its own timer and membership
     * messages, which stay on this node (no serialization, not in the wire schema). Package-private, not
     * private, only so that the actor's test can drive the timer and membership without waiting on them.
     */
    sealed interface Command extends NoSerializationVerificationNeeded {}

    /** A message from an agent, the HTTP routes or a proxy. */
    record Wire(ToCoordinator msg) implements Command {}

    /** Checks leases and agent silence. */
    enum Tick implements Command {
        INSTANCE
    }

    /** Stores the results buffered so far in one transaction. */
    private enum FlushResults implements Command {
        INSTANCE
    }

    /** A cluster member left or was downed; its agent's leases go back to the queue. */
    record MemberGone(String address) implements Command {}

    /**
     * Timing of leases and liveness checks, and where blobs come from.
     *
     * @param inlineBlobBytes segments up to this size travel inside the job message instead of being
     *     fetched over HTTP (a round trip and a request per job saved on small segments)
     */
    public record Settings(
            Duration leaseDuration,
            Duration tick,
            Duration heartbeat,
            Duration agentSilence,
            String blobBaseUrl,
            int inlineBlobBytes) {
        /** Default {@code inlineBlobBytes}. */
        public static final int INLINE_BLOB_BYTES = 256 * 1024;

        public static Settings defaults(String blobBaseUrl) {
            return new Settings(
                    Duration.ofMinutes(5),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(30),
                    blobBaseUrl,
                    INLINE_BLOB_BYTES);
        }
    }

    private record AgentEntry(String id, String address, ActorRef<ToAgent> ref, long lastSeenMs) {
        AgentEntry seen(long now) {
            return new AgentEntry(id, address, ref, now);
        }
    }

    private record Parked(RequestWork request, ActorRef<ToAgent> replyTo) {}

    /** The job granted for a device's last request, sent again if that request comes again. */
    private record Granted(long requestId, ToAgent reply) {}

    private final FarmStore store;
    private final JobQueue jobs;
    private final Settings settings;
    private final ActorRefResolver resolver;
    /** Epoch milliseconds: lease deadlines, expiry and agent silence are measured by it. */
    private final LongSupplier clock;
    /** Resolved reply-to refs: resolving a path string per message is costly at thousands of jobs/s. */
    private final Map<String, ActorRef<ToAgent>> refs = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ActorRef<ToAgent>> e) {
            return size() > 4096;
        }
    };

    private final LongFunction<ProfileSpec> specOfCampaign;
    private final Map<String, AgentEntry> agents = new HashMap<>();
    /** Idle devices waiting for work, by device kind, in arrival order; key = agent/device. */
    private final Map<String, LinkedHashMap<String, Parked>> parked = new HashMap<>();
    /** Per agent/device: the request its last job answered (work requests are idempotent per device). */
    private final Map<String, Granted> granted = new HashMap<>();
    /** Queued jobs read ahead per kind, granted in memory and written in one batch per mailbox drain. */
    private final Map<String, ArrayDeque<JobQueue.Candidate>> ready = new HashMap<>();

    private final List<JobQueue.LeaseGrant> pendingGrants = new ArrayList<>();
    /** Results received since the last flush, stored together in one transaction. */
    private final List<JobResult> pendingResults = new ArrayList<>();

    private boolean flushQueued;

    /**
     * @param specOfCampaign the profile spec of a campaign (cached by the caller; the spec is fixed
     *     when the campaign is created)
     */
    public static Behavior<ToCoordinator> create(
            FarmStore store, Settings settings, LongFunction<ProfileSpec> specOfCampaign) {
        return create(store, settings, specOfCampaign, System::currentTimeMillis);
    }

    /** As {@link #create(FarmStore, Settings, LongFunction)}, on {@code clock} (epoch ms) instead of the system's. */
    public static Behavior<ToCoordinator> create(
            FarmStore store, Settings settings, LongFunction<ProfileSpec> specOfCampaign, LongSupplier clock) {
        // the actor's address takes wire messages; its own messages pass the funnel as they are
        return Behaviors.transformMessages(
                ToCoordinator.class,
                behavior(store, settings, specOfCampaign, clock),
                pf -> pf.match(ToCoordinator.class, Wire::new));
    }

    /** The actor itself, taking its own {@link Command}s (for its test); the farm uses {@link #create}. */
    static Behavior<Command> behavior(
            FarmStore store, Settings settings, LongFunction<ProfileSpec> specOfCampaign, LongSupplier clock) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(
                timers -> new FarmCoordinator(ctx, timers, store, settings, specOfCampaign, clock)));
    }

    private FarmCoordinator(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            FarmStore store,
            Settings settings,
            LongFunction<ProfileSpec> specOfCampaign,
            LongSupplier clock) {
        super(ctx);
        this.clock = clock;
        this.store = store;
        this.jobs = store.jobs();
        this.settings = settings;
        this.specOfCampaign = specOfCampaign;
        this.resolver = ActorRefResolver.get(ctx.getSystem());
        timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
        ActorRef<ClusterEvent.MemberRemoved> removed = ctx.messageAdapter(
                ClusterEvent.MemberRemoved.class,
                e -> new MemberGone(e.member().address().toString()));
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
        ctx.getLog()
                .info(
                        "coordinator started on {}",
                        Cluster.get(ctx.getSystem()).selfMember().address());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Wire.class, w -> dispatch(w.msg()))
                .onMessageEquals(Tick.INSTANCE, () -> guarded("tick", this::onTick))
                .onMessageEquals(
                        FlushResults.INSTANCE,
                        () -> guarded("flush", () -> {
                            flushQueued = false;
                            flushLeases();
                            flushResults();
                        }))
                .onMessage(MemberGone.class, m -> guarded("member gone", () -> onMemberGone(m.address())))
                .build();
    }

    /** Runs {@code handler}; a store failure must not kill the singleton: it is logged and the agents retry. */
    private Behavior<Command> guarded(String what, Runnable handler) {
        try {
            handler.run();
        } catch (StoreException e) {
            getContext().getLog().error("store error while handling {}: {}", what, e.getMessage());
        }
        return this;
    }

    private Behavior<Command> dispatch(ToCoordinator msg) {
        try {
            switch (msg.getMsgCase()) {
                case REGISTER -> onRegister(msg.getRegister());
                case HEARTBEAT -> onHeartbeat(msg.getHeartbeat());
                case DEREGISTER ->
                    releaseAgent(
                            msg.getDeregister().getAgentId(),
                            "agent deregistered: " + msg.getDeregister().getReason());
                case REQUEST_WORK -> onRequestWork(msg.getRequestWork());
                case RESULT -> onResult(msg.getResult());
                case QUEUE_CHANGED -> {
                    dropReadAhead();
                    serveParked();
                }
                default -> getContext().getLog().warn("coordinator ignores an empty message");
            }
        } catch (StoreException e) {
            // A store failure must not kill the singleton: log it; the agents retry.
            getContext().getLog().error("store error while handling {}: {}", msg.getMsgCase(), e.getMessage());
        }
        return this;
    }

    private ActorRef<ToAgent> ref(String path) {
        return refs.computeIfAbsent(path, resolver::resolveActorRef);
    }

    private void onRegister(RegisterAgent r) {
        long now = clock.getAsLong();
        ActorRef<ToAgent> ref = ref(r.getReplyTo());
        List<AgentStore.Device> devices = new ArrayList<>();
        for (Device d : r.getDevicesList()) {
            devices.add(new AgentStore.Device(
                    d.getId(), d.getKind(), d.getRuntime(), d.getVersionsMap(), d.getPropertiesMap()));
        }
        AgentRegistered.Builder ack = AgentRegistered.newBuilder()
                .setAgentId(r.getAgentId())
                .setHeartbeatIntervalMs(settings.heartbeat().toMillis())
                .setBlobBaseUrl(settings.blobBaseUrl());
        try {
            store.agents().register(r.getAgentId(), r.getAddress(), r.getVersionsMap(), devices, now);
            agents.put(r.getAgentId(), new AgentEntry(r.getAgentId(), r.getAddress(), ref, now));
            ack.setAccepted(true);
            getContext()
                    .getLog()
                    .info(
                            "agent {} registered from {} with {} device(s)",
                            r.getAgentId(),
                            r.getAddress(),
                            devices.size());
        } catch (StoreException e) {
            ack.setAccepted(false).setMessage(e.getMessage());
        }
        ref.tell(ToAgent.newBuilder().setRegistered(ack).build());
    }

    private void onHeartbeat(AgentHeartbeat h) {
        long now = clock.getAsLong();
        if (h.getRunningCount() > 0) {
            // The lease token proves the lease: a job longer than its lease keeps it, also right
            // after a coordinator change, before its agent registered here again.
            List<JobQueue.LeaseKey> held = new ArrayList<>();
            for (LeaseRef r : h.getRunningList()) held.add(new JobQueue.LeaseKey(r.getJobId(), r.getLeaseToken()));
            jobs.extendLeases(held, now + settings.leaseDuration().toMillis());
        }
        AgentEntry a = agents.get(h.getAgentId());
        if (a == null) {
            // Released (silence, another node took its id) or never known here: it must register again.
            if (!h.getReplyTo().isEmpty()) {
                ref(h.getReplyTo())
                        .tell(ToAgent.newBuilder()
                                .setRegistered(AgentRegistered.newBuilder()
                                        .setAgentId(h.getAgentId())
                                        .setAccepted(false)
                                        .setMessage("agent " + h.getAgentId()
                                                + " is not registered with this coordinator; " + "register again"))
                                .build());
            }
            return;
        }
        agents.put(a.id(), a.seen(now));
        store.agents().touch(a.id(), now);
    }

    private void onRequestWork(RequestWork req) {
        ActorRef<ToAgent> replyTo = ref(req.getReplyTo());
        AgentEntry a = agents.get(req.getAgentId());
        if (a == null) {
            replyTo.tell(noWork(req, 1000, "agent " + req.getAgentId() + " is not registered with this coordinator"));
            return;
        }
        agents.put(a.id(), a.seen(clock.getAsLong()));
        Granted g = granted.get(deviceKey(req));
        if (g != null && req.getRequestId() != 0 && g.requestId() == req.getRequestId()) {
            // the device did not get our answer (or asked twice): the same job again, not a second lease
            replyTo.tell(g.reply());
            return;
        }
        if (!tryLease(req, replyTo)) {
            parked.computeIfAbsent(req.getDeviceKind(), k -> new LinkedHashMap<>())
                    .put(deviceKey(req), new Parked(req, replyTo));
        }
    }

    /**
     * Leases a job to the requesting device and sends it; false when there is none. Queued jobs are
     * read from the store a few hundred at a time and handed out from memory (this actor is the only
     * one leasing); the leases are written in one batch when the mailbox drains.
     */
    private boolean tryLease(RequestWork req, ActorRef<ToAgent> replyTo) {
        JobQueue.Candidate c = nextCandidate(req.getDeviceKind());
        if (c == null) return false;
        long deadline = clock.getAsLong() + settings.leaseDuration().toMillis();
        long token = JobQueue.token();
        pendingGrants.add(new JobQueue.LeaseGrant(c, req.getAgentId(), req.getDeviceId(), token, deadline));
        scheduleFlush();
        Job.Builder job = Job.newBuilder()
                .setJobId(c.jobId())
                .setLeaseToken(token)
                .setAttempt(c.attempts() + 1)
                .setCampaignId(c.campaignId())
                .setSegmentKey(c.segmentKey())
                .setBlobUrl(settings.blobBaseUrl() + "/" + c.segmentKey())
                .setBlobSize(c.blobSize())
                .setSpec(specOfCampaign.apply(c.campaignId()))
                .setLeaseDeadlineEpochMs(deadline)
                .setDeviceId(req.getDeviceId())
                .setDeviceKind(req.getDeviceKind());
        if (c.blob() != null) job.setBlob(ByteString.copyFrom(c.blob()));
        ToAgent reply = ToAgent.newBuilder()
                .setWork(WorkReply.newBuilder()
                        .setAgentId(req.getAgentId())
                        .setDeviceId(req.getDeviceId())
                        .setRequestId(req.getRequestId())
                        .setJob(job))
                .build();
        if (req.getRequestId() != 0) granted.put(deviceKey(req), new Granted(req.getRequestId(), reply));
        replyTo.tell(reply);
        return true;
    }

    private static String deviceKey(RequestWork req) {
        return req.getAgentId() + "/" + req.getDeviceId();
    }

    private JobQueue.Candidate nextCandidate(String kind) {
        ArrayDeque<JobQueue.Candidate> q = ready.get(kind);
        if (q == null || q.isEmpty()) {
            flushLeases(); // granted leases must be in the store before it is asked for queued jobs again
            List<JobQueue.Candidate> fresh = jobs.queued(kind, CANDIDATE_BATCH, settings.inlineBlobBytes());
            if (fresh.isEmpty()) {
                ready.remove(kind);
                return null;
            }
            q = new ArrayDeque<>(fresh);
            ready.put(kind, q);
        }
        return q.poll();
    }

    private void flushLeases() {
        if (pendingGrants.isEmpty()) return;
        boolean[] ok = jobs.leaseAll(pendingGrants, clock.getAsLong());
        int lost = 0;
        for (boolean b : ok) if (!b) lost++;
        if (lost > 0) {
            // Left the queue meanwhile (paused or cancelled): a result for it is still stored once.
            getContext().getLog().info("{} of {} lease(s) found their job no longer queued", lost, ok.length);
        }
        pendingGrants.clear();
    }

    /** Forgets the jobs read ahead (their campaign may have been paused or cancelled). */
    private void dropReadAhead() {
        flushLeases();
        ready.clear();
    }

    private void scheduleFlush() {
        if (!flushQueued) {
            flushQueued = true;
            getContext().getSelf().tell(FlushResults.INSTANCE);
        }
    }

    private static ToAgent noWork(RequestWork req, long retryMs, String reason) {
        return ToAgent.newBuilder()
                .setWork(WorkReply.newBuilder()
                        .setAgentId(req.getAgentId())
                        .setDeviceId(req.getDeviceId())
                        .setRequestId(req.getRequestId())
                        .setNoWork(NoWork.newBuilder().setRetryAfterMs(retryMs).setReason(reason)))
                .build();
    }

    /**
     * Measurements are buffered and stored together by a flush message queued behind them, so that
     * everything that arrived meanwhile shares one durable commit; acks go out after the commit.
     */
    private void onResult(JobResult r) {
        if (r.hasStats()) {
            pendingResults.add(r);
            scheduleFlush();
            return;
        }
        flushLeases(); // a failure only counts against the current lease: it must be in the store
        long now = clock.getAsLong();
        ActorRef<ToAgent> replyTo = r.getReplyTo().isEmpty() ? null : ref(r.getReplyTo());
        ResultAck.Builder ack = ResultAck.newBuilder().setJobId(r.getJobId());
        try {
            ErrorKind kind = r.getError().getKind() == ErrorKind.ERROR_KIND_UNSPECIFIED
                    ? ErrorKind.ERROR_KIND_RUN
                    : r.getError().getKind();
            JobQueue.Failure f = jobs.fail(
                    r.getJobId(), r.getLeaseToken(), kind, r.getError().getMessage(), now);
            ack.setStatus(
                            switch (f) {
                                case IGNORED -> ResultAck.Status.STATUS_IGNORED;
                                case ALREADY_DONE -> ResultAck.Status.STATUS_ALREADY_DONE;
                                default -> ResultAck.Status.STATUS_FAILURE_RECORDED;
                            })
                    .setMessage(f.name());
            if (f == JobQueue.Failure.REQUEUED) serveParked();
        } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.UNAVAILABLE) throw e; // no ack: the agent retries
            ack.setStatus(ResultAck.Status.STATUS_REJECTED).setMessage(e.getMessage());
        }
        if (replyTo != null) replyTo.tell(ToAgent.newBuilder().setAck(ack).build());
    }

    private void flushResults() {
        if (pendingResults.isEmpty()) return;
        List<JobResult> batch = List.copyOf(pendingResults);
        pendingResults.clear();
        List<JobQueue.Result> rows = new ArrayList<>(batch.size());
        for (JobResult r : batch) {
            var s = r.getStats();
            long[] samples = r.hasSamples()
                    ? r.getSamples().getLatencyNsList().stream()
                            .mapToLong(Long::longValue)
                            .toArray()
                    : null;
            rows.add(new JobQueue.Result(
                    r.getJobId(),
                    r.getLeaseToken(),
                    r.getAgentId(),
                    r.getDeviceId(),
                    new ProfileStats(
                            s.getN(),
                            s.getMeanNs(),
                            s.getMedianNs(),
                            s.getP90Ns(),
                            s.getP99Ns(),
                            s.getStdevNs(),
                            s.getMinNs()),
                    samples,
                    r.getVersionsMap()));
        }
        List<JobQueue.Completion> done;
        try {
            done = jobs.completeAll(rows, clock.getAsLong());
        } catch (StoreException e) {
            if (e.kind() == StoreException.Kind.UNAVAILABLE || batch.size() == 1) {
                // Not stored and not acknowledged: the agents send these results again.
                getContext().getLog().error("could not store {} result(s): {}", batch.size(), e.getMessage());
                if (batch.size() == 1 && e.kind() != StoreException.Kind.UNAVAILABLE)
                    reject(batch.get(0), e.getMessage());
                return;
            }
            // One bad result must not hold back the others: store them one by one.
            for (JobResult r : batch) {
                pendingResults.add(r);
                flushResults();
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            JobResult r = batch.get(i);
            if (r.getReplyTo().isEmpty()) continue;
            ref(r.getReplyTo())
                    .tell(ToAgent.newBuilder()
                            .setAck(ResultAck.newBuilder()
                                    .setJobId(r.getJobId())
                                    .setStatus(
                                            done.get(i) == JobQueue.Completion.ALREADY_DONE
                                                    ? ResultAck.Status.STATUS_ALREADY_DONE
                                                    : ResultAck.Status.STATUS_ACCEPTED))
                            .build());
        }
    }

    private void reject(JobResult r, String message) {
        if (r.getReplyTo().isEmpty()) return;
        ref(r.getReplyTo())
                .tell(ToAgent.newBuilder()
                        .setAck(ResultAck.newBuilder()
                                .setJobId(r.getJobId())
                                .setStatus(ResultAck.Status.STATUS_REJECTED)
                                .setMessage(message))
                        .build());
    }

    private void onTick() {
        flushLeases();
        long now = clock.getAsLong();
        boolean changed = jobs.expireLeases(now).total() > 0;
        for (AgentEntry a : List.copyOf(agents.values())) {
            if (now - a.lastSeenMs() > settings.agentSilence().toMillis()) {
                changed |= releaseAgent(a.id(), "silent for " + (now - a.lastSeenMs()) + " ms");
            }
        }
        if (changed) serveParked();
    }

    private void onMemberGone(String address) {
        boolean changed = false;
        for (AgentEntry a : List.copyOf(agents.values())) {
            if (a.address().equals(address))
                changed |= releaseAgent(a.id(), "its node " + address + " left the cluster");
        }
        if (changed) serveParked();
    }

    /** Forgets an agent and puts its leased jobs back; true if any job changed state. */
    private boolean releaseAgent(String agentId, String why) {
        flushLeases();
        agents.remove(agentId);
        for (LinkedHashMap<String, Parked> q : parked.values())
            q.values().removeIf(p -> p.request().getAgentId().equals(agentId));
        granted.keySet().removeIf(k -> k.startsWith(agentId + "/")); // its leases go back to the queue
        store.agents().setState(agentId, AgentStore.AgentState.DOWN);
        JobQueue.Requeued r = jobs.releaseAgent(agentId, clock.getAsLong());
        getContext()
                .getLog()
                .info("agent {} released ({}): {} job(s) requeued, {} failed", agentId, why, r.requeued(), r.failed());
        return r.total() > 0;
    }

    /** Answers parked requests while their kind has work. */
    private void serveParked() {
        for (LinkedHashMap<String, Parked> queue : parked.values()) {
            Iterator<Parked> it = queue.values().iterator();
            while (it.hasNext()) {
                Parked p = it.next();
                if (!tryLease(p.request(), p.replyTo())) break;
                it.remove();
            }
        }
    }
}
