package io.pipefarm.cli.farm;

import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.DeviceRuntime;
import io.pipefarm.agent.device.EdgeTpuRuntime;
import io.pipefarm.agent.device.FixedLatencyRuntime;
import io.pipefarm.agent.device.QuarantiningRuntime;
import io.pipefarm.agent.device.SimulatedEdgeTpuRuntime;
import io.pipefarm.agent.device.TfliteCpuRuntime;
import io.pipefarm.agent.service.AgentNode;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.farm.tls.ClusterTls;
import io.pipefarm.cli.farm.tls.NodeIdentity;
import io.pipefarm.cli.ui.Table;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipefarm agent}: runs an agent node with the runtimes of this host. */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        description = "Run an agent node: discover this host's devices, join the farm and profile segments.")
public final class AgentCommand extends BaseCommand {
    @Option(
            names = "--seed",
            split = ",",
            description = "coordinator seed node HOST:PORT (required unless --list-devices)")
    List<String> seeds = List.of();

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "address to bind and advertise (default ${DEFAULT-VALUE})")
    String host;

    @Option(
            names = "--port",
            defaultValue = "2552",
            description = "cluster port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(
            names = "--id",
            description = "agent id (default: the CN of its certificate with TLS on, else host name and port)")
    String id;

    @Option(
            names = "--sim-usb",
            defaultValue = "0",
            description = "simulated Edge TPUs behind USB (kind sim-edgetpu-usb)")
    int simUsb;

    @Option(
            names = "--sim-pci",
            defaultValue = "0",
            description = "simulated Edge TPUs behind PCIe (kind sim-edgetpu-pci)")
    int simPci;

    @Option(
            names = "--time-scale",
            defaultValue = "1.0",
            description = "wall time per simulated second (default ${DEFAULT-VALUE}; 0 = instant)")
    double timeScale;

    @Option(
            names = "--cpu-threads",
            split = ",",
            description = "TFLite CPU devices, one per thread count (default 1; 'none' to disable)")
    List<String> cpuThreads = List.of("1");

    @Option(
            names = "--edgetpu",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description =
                    "Edge TPUs through libedgetpu (kinds edgetpu-usb / edgetpu-pci); --no-edgetpu to skip (default on)")
    boolean edgetpu;

    @Option(names = "--fixed", description = "benchmark devices KIND:COUNT:MILLIS whose runs take a fixed time")
    String fixed;

    @Option(names = "--cache", description = "blob cache directory (default ~/.cache/pipefarm/blobs)")
    Path cache;

    @Option(names = "--list-devices", description = "print the devices this host has and exit")
    boolean listDevices;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "HOCON config (default: $PIPEFARM_CONFIG, ./pipefarm.conf or /etc/pipefarm/pipefarm.conf if present)")
    Path config;

    /** What {@code --json} prints once the node is up. */
    public record Endpoints(String agent, String cluster) {}

    List<DeviceRuntime> runtimes() {
        List<DeviceRuntime> rts = new ArrayList<>();
        if (!(cpuThreads.size() == 1 && cpuThreads.get(0).equals("none"))) {
            rts.add(new TfliteCpuRuntime(
                    cpuThreads.stream().map(Integer::parseInt).toList()));
        }
        if (edgetpu) rts.add(QuarantiningRuntime.wrap(new EdgeTpuRuntime()));
        List<String> sims = new ArrayList<>();
        sims.addAll(Collections.nCopies(simUsb, "sim-edgetpu-usb"));
        sims.addAll(Collections.nCopies(simPci, "sim-edgetpu-pci"));
        if (!sims.isEmpty()) rts.add(new SimulatedEdgeTpuRuntime(sims, timeScale));
        if (fixed != null) {
            String[] p = fixed.split(":");
            if (p.length != 3)
                throw new IllegalArgumentException("--fixed takes KIND:COUNT:MILLIS, e.g. bench-fixed:64:20");
            rts.add(new FixedLatencyRuntime(p[0], Integer.parseInt(p[1]), Duration.ofMillis(Long.parseLong(p[2]))));
        }
        return rts;
    }

    /** With TLS the certificate names the agent; an --id that says otherwise is a mistake worth stopping for. */
    private String agentId(ClusterTls.Node tls, int p) throws UnknownHostException {
        if (tls.identity().isPresent()) {
            String certified = tls.identity().get().id();
            if (id != null && !id.equals(certified)) {
                throw new IllegalArgumentException(
                        "--id " + id + " differs from the agent id in this node's certificate (" + certified
                                + "); drop --id, or make a certificate for " + id + " with " + ClusterTls.SCRIPT);
            }
            return certified;
        }
        return id != null ? id : InetAddress.getLocalHost().getHostName() + "-" + p;
    }

    @Override
    protected int run() throws Exception {
        List<DeviceRuntime> rts = runtimes();
        if (listDevices) {
            List<DeviceInfo> all = new ArrayList<>();
            for (DeviceRuntime rt : rts) all.addAll(rt.discover());
            if (json) {
                printJson(all);
            } else {
                Table t = new Table("device", "kind", "runtime", "versions", "properties");
                for (DeviceInfo d : all) t.row(d.id(), d.kind(), d.runtime(), d.versions(), d.properties());
                out().print(t.render());
                if (all.isEmpty())
                    out().println("no devices (no TFLite CPU library, no Edge TPU, no simulated devices requested)");
            }
            rts.forEach(DeviceRuntime::close);
            return 0;
        }
        if (seeds.isEmpty()) throw new IllegalArgumentException("an agent needs --seed HOST:PORT of the coordinator");
        int p = port == 0 ? FarmPorts.free() : port;
        ClusterTls.Node tls = ClusterTls.configure(NodeConfig.load(config), NodeIdentity.AGENT);
        String agentId = agentId(tls, p);
        Path dir = cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "pipefarm", "blobs");
        AgentNode node = AgentNode.start(
                new AgentNode.Settings(agentId, host, p, seeds, dir, Duration.ofSeconds(20), tls.config()), rts);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close));
        if (json) printJson(new Endpoints(agentId, host + ":" + p));
        else
            out().printf(
                            "pipefarm agent %s on %s:%d joining %s (%s)%n",
                            agentId, host, p, seeds, tls.identity().isPresent() ? "TLS" : "no TLS");
        out().flush();
        Thread.currentThread().join();
        return 0;
    }
}
