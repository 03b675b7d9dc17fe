package io.pipefarm.cli.partition;

import io.pipefarm.agent.sim.EdgeTpuSimConfig;
import io.pipefarm.agent.sim.EdgeTpuSimulator;
import io.pipefarm.cli.BaseCommand;
import io.pipefarm.cli.CliException;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelRef;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm partition run}: standalone partition search against the simulated Edge TPU (measured
 * latencies = median of 10 simulated invokes per segment) and, for methods that need predictions, the
 * stand-in predictor trained on the fly on NASBench-101 and FC training networks.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Partition a model over K Edge TPUs (standalone, against the simulated Edge TPU).",
            "Methods: exact, predict, hybrid, profile (Coral's partition_with_profiling), even (--num_segments), greedy, random."})
public final class PartitionRunCommand extends BaseCommand {
    @Option(names = "--model", required = true, paramLabel = "M",
            description = "zoo name, fc:INPUTS,WIDTH,DEPTH, nasbench:{...} or file:PATH.tflite")
    String model;

    @Option(names = "--tpus", required = true, paramLabel = "K", description = "pipeline stages (Edge TPUs)")
    int tpus;

    @Option(names = "--method", defaultValue = "hybrid", paramLabel = "METHOD",
            description = "exact|predict|hybrid|profile|even|greedy|random (default ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--kind", defaultValue = "sim-edgetpu-usb", description = "device kind (standalone: sim-edgetpu-usb or sim-edgetpu-pci)")
    String kind;

    @Option(names = "--out", paramLabel = "DIR", description = "write segment .tflite files, partition.json and stages.svg here")
    Path out;

    @Option(names = "--candidates", defaultValue = "8", description = "hybrid: candidates per round (default ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--rounds", defaultValue = "2", description = "hybrid: verification rounds (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--compile-seconds", defaultValue = "2.0", description = "modelled compile time per profiled segment (default ${DEFAULT-VALUE})")
    double compileSeconds;

    @Option(names = "--diff-threshold-ns", defaultValue = "1000000", description = "profile: Coral's --diff_threshold_ns (default ${DEFAULT-VALUE})")
    long diffThresholdNs;

    @Option(names = "--seed", defaultValue = "1", description = "random: seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    protected int run() throws Exception {
        Method m = Method.parse(method);
        if (tpus < 1) throw CliException.usage("--tpus must be >= 1, got " + tpus);
        if (!kind.toLowerCase(Locale.ROOT).startsWith("sim-")) {
            throw CliException.usage("standalone partition search runs against the simulated Edge TPU only (sim-edgetpu-usb or "
                    + "sim-edgetpu-pci); device kind '" + kind + "' needs a farm");
        }
        EdgeTpuSimulator sim = new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(kind));
        Graph g = ModelRef.resolve(model);
        if (tpus > g.size()) {
            throw CliException.usage("cannot split " + g.name() + " (" + g.size() + " ops) over " + tpus + " Edge TPUs: each stage needs at least one op");
        }
        PartitionConfig cfg = PartitionConfig.forKind(sim.deviceKind()).withHybrid(candidates, rounds)
                .withCompileSeconds(compileSeconds).withDiffThresholdNs(diffThresholdNs).withSeed(seed);
        SimulatedCosts measured = new SimulatedCosts(g, sim, 10);
        SegmentCostSource predicted = null;
        String predictorName = "none";
        if (m.needsPrediction()) {
            if (!json) err().println("training the stand-in predictor (NASBench-101 + FC training networks)...");
            StandInPredictor p = trainStandIn(sim, cfg.onChipCacheBytes(), g.name());
            predicted = p.lazyForModel(g);
            predictorName = StandInPredictor.FAMILY + " (" + p.trainingRows() + " training segments)";
        }
        PartitionResult r = new Partitioner(PartitionModel.of(g), tpus, cfg, predicted, measured).run(m);
        PartitionOutputs.Written w = out == null ? null : PartitionOutputs.write(out, g, r, predictorName);
        if (json) {
            printJson(PartitionOutputs.descriptor(g, r, predictorName, w));
            return 0;
        }
        print(r, predictorName, w);
        return 0;
    }

    /** The stand-in predictor, trained on networks other than {@code exclude}. */
    static StandInPredictor trainStandIn(EdgeTpuSimulator sim, long cache, String exclude) {
        StandInPredictor.Accumulator acc = new StandInPredictor.Accumulator();
        for (CellSpec s : NasBenchSampler.sample(10, 0x7EA1L)) {
            Graph t = ModelZoo.nasbench(s);
            if (!t.name().equals(exclude)) acc.addModel(t, new SimulatedCosts(t, sim, 10), cache, 3);
        }
        for (int w : new int[] {1000, 1800, 2300, 3000}) {
            Graph t = ModelZoo.fc(64, w, 4);
            if (!t.name().equals(exclude)) acc.addModel(t, new SimulatedCosts(t, sim, 10), cache, 1);
        }
        for (String z : new String[] {"mobilenet_v1", "mobilenet_v2", "squeezenet", "inception_v1"}) {
            if (z.equals(exclude)) continue;
            Graph t = ModelZoo.build(z);
            acc.addModel(t, new SimulatedCosts(t, sim, 10), cache, 3);
        }
        return StandInPredictor.fit(sim.deviceKind(), cache, acc);
    }

    private void print(PartitionResult r, String predictorName, PartitionOutputs.Written w) {
        var o = out();
        o.printf(Locale.ROOT, "%s over %d x %s, method %s: cuts %s%n", r.model(), r.stageCount(), r.deviceKind(), r.method(),
                java.util.Arrays.toString(r.cuts()));
        Table t = new Table("stage", "ops", "predicted ms", "measured ms", "params", "fits cache", "in", "out");
        for (PartitionResult.Stage s : r.stages()) {
            t.row(s.index(), "[" + s.start() + "," + s.end() + ")", Table.fixed(s.predictedNs() / 1e6, 3),
                    Table.fixed(s.measuredNs() / 1e6, 3) + (s.measuredBySearch() ? "" : "*"), Table.bytes(s.paramBytes()),
                    s.fitsOnChip() ? "yes" : "NO", Table.bytes(s.inputBytes()), Table.bytes(s.outputBytes()));
        }
        t.print(o);
        o.printf(Locale.ROOT, "bottleneck %.3f ms (%s), throughput %.1f /s, end-to-end %.3f ms%n", r.bottleneckNs() / 1e6,
                r.objectiveFrom(), r.throughputPerSec(), r.endToEndNs() / 1e6);
        PartitionResult.SearchCost c = r.cost();
        o.printf(Locale.ROOT, "search cost: %d segments profiled (%d probes), device time %.1f s, compute %.2f ms%n",
                c.segmentsProfiled(), c.probes(), c.deviceTimeNs() / 1e9, c.computeNs() / 1e6);
        o.println("measured = median of 10 simulated invokes; * = measured after the search, for this report only; predictor: " + predictorName);
        if (w != null) o.println("wrote " + w.files().size() + " files to " + w.dir());
    }
}
