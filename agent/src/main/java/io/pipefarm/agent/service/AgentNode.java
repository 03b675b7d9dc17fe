package io.pipefarm.agent.service;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.blob.BlobCache;
import io.pipefarm.agent.device.DeviceRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent node: an ActorSystem with role {@code agent} that joins the seed nodes and runs
 * {@link AgentGuardian}. When the node leaves the cluster for any reason other than {@link #close()}
 * (downed, or no coordinator left), a fresh ActorSystem is started and joins again.
 */
public final class AgentNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentNode.class);

    /** Where to listen and whom to join. {@code seeds} are "host:port" of coordinator nodes. */
    public record Settings(
            String agentId,
            String host,
            int port,
            List<String> seeds,
            Path cacheDir,
            Duration rejoinAfter,
            Config overrides) {
        public Settings {
            if (seeds.isEmpty())
                throw new IllegalArgumentException("an agent needs at least one seed node (--seed HOST:PORT)");
            for (String s : seeds) {
                if (!s.matches("[^:]+:\\d+")) throw new IllegalArgumentException("seed '" + s + "' is not HOST:PORT");
            }
        }

        public Settings withOverrides(Config more) {
            return new Settings(agentId, host, port, seeds, cacheDir, rejoinAfter, more.withFallback(overrides));
        }
    }

    private final Settings settings;
    private final List<DeviceRuntime> runtimes;
    private final BlobCache blobs;
    private final ExecutorService blocking;
    private volatile ActorSystem<AgentGuardian.Command> system;
    private volatile boolean closed;
    private final Thread keeper;

    private AgentNode(Settings settings, List<DeviceRuntime> runtimes) {
        this.settings = settings;
        this.runtimes = List.copyOf(runtimes);
        this.blobs = new BlobCache(settings.cacheDir(), config(settings).getString("pipefarm.http.token"));
        this.blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pipefarm-device-" + settings.agentId());
            t.setDaemon(true);
            return t;
        });
        this.system = startSystem();
        this.keeper = new Thread(this::keepAlive, "pipefarm-agent-keeper-" + settings.agentId());
        keeper.setDaemon(true);
        keeper.start();
    }

    public static AgentNode start(Settings settings, List<DeviceRuntime> runtimes) {
        return new AgentNode(settings, runtimes);
    }

    public ActorSystem<AgentGuardian.Command> system() {
        return system;
    }

    public String agentId() {
        return settings.agentId();
    }

    private ActorSystem<AgentGuardian.Command> startSystem() {
        return ActorSystem.create(
                AgentGuardian.create(settings.agentId(), runtimes, blobs, blocking, settings.rejoinAfter()),
                "pipefarm",
                config(settings));
    }

    static Config config(Settings s) {
        String seeds =
                s.seeds().stream().map(h -> "\"pekko://pipefarm@" + h + "\"").collect(Collectors.joining(","));
        return s.overrides()
                .withFallback(
                        ConfigFactory.parseString("pekko.remote.artery.canonical.hostname = \"" + s.host() + "\"\n"
                                + "pekko.remote.artery.canonical.port = " + s.port() + "\n"
                                + "pekko.cluster.roles = [agent]\n"
                                + "pekko.cluster.seed-nodes = [" + seeds + "]\n"))
                .withFallback(ConfigFactory.parseResources("pipefarm-cluster.conf"))
                .withFallback(ConfigFactory.load())
                .resolve();
    }

    private void keepAlive() {
        while (!closed) {
            ActorSystem<AgentGuardian.Command> current = system;
            try {
                current.getWhenTerminated().toCompletableFuture().get();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // terminated with an error: restart below all the same
            }
            if (closed) return;
            log.warn(
                    "agent {} left the cluster; starting a new node to rejoin {}",
                    settings.agentId(),
                    settings.seeds());
            try {
                Thread.sleep(1000);
                system = startSystem();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("agent {} could not restart its node: {}", settings.agentId(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        ActorSystem<AgentGuardian.Command> s = system;
        s.terminate();
        try {
            s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("agent {} did not stop cleanly: {}", settings.agentId(), e.toString());
        }
        keeper.interrupt();
        blocking.shutdownNow();
        for (DeviceRuntime rt : runtimes) {
            try {
                rt.close();
            } catch (RuntimeException e) {
                log.warn("closing runtime {}: {}", rt.name(), e.toString());
            }
        }
    }
}
