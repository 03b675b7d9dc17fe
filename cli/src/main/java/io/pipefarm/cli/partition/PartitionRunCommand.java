package io.pipefarm.cli.partition;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.remote.FarmClient;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.api.Partition;
import io.pipefarm.coordinator.api.PartitionSummary;
import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.PredictedCosts;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.partition.SimulatedCosts;
import io.pipefarm.coordinator.partition.SimulatorPredictor;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.model.zoo.ModelRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm partition run}: standalone partition search against the simulated Edge TPU (measured
 * latencies = median of 10 simulated invokes per segment) and, for methods that need predictions, the
 * farm's predictor trained on the spot on simulated segments of other networks ({@link SimulatorPredictor}).
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Partition a model over K Edge TPUs: through the coordinator when one answers at --url / $PIPEFARM_URL",
            "(or with --farm; profiles on the farm's devices, the farm's serving predictor), else standalone against the",
            "simulated Edge TPU with a predictor trained on simulated training networks. The output says which.",
            "Methods: exact, predict, hybrid, profile (Coral's partition_with_profiling), even (--num_segments), greedy, random."
        })
public final class PartitionRunCommand extends BaseCommand {
    /**
     * {@code --json} output, the same either way: {@code via} coordinator (with its {@code url}) or
     * standalone, the partition's descriptor (partition.json's content) and the files written with --out.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Report(String via, String url, Partition partition, List<String> files) {}

    @Option(
            names = "--model",
            required = true,
            paramLabel = "M",
            description = "zoo name, fc:INPUTS,WIDTH,DEPTH, nasbench:{...} or file:PATH.tflite")
    String model;

    @Option(names = "--tpus", required = true, paramLabel = "K", description = "pipeline stages (Edge TPUs)")
    int tpus;

    @Option(
            names = "--method",
            defaultValue = "hybrid",
            paramLabel = "METHOD",
            description = "exact|predict|hybrid|profile|even|greedy|random (default ${DEFAULT-VALUE})")
    String method;

    @Option(
            names = "--kind",
            defaultValue = "sim-edgetpu-usb",
            description = "device kind (standalone: sim-edgetpu-usb or sim-edgetpu-pci)")
    String kind;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "write segment .tflite files, partition.json and stages.svg here")
    Path out;

    @Option(
            names = "--url",
            paramLabel = "URL",
            description = "coordinator HTTP API (default: $PIPEFARM_URL or " + FarmClient.DEFAULT_URL + ")")
    String url;

    @Option(names = "--farm", description = "run through the coordinator (fail if none answers)")
    boolean farm;

    @Option(names = "--standalone", description = "run standalone against the simulator even if a coordinator answers")
    boolean standalone;

    @Option(
            names = "--wait",
            defaultValue = "900",
            paramLabel = "SECONDS",
            description = "farm: how long to wait for the search (default ${DEFAULT-VALUE})")
    int waitSeconds;

    @Option(
            names = "--candidates",
            defaultValue = "8",
            description = "hybrid: candidates per round (default ${DEFAULT-VALUE})")
    int candidates;

    @Option(
            names = "--hybrid-error",
            defaultValue = "0.02",
            paramLabel = "E",
            description =
                    "hybrid: relative error of the predictor assumed before anything is profiled (default ${DEFAULT-VALUE})")
    double hybridError;

    @Option(
            names = "--compile-seconds",
            defaultValue = "2.0",
            description = "modelled compile time per profiled segment (default ${DEFAULT-VALUE})")
    double compileSeconds;

    @Option(
            names = "--diff-threshold-ns",
            defaultValue = "1000000",
            description = "profile: Coral's --diff_threshold_ns (default ${DEFAULT-VALUE})")
    long diffThresholdNs;

    @Option(names = "--seed", defaultValue = "1", description = "random: seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    protected int run() throws Exception {
        Method m;
        try {
            m = Method.parse(method);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        if (tpus < 1) throw CliException.usage("--tpus must be >= 1, got " + tpus);
        if (farm && standalone) throw CliException.usage("--farm and --standalone exclude each other");
        String farmUrl = FarmClient.resolveUrl(url);
        if (farm || (!standalone && PartitionRemote.reachable(farmUrl))) return runOnFarm(farmUrl, m);
        return runStandalone(m);
    }

    /** Through the coordinator: POST /api/partitions, wait, print, and fetch the files with --out. */
    private int runOnFarm(String farmUrl, Method m) throws Exception {
        PartitionRemote remote = new PartitionRemote(farmUrl, Duration.ofSeconds(60));
        if (!json) err().println("using the coordinator at " + remote.url());
        PartitionSummary started = remote.start(model, tpus, m.id(), kind);
        long id = started.id();
        if (!json) err().println("partition " + id + " running (" + m.id() + " over " + tpus + " x " + kind + ")...");
        PartitionSummary s = remote.await(id, Duration.ofSeconds(waitSeconds), x -> {});
        if (!"done".equals(s.state()) || s.result() == null) {
            throw new CliException(
                    CliException.FAILURE, "partition " + id + " failed on the coordinator: " + s.error());
        }
        List<Path> files = out == null ? List.of() : remote.fetch(id, out);
        if (json) {
            printJson(new Report(
                    "coordinator",
                    remote.url(),
                    s.result(),
                    out == null ? null : files.stream().map(Path::toString).toList()));
            return 0;
        }
        PartitionResult r = Descriptors.result(s.result());
        out().println("via the coordinator at " + remote.url() + ": partition " + id);
        print(
                r,
                s.result().predictor(),
                null,
                "measured on the farm's " + kind + " devices (stored profiles, or campaigns for the missing ones)");
        if (out != null) out().println("wrote " + files.size() + " files to " + out);
        return 0;
    }

    private int runStandalone(Method m) throws Exception {
        if (!DeviceKind.tryParse(kind.toLowerCase(Locale.ROOT))
                .map(DeviceKind::isSimulated)
                .orElse(false)) {
            throw CliException.usage(
                    "standalone partition search runs against the simulated Edge TPU only (sim-edgetpu-usb or "
                            + "sim-edgetpu-pci); device kind '" + kind + "' needs a farm");
        }
        long createdMs = System.currentTimeMillis();
        EdgeTpuSimulator sim = new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(kind));
        Graph g = ModelRef.resolve(model);
        if (tpus > g.size()) {
            throw CliException.usage("cannot split " + g.name() + " (" + g.size() + " ops) over " + tpus
                    + " Edge TPUs: each stage needs at least one op");
        }
        PartitionConfig cfg = PartitionConfig.forKind(sim.deviceKind())
                .withHybrid(candidates, 1)
                .withHybridError(hybridError)
                .withCompileSeconds(compileSeconds)
                .withDiffThresholdNs(diffThresholdNs)
                .withSeed(seed);
        SimulatedCosts measured = new SimulatedCosts(g, sim, 10);
        SegmentCostSource predicted = null;
        String predictorName = "none";
        if (m.needsPrediction()) {
            if (!json)
                err().println("training the predictor on simulated NASBench-101, FC and zoo training networks...");
            SimulatorPredictor.Trained p = SimulatorPredictor.train(sim, g.name());
            predicted = PredictedCosts.of(p.predictor(), g);
            predictorName = p.describe();
        }
        PartitionResult r = new Partitioner(PartitionModel.of(g), tpus, cfg, predicted, measured).run(m);
        PartitionOutputs.Written w =
                out == null ? null : PartitionOutputs.write(out, model, g, r, predictorName, createdMs);
        if (json) {
            Partition d =
                    w != null ? w.descriptor() : PartitionOutputs.descriptor(model, g, r, predictorName, createdMs);
            printJson(new Report(
                    "standalone",
                    null,
                    d,
                    w == null ? null : w.files().stream().map(Path::toString).toList()));
            return 0;
        }
        out().println("standalone (no coordinator used): simulated " + kind
                + ", predictor trained on simulated networks");
        print(r, predictorName, w, "median of 10 simulated invokes");
        return 0;
    }

    private void print(PartitionResult r, String predictorName, PartitionOutputs.Written w, String measuredHow) {
        var o = out();
        o.printf(
                Locale.ROOT,
                "%s over %d x %s, method %s: cuts %s%n",
                r.model(),
                r.stageCount(),
                r.deviceKind(),
                r.method(),
                Arrays.toString(r.cuts()));
        Table t = new Table("stage", "ops", "predicted ms", "measured ms", "params", "fits cache", "in", "out");
        for (PartitionResult.Stage s : r.stages()) {
            t.row(
                    s.index(),
                    "[" + s.start() + "," + s.end() + ")",
                    Table.fixed(s.predictedNs() / 1e6, 3),
                    Table.fixed(s.measuredNs() / 1e6, 3) + (s.measuredBySearch() ? "" : "*"),
                    Table.bytes(s.paramBytes()),
                    s.fitsOnChip() ? "yes" : "NO",
                    Table.bytes(s.inputBytes()),
                    Table.bytes(s.outputBytes()));
        }
        t.print(o);
        o.printf(
                Locale.ROOT,
                "bottleneck %.3f ms (%s), throughput %.1f /s, end-to-end %.3f ms%n",
                r.bottleneckNs() / 1e6,
                r.objectiveFrom(),
                r.throughputPerSec(),
                r.endToEndNs() / 1e6);
        PartitionResult.SearchCost c = r.cost();
        o.printf(
                Locale.ROOT,
                "search cost: %d segments profiled (%d probes), device time %.1f s, compute %.2f ms%n",
                c.segmentsProfiled(),
                c.probes(),
                c.deviceTimeNs() / 1e9,
                c.computeNs() / 1e6);
        o.println("measured = " + measuredHow + "; * = measured after the search, for this report only; predictor: "
                + predictorName);
        if (w != null) o.println("wrote " + w.files().size() + " files to " + w.dir());
    }
}
