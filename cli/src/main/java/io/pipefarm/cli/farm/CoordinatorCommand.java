package io.pipefarm.cli.farm;

import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.farm.tls.ClusterTls;
import io.pipefarm.cli.farm.tls.NodeIdentity;
import io.pipefarm.coordinator.CoordinatorNode;
import io.pipefarm.coordinator.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipefarm coordinator}: runs a coordinator node until interrupted. */
@Command(
        name = "coordinator",
        mixinStandardHelpOptions = true,
        description = "Run a coordinator node: the farm singleton, the H2 store and the HTTP API.")
public final class CoordinatorCommand extends BaseCommand {
    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "address to bind and advertise (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "2551", description = "cluster port (default ${DEFAULT-VALUE})")
    int port;

    @Option(
            names = "--http-port",
            defaultValue = "8080",
            description = "HTTP API port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int httpPort;

    @Option(
            names = "--data",
            defaultValue = "pipefarm-data",
            description = "directory of the embedded H2 database (default ${DEFAULT-VALUE})")
    Path data;

    @Option(names = "--jdbc", description = "JDBC URL of the store instead of the embedded database")
    String jdbc;

    @Option(names = "--seed", split = ",", description = "cluster seed nodes HOST:PORT (default: this node)")
    List<String> seeds = List.of();

    @Option(
            names = "--lease-seconds",
            defaultValue = "300",
            description = "job lease duration (default ${DEFAULT-VALUE})")
    long leaseSeconds;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "HOCON config (default: $PIPEFARM_CONFIG, ./pipefarm.conf or /etc/pipefarm/pipefarm.conf if present)")
    Path config;

    /** What {@code --json} prints once the node is up. */
    public record Endpoints(String cluster, String http, String store) {}

    @Override
    protected int run() throws Exception {
        String url = jdbc != null ? jdbc : Database.fileUrl(data);
        ClusterTls.Node tls = ClusterTls.configure(NodeConfig.load(config), NodeIdentity.COORDINATOR);
        CoordinatorNode node = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                host, port, httpPort, url, seeds, Duration.ofSeconds(leaseSeconds), tls.config()));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stop.countDown();
        }));
        if (json) {
            printJson(new Endpoints(host + ":" + port, node.httpUrl(), url));
        } else {
            out().printf(
                            "pipefarm coordinator up: cluster %s:%d (%s), HTTP %s, store %s%n",
                            host,
                            port,
                            tls.identity().map(i -> "TLS as " + i.id()).orElse("no TLS"),
                            node.httpUrl(),
                            url);
            out().printf("agents join with: pipefarm agent --seed %s:%d%n", host, port);
        }
        out().flush();
        node.system().getWhenTerminated().toCompletableFuture().join();
        return 0;
    }
}
