package io.pipefarm.agent.service;

import io.pipefarm.agent.blob.BlobCache;
import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.proto.cluster.ToAgent;
import io.pipefarm.proto.cluster.ToCoordinator;
import io.pipefarm.proto.farm.AgentHeartbeat;
import io.pipefarm.proto.farm.AgentRegistered;
import io.pipefarm.proto.farm.RegisterAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The agent of one device host: registers its devices with the coordinator (again whenever the
 * coordinator does not know it, e.g. after the singleton moved), keeps a heartbeat, and runs one
 * {@link DeviceWorker} per device.
 */
public final class FarmAgent extends AbstractBehavior<FarmAgent.Command> {

    /** Local messages only: they never cross nodes. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    public record FromCoordinator(ToAgent msg) implements Command {}

    private enum Register implements Command {
        INSTANCE
    }

    private enum Heartbeat implements Command {
        INSTANCE
    }

    private static final Duration REGISTER_RETRY = Duration.ofSeconds(3);

    private final String agentId;
    private final List<DeviceRuntime> runtimes;
    private final List<DeviceInfo> devices = new ArrayList<>();
    private final Map<String, DeviceRuntime> runtimeByDevice = new HashMap<>();
    private final BlobCache blobs;
    private final ActorRef<ToCoordinator> coordinator;
    private final Executor blocking;
    private final TimerScheduler<Command> timers;
    private final String replyTo;
    private final List<ActorRef<DeviceWorker.Command>> workers = new ArrayList<>();
    private Duration heartbeatInterval = Duration.ofSeconds(5);
    private boolean registered;

    public static Behavior<Command> create(
            String agentId,
            List<DeviceRuntime> runtimes,
            BlobCache blobs,
            ActorRef<ToCoordinator> coordinator,
            Executor blocking) {
        return Behaviors.setup(ctx ->
                Behaviors.withTimers(t -> new FarmAgent(ctx, t, agentId, runtimes, blobs, coordinator, blocking)));
    }

    private FarmAgent(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            String agentId,
            List<DeviceRuntime> runtimes,
            BlobCache blobs,
            ActorRef<ToCoordinator> coordinator,
            Executor blocking) {
        super(ctx);
        this.timers = timers;
        this.agentId = agentId;
        this.runtimes = List.copyOf(runtimes);
        this.blobs = blobs;
        this.coordinator = coordinator;
        this.blocking = blocking;
        ActorRef<ToAgent> self = ctx.messageAdapter(ToAgent.class, FromCoordinator::new);
        this.replyTo = ActorRefResolver.get(ctx.getSystem()).toSerializationFormat(self);
        for (DeviceRuntime rt : this.runtimes) {
            try {
                for (DeviceInfo d : rt.discover()) {
                    devices.add(d);
                    runtimeByDevice.put(d.id(), rt);
                }
            } catch (RuntimeException e) {
                ctx.getLog().warn("runtime {} could not discover devices: {}", rt.name(), e.toString());
            }
        }
        ctx.getLog()
                .info(
                        "agent {} has {} device(s): {}",
                        agentId,
                        devices.size(),
                        devices.stream().map(d -> d.id() + "=" + d.kind()).toList());
        ctx.getSelf().tell(Register.INSTANCE);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessageEquals(Register.INSTANCE, this::register)
                .onMessageEquals(Heartbeat.INSTANCE, this::heartbeat)
                .onMessage(FromCoordinator.class, m -> onCoordinator(m.msg()))
                .build();
    }

    private Behavior<Command> register() {
        String address =
                Cluster.get(getContext().getSystem()).selfMember().address().toString();
        RegisterAgent.Builder r = RegisterAgent.newBuilder()
                .setAgentId(agentId)
                .setAddress(address)
                .setReplyTo(replyTo)
                .putVersions("pipefarm", "0.1.0")
                .putVersions("java", System.getProperty("java.version"))
                .setSentAtEpochMs(System.currentTimeMillis());
        for (DeviceInfo d : devices) r.addDevices(d.toProto());
        coordinator.tell(ToCoordinator.newBuilder().setRegister(r).build());
        timers.startSingleTimer(Register.INSTANCE, Register.INSTANCE, REGISTER_RETRY);
        return this;
    }

    private Behavior<Command> heartbeat() {
        coordinator.tell(ToCoordinator.newBuilder()
                .setHeartbeat(AgentHeartbeat.newBuilder()
                        .setAgentId(agentId)
                        .setSentAtEpochMs(System.currentTimeMillis())
                        .setReplyTo(replyTo))
                .build());
        return this;
    }

    private Behavior<Command> onCoordinator(ToAgent msg) {
        if (msg.getMsgCase() == ToAgent.MsgCase.REGISTERED) onRegistered(msg.getRegistered());
        else if (msg.getMsgCase() == ToAgent.MsgCase.WORK_AVAILABLE) {
            for (ActorRef<DeviceWorker.Command> w : workers) w.tell(new DeviceWorker.FromCoordinator(msg));
        }
        return this;
    }

    private void onRegistered(AgentRegistered ack) {
        if (!ack.getAccepted()) {
            // The coordinator does not know us (it restarted or moved): register again.
            getContext().getLog().info("coordinator asks agent {} to register again: {}", agentId, ack.getMessage());
            registered = false;
            timers.cancel(Heartbeat.INSTANCE);
            getContext().getSelf().tell(Register.INSTANCE);
            return;
        }
        timers.cancel(Register.INSTANCE);
        if (ack.getHeartbeatIntervalMs() > 0) heartbeatInterval = Duration.ofMillis(ack.getHeartbeatIntervalMs());
        timers.startTimerWithFixedDelay(Heartbeat.INSTANCE, heartbeatInterval);
        if (workers.isEmpty()) {
            for (DeviceInfo d : devices) {
                Behavior<DeviceWorker.Command> worker = Behaviors.supervise(DeviceWorker.create(
                                agentId, d, runtimeByDevice.get(d.id()), blobs, coordinator, blocking))
                        .onFailure(SupervisorStrategy.restart());
                workers.add(getContext().spawn(worker, "device-" + d.id().replaceAll("[^A-Za-z0-9_-]", "_")));
            }
        }
        if (!registered) getContext().getLog().info("agent {} registered with {} device(s)", agentId, devices.size());
        registered = true;
        for (ActorRef<DeviceWorker.Command> w : workers) w.tell(DeviceWorker.Kick.INSTANCE);
    }
}
