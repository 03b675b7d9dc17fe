package io.pipefarm.cli.farm.tls;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Artery's TLS engines for a farm node: Pekko's {@link ConfigSSLEngineProvider} (PKCS12 key and trust
 * stores, mutual authentication, so the JSSE trust manager already refuses a peer whose chain does
 * not end at the farm CA), plus:
 * <ul>
 *   <li>a peer's certificate must name a node id and a pipefarm role (CN, OU=coordinator|agent);</li>
 *   <li>a seed node (always a coordinator in pipefarm) must present a coordinator certificate;</li>
 *   <li>the identity behind every address this node connected to is kept in {@link PeerCertificates},
 *       where {@link CertificateGuard} compares it with the roles the member claims;</li>
 *   <li>the stores are read again when their files change (checked every {@code reload-interval}), so a
 *       renewed certificate is used for new connections without a restart.</li>
 * </ul>
 */
public final class FarmSslEngineProvider extends ConfigSSLEngineProvider {
    private static final Logger log = LoggerFactory.getLogger(FarmSslEngineProvider.class);

    private record Loaded(SSLContext context, FileTime keyStoreTime, FileTime trustStoreTime, long checkedAt) {}

    private final PeerCertificates peers;
    private final Set<String> seeds = new HashSet<>();
    private final Path keyStore;
    private final Path trustStore;
    private final long reloadNanos;
    private volatile Loaded loaded;

    public FarmSslEngineProvider(ActorSystem system) {
        super(system);
        Config all = system.settings().config();
        this.peers = PeerCertificates.ID.get(system);
        for (String seed : all.getStringList("pekko.cluster.seed-nodes")) {
            Address a = AddressFromURIString.parse(seed);
            seeds.add(a.getHost().orElse("") + ":" + a.getPort().orElse(0));
        }
        this.keyStore = Path.of(SSLKeyStore());
        this.trustStore = Path.of(SSLTrustStore());
        Duration reload = all.hasPath("pipefarm.cluster.tls.reload-interval")
                ? all.getDuration("pipefarm.cluster.tls.reload-interval")
                : Duration.ofMinutes(1);
        this.reloadNanos = reload.toNanos();
        this.loaded = load();
    }

    private Loaded load() {
        try {
            SSLContext ctx = SSLContext.getInstance(SSLProtocol());
            ctx.init(keyManagers(), trustManagers(), createSecureRandom());
            return new Loaded(
                    ctx, Files.getLastModifiedTime(keyStore), Files.getLastModifiedTime(trustStore), System.nanoTime());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot load TLS key store " + keyStore + " / trust store " + trustStore + ": " + e.getMessage()
                            + " (made by " + ClusterTls.SCRIPT + ")",
                    e);
        }
    }

    /** The current context, rebuilt when a store file changed; a store that fails to load keeps the old one. */
    private SSLContext context() {
        Loaded l = loaded;
        long now = System.nanoTime();
        if (now - l.checkedAt() < reloadNanos) return l.context();
        try {
            boolean changed = !Files.getLastModifiedTime(keyStore).equals(l.keyStoreTime())
                    || !Files.getLastModifiedTime(trustStore).equals(l.trustStoreTime());
            if (changed) {
                loaded = load();
                log.info(
                        "TLS key store {} or trust store {} changed: new connections use the new certificates",
                        keyStore,
                        trustStore);
                return loaded.context();
            }
        } catch (IOException | RuntimeException e) {
            log.error(
                    "TLS stores changed but cannot be read ({}); keeping the certificates loaded before",
                    e.getMessage());
        }
        loaded = new Loaded(l.context(), l.keyStoreTime(), l.trustStoreTime(), now);
        return l.context();
    }

    @Override
    public SSLEngine createServerSSLEngine(String hostname, int port) {
        return engine(false, hostname, port);
    }

    @Override
    public SSLEngine createClientSSLEngine(String hostname, int port) {
        return engine(true, hostname, port);
    }

    private SSLEngine engine(boolean client, String hostname, int port) {
        SSLEngine engine = context().createSSLEngine(hostname, port);
        if (client && HostnameVerification()) {
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        engine.setUseClientMode(client);
        List<String> algorithms = config().getStringList("enabled-algorithms");
        engine.setEnabledCipherSuites(algorithms.toArray(String[]::new));
        engine.setEnabledProtocols(new String[] {SSLProtocol()});
        if (!client && SSLRequireMutualAuthentication()) engine.setNeedClientAuth(true);
        return engine;
    }

    /** This node connected to {@code hostname}; the session's peer host and port are the address dialled. */
    @Override
    public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
        String address = session.getPeerHost() + ":" + session.getPeerPort();
        try {
            NodeIdentity peer = NodeIdentity.ofPeer(session);
            if (seeds.contains(address) && !peer.role().equals(NodeIdentity.COORDINATOR)) {
                return refuse("seed node " + address + " presented a certificate for role " + peer.role() + " ("
                        + peer.subject() + "); seed nodes are coordinators");
            }
            peers.record(address, peer);
            return Option.empty();
        } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
            return refuse("node at " + address + ": " + e.getMessage());
        }
    }

    /** A node connected to this one; its address is not known yet at this point, only its certificate. */
    @Override
    public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
        try {
            NodeIdentity.ofPeer(session);
            return Option.empty();
        } catch (SSLPeerUnverifiedException | IllegalArgumentException e) {
            return refuse("connection from " + session.getPeerHost() + ": " + e.getMessage());
        }
    }

    private static Option<Throwable> refuse(String why) {
        log.warn("refused TLS peer: {}", why);
        return Option.apply(new SSLPeerUnverifiedException(why));
    }
}
