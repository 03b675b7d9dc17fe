package io.pipefarm.agent.service;

import io.pipefarm.agent.blob.BlobCache;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.proto.cluster.ToCoordinator;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Root actor of an agent node: a proxy to the coordinator singleton, the {@link FarmAgent}, and a
 * watch on cluster membership. A cluster without any coordinator for {@code rejoinAfter} (the
 * coordinator node was replaced and formed a new cluster) makes the node stop, so that
 * {@link AgentNode} starts a fresh one that joins the seed nodes again.
 */
public final class AgentGuardian {

    /** Local messages only: they never cross nodes. */
    public sealed interface Command extends NoSerializationVerificationNeeded {}

    private record Membership(ClusterEvent.MemberEvent event) implements Command {}

    private enum Check implements Command {
        INSTANCE
    }

    private AgentGuardian() {}

    public static Behavior<Command> create(
            String agentId, List<DeviceRuntime> runtimes, BlobCache blobs, Executor blocking, Duration rejoinAfter) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ActorRef<ToCoordinator> coordinator = ClusterSingleton.get(ctx.getSystem())
                    .init(SingletonActor.of(Behaviors.<ToCoordinator>ignore(), "coordinator")
                            .withSettings(ClusterSingletonSettings.create(ctx.getSystem())
                                    .withRole("coordinator")));
            ctx.spawn(FarmAgent.create(agentId, runtimes, blobs, coordinator, blocking), "agent");
            ActorRef<ClusterEvent.MemberEvent> adapter =
                    ctx.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new);
            Cluster.get(ctx.getSystem())
                    .subscriptions()
                    .tell(Subscribe.create(adapter, ClusterEvent.MemberEvent.class));
            timers.startTimerWithFixedDelay(Check.INSTANCE, Duration.ofSeconds(1));
            Set<Address> coordinators = new HashSet<>();
            long[] lastSeenCoordinator = {System.nanoTime()};
            return Behaviors.receive(Command.class)
                    .onMessage(Membership.class, m -> {
                        Member member = m.event().member();
                        if (member.hasRole("coordinator")) {
                            if (m.event() instanceof ClusterEvent.MemberUp
                                    || m.event() instanceof ClusterEvent.MemberJoined) {
                                coordinators.add(member.address());
                            } else if (m.event() instanceof ClusterEvent.MemberRemoved
                                    || m.event() instanceof ClusterEvent.MemberExited
                                    || m.event() instanceof ClusterEvent.MemberLeft
                                    || m.event() instanceof ClusterEvent.MemberDowned) {
                                coordinators.remove(member.address());
                            }
                        }
                        return Behaviors.same();
                    })
                    .onMessageEquals(Check.INSTANCE, () -> {
                        Cluster cluster = Cluster.get(ctx.getSystem());
                        if (!coordinators.isEmpty() || cluster.selfMember().status() != MemberStatus.up()) {
                            lastSeenCoordinator[0] = System.nanoTime();
                        } else if (System.nanoTime() - lastSeenCoordinator[0] > rejoinAfter.toNanos()) {
                            ctx.getLog()
                                    .warn(
                                            "no coordinator in the cluster for {} s: restarting this agent node to rejoin the seed nodes",
                                            rejoinAfter.toSeconds());
                            return Behaviors.stopped();
                        }
                        return Behaviors.same();
                    })
                    .build();
        }));
    }
}
