package io.pipefarm.cli.farm.tls;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.AbstractActorWithTimers;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorIdentity;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionId;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.actor.Identify;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.UniqueAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downs every cluster member whose claimed pipefarm role differs from the role in the certificate
 * its address presented (e.g. a node with an agent certificate that joins as coordinator, which
 * could otherwise take over the singleton once it is the oldest coordinator). Roles are claimed by
 * the joining node itself; TLS alone proves only that its certificate comes from the farm CA.
 * Loaded through {@code pekko.extensions} on every node that runs with TLS.
 */
public final class CertificateGuard implements Extension {
    static final String NAME = "pipefarm-certificate-guard";
    /** How long a member may stay without a certificate seen at its address before the guard gives up on it. */
    static final int MAX_TRIES = 30;

    /** Named in {@code pekko.extensions}; Pekko instantiates it and registers {@link #INSTANCE}. */
    public static final class Id extends AbstractExtensionId<CertificateGuard> implements ExtensionIdProvider {
        public static final Id INSTANCE = new Id();

        @Override
        public ExtensionId<? extends Extension> lookup() {
            return INSTANCE;
        }

        @Override
        public CertificateGuard createExtension(ExtendedActorSystem system) {
            system.systemActorOf(Props.create(Watcher.class, Watcher::new), NAME);
            return new CertificateGuard();
        }
    }

    private record Recheck(UniqueAddress member) {}

    static final class Watcher extends AbstractActorWithTimers {
        private static final Logger log = LoggerFactory.getLogger(CertificateGuard.class);
        private final Cluster cluster = Cluster.get(getContext().getSystem());
        private final PeerCertificates peers =
                PeerCertificates.ID.get(getContext().getSystem());
        private final Map<UniqueAddress, Member> pending = new HashMap<>();
        private final Map<UniqueAddress, Integer> tries = new HashMap<>();
        private final Set<UniqueAddress> settled = new HashSet<>();

        @Override
        public void preStart() {
            cluster.subscribe(getSelf(), ClusterEvent.initialStateAsEvents(), ClusterEvent.MemberEvent.class);
        }

        @Override
        public void postStop() {
            cluster.unsubscribe(getSelf());
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder()
                    .match(
                            ClusterEvent.MemberRemoved.class,
                            e -> forget(e.member().uniqueAddress()))
                    .match(ClusterEvent.MemberEvent.class, e -> check(e.member()))
                    .match(Recheck.class, r -> {
                        Member m = pending.get(r.member());
                        if (m != null) check(m);
                    })
                    .match(ActorIdentity.class, id -> {}) // only sent to make the peer's address dialled
                    .build();
        }

        private void forget(UniqueAddress a) {
            pending.remove(a);
            tries.remove(a);
            settled.remove(a);
            getTimers().cancel(a);
        }

        private void check(Member m) {
            UniqueAddress ua = m.uniqueAddress();
            if (ua.equals(cluster.selfUniqueAddress()) || settled.contains(ua)) return;
            Address a = m.address();
            String hostPort = a.getHost().orElse("") + ":" + a.getPort().orElse(0);
            Set<String> claimed =
                    m.getRoles().stream().filter(NodeIdentity.ROLES::contains).collect(Collectors.toSet());
            Optional<NodeIdentity> cert = peers.at(hostPort);
            if (cert.isEmpty()) {
                int n = tries.merge(ua, 1, Integer::sum);
                if (n > MAX_TRIES) {
                    log.warn(
                            "no certificate seen at {} (member with roles {}) after {} s; this node leaves it to the others",
                            hostPort,
                            claimed,
                            MAX_TRIES);
                    settled.add(ua);
                    pending.remove(ua);
                    return;
                }
                pending.put(ua, m);
                // Any message to the address makes this node dial it, which records its certificate.
                getContext().actorSelection(a + "/system/" + NAME).tell(new Identify(hostPort), getSelf());
                getTimers().startSingleTimer(ua, new Recheck(ua), Duration.ofSeconds(1));
                return;
            }
            settled.add(ua);
            pending.remove(ua);
            NodeIdentity id = cert.get();
            if (!claimed.equals(Set.of(id.role()))) {
                log.error(
                        "downing {}: it joined with roles {} but its certificate ({}) is for role {}",
                        a,
                        claimed,
                        id.subject(),
                        id.role());
                cluster.down(a);
            } else {
                log.debug("member {} ({}) matches its certificate {}", a, claimed, id.subject());
            }
        }
    }
}
