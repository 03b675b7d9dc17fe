package io.pipefarm.cli.farm.tls;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/**
 * Per actor system: the certificate identity each cluster address presented when this node last
 * connected to it ("host:port", as the address is dialled). Outbound connections are the ones
 * whose address is known during the handshake, and every member is dialled by the nodes it gossips
 * with, the joining node by the node that answers its join first.
 */
public final class PeerCertificates implements Extension {
    public static final AbstractExtensionId<PeerCertificates> ID = new AbstractExtensionId<>() {
        @Override
        public PeerCertificates createExtension(ExtendedActorSystem system) {
            return new PeerCertificates();
        }
    };

    private final Map<String, NodeIdentity> byAddress = new ConcurrentHashMap<>();

    void record(String hostPort, NodeIdentity identity) {
        byAddress.put(hostPort, identity);
    }

    public Optional<NodeIdentity> at(String hostPort) {
        return Optional.ofNullable(byAddress.get(hostPort));
    }
}
