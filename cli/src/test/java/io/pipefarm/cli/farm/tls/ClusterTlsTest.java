package io.pipefarm.cli.farm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.cli.farm.FarmWiring;
import io.pipefarm.coordinator.CoordinatorNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nodes on loopback with Artery over TLS, certificates made at test time by
 * deploy/tls/pipefarm-tls.sh: nodes with farm certificates form a cluster; a node with a certificate
 * from another CA, a plaintext node, and a node that claims a role its certificate does not give it
 * do not stay in it.
 */
class ClusterTlsTest {
    static final Config TEST = ConfigFactory.parseString("""
            pekko.loglevel = WARNING
            pekko.cluster.split-brain-resolver.stable-after = 3s
            pekko.coordinated-shutdown.phases.cluster-leave.timeout = 5s
            """);
    static final Path SCRIPT = Path.of("..", ClusterTls.SCRIPT);

    @TempDir
    static Path certs;

    @TempDir
    Path dir;

    final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        script("ca", certs.resolve("farm").toString());
        script("node", certs.resolve("farm").toString(), "coordinator", "coord", "--host", "127.0.0.1");
        script("node", certs.resolve("farm").toString(), "agent", "a1", "--host", "127.0.0.1");
        script("ca", certs.resolve("other").toString());
        script("node", certs.resolve("other").toString(), "agent", "stranger", "--host", "127.0.0.1");
    }

    static void script(String... args) throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), "no " + SCRIPT.toAbsolutePath());
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "script hung: " + cmd);
        assertEquals(0, p.exitValue(), cmd + ": " + out);
    }

    @AfterEach
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Path node(String farm, String id) {
        return certs.resolve(farm).resolve("nodes").resolve(id);
    }

    static Config tlsOn(Path nodeDir) {
        return ConfigFactory.parseString("pipefarm.cluster.tls { enabled = on, dir = \""
                        + nodeDir.toString().replace("\\", "/") + "\" }")
                .withFallback(TEST);
    }

    CoordinatorNode coordinator(int port) {
        Config cfg = ClusterTls.configure(tlsOn(node("farm", "coord")), NodeIdentity.COORDINATOR)
                .config();
        CoordinatorNode c = FarmWiring.startCoordinator(new CoordinatorNode.Settings(
                "127.0.0.1",
                port,
                0,
                "jdbc:h2:mem:tls" + port + ";DB_CLOSE_DELAY=-1",
                List.of(),
                Duration.ofMinutes(1),
                cfg));
        open.add(c);
        return c;
    }

    /**
     * A node that is no pipefarm node: stock Pekko with whatever transport and stores it is given,
     * claiming {@code role}, joining the coordinator at {@code seedPort}.
     */
    ActorSystem outsider(String transport, String role, int seedPort) throws IOException {
        Config cfg = ConfigFactory.parseString(transport + "\n"
                        + "pekko.remote.artery.canonical.port = " + freePort() + "\n"
                        + "pekko.cluster.roles = [" + role + "]\n"
                        + "pekko.cluster.seed-nodes = [\"pekko://pipefarm@127.0.0.1:" + seedPort + "\"]\n")
                .withFallback(TEST)
                .withFallback(ConfigFactory.parseResources("pipefarm-cluster.conf"))
                .withFallback(ConfigFactory.load())
                .resolve();
        ActorSystem system = ActorSystem.create("pipefarm", cfg);
        open.add(() -> {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        });
        return system;
    }

    /** Stock Artery TLS with the given key store (and password) and trust store (and password). */
    static String stockTls(Path keyDir, Path trustDir) throws IOException {
        String e = "pekko.remote.artery.ssl.config-ssl-engine.";
        return "pekko.remote.artery.transport = tls-tcp\n"
                + e + "key-store = \"" + keyDir.resolve("node.p12") + "\"\n"
                + e + "key-store-password = \"" + password(keyDir) + "\"\n"
                + e + "key-password = \"" + password(keyDir) + "\"\n"
                + e + "trust-store = \"" + trustDir.resolve("truststore.p12") + "\"\n"
                + e + "trust-store-password = \"" + password(trustDir) + "\"\n";
    }

    static String password(Path nodeDir) throws IOException {
        return Files.readAllLines(nodeDir.resolve("password")).get(0).strip();
    }

    static Set<String> members(ActorSystem system, MemberStatus... statuses) {
        Set<MemberStatus> wanted = Set.of(statuses);
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> wanted.contains(m.status()))
                .map(m -> m.address().toString())
                .collect(Collectors.toSet());
    }

    static Set<String> members(CoordinatorNode c) {
        return members(
                Adapter.toClassic(c.system()), MemberStatus.joining(), MemberStatus.weaklyUp(), MemberStatus.up());
    }

    static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within " + timeout);
            Thread.sleep(100);
        }
    }

    @Test
    void nodesWithFarmCertificatesJoinAndOthersDoNot() throws Exception {
        int port = freePort();
        CoordinatorNode c = coordinator(port);
        ClusterTls.Node agentTls = ClusterTls.configure(tlsOn(node("farm", "a1")), NodeIdentity.AGENT);
        assertEquals("a1", agentTls.identity().orElseThrow().id(), "the agent id comes from the certificate");
        int agentPort = freePort();
        AgentNode a = AgentNode.start(
                new AgentNode.Settings(
                        "a1",
                        "127.0.0.1",
                        agentPort,
                        List.of("127.0.0.1:" + port),
                        dir.resolve("cache"),
                        Duration.ofSeconds(5),
                        agentTls.config()),
                List.of(new SimulatedEdgeTpuRuntime(List.of("sim-edgetpu-usb"), 0.0)));
        open.add(a);
        await(
                "the agent registers over TLS",
                Duration.ofSeconds(60),
                () -> c.store().agents().get("a1").isPresent());
        Set<String> farm = Set.of("pekko://pipefarm@127.0.0.1:" + port, "pekko://pipefarm@127.0.0.1:" + agentPort);
        await(
                "coordinator and agent are up",
                Duration.ofSeconds(30),
                () -> members(c).equals(farm));

        // A certificate from another CA (trusting the farm CA, as anyone can), and no TLS at all.
        ActorSystem stranger = outsider(stockTls(node("other", "stranger"), node("farm", "a1")), "agent", port);
        ActorSystem plain = outsider("pekko.remote.artery.transport = tcp", "agent", port);
        long until = System.nanoTime() + Duration.ofSeconds(12).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(farm, members(c), "the farm's membership stays as it was");
            Thread.sleep(200);
        }
        for (ActorSystem outsider : List.of(stranger, plain)) {
            Member self = Cluster.get(outsider).selfMember();
            assertTrue(
                    members(outsider, MemberStatus.up(), MemberStatus.weaklyUp(), MemberStatus.joining())
                                    .isEmpty()
                            && (self.status() == MemberStatus.removed() || self.status() == MemberStatus.joining()),
                    "the outsider never got into the cluster: "
                            + Cluster.get(outsider).state());
        }
    }

    @Test
    void anAgentCertificateDoesNotMakeACoordinator() throws Exception {
        // The node's own start refuses a certificate for another role, naming the file and the script.
        IllegalArgumentException wrongRole = assertThrows(
                IllegalArgumentException.class,
                () -> ClusterTls.configure(tlsOn(node("farm", "a1")), NodeIdentity.COORDINATOR));
        assertTrue(
                wrongRole.getMessage().contains("for role agent")
                        && wrongRole.getMessage().contains(ClusterTls.SCRIPT),
                wrongRole.getMessage());
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> ClusterTls.configure(tlsOn(dir.resolve("nothing-here")), NodeIdentity.AGENT));
        assertTrue(
                missing.getMessage().contains("nothing-here")
                        && missing.getMessage().contains(ClusterTls.SCRIPT),
                missing.getMessage());

        // A node that skips that check: stock Pekko, a valid agent certificate, claiming coordinator.
        int port = freePort();
        CoordinatorNode c = coordinator(port);
        String coordinatorAddress = "pekko://pipefarm@127.0.0.1:" + port;
        await("the coordinator is up", Duration.ofSeconds(30), () -> members(c).equals(Set.of(coordinatorAddress)));
        ActorSystem impostor = outsider(stockTls(node("farm", "a1"), node("farm", "a1")), "coordinator", port);
        String impostorAddress = Cluster.get(impostor).selfAddress().toString();
        // It gets in (its certificate is the farm's) and is downed for the role it claims, which ends it.
        // Only a member can be downed: a node that never got in keeps trying to join and lives on
        // (shutdown-after-unsuccessful-join-seed-nodes is off), so its end shows it was let in and put out.
        // (Polling its own status to see it joined raced with how fast it is downed.)
        assertEquals(
                "off",
                impostor.settings().config().getString("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes"));
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (!impostor.whenTerminated().isCompleted()) {
            assertTrue(
                    System.nanoTime() < deadline,
                    "the impostor was not downed within 40 s: "
                            + Cluster.get(impostor).state());
            Thread.sleep(20);
        }
        await(
                "the coordinator removes the impostor",
                Duration.ofSeconds(20),
                () -> !members(c).contains(impostorAddress));
        assertEquals(Set.of(coordinatorAddress), members(c), "the farm's membership is as it was");
    }
}
