package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.agent.sim.EdgeTpuSimConfig;
import io.pipefarm.agent.sim.EdgeTpuSimulator;
import io.pipefarm.cli.BaseCommand;
import io.pipefarm.cli.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.ScatterSvg;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm bench predictor}: profiles random segments of sampled NASBench-101 networks and
 * zoo models on the simulated Edge TPUs (seeded noise, median of timed runs), trains the predictor
 * families on the training architectures and reports accuracy on held-out architectures, training
 * time and batched prediction time.
 */
@Command(name = "predictor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Latency predictor accuracy on held-out architectures (simulated Edge TPU data).",
            "JSON: per device kind acc10, mape, spearman (of the served family) and per family; train_seconds; predict_us_per_segment."})
public final class PredictorBench extends BaseCommand {

    @Option(names = "--holdout-specs", paramLabel = "FILE", description = "NASBench-101 cell specs (JSON) to hold out; default: a disjoint seeded sample")
    Path holdoutSpecs;

    @Option(names = "--train-nets", defaultValue = "100", description = "NASBench networks to train on (default ${DEFAULT-VALUE})")
    int trainNets;

    @Option(names = "--holdout-nets", defaultValue = "20", description = "held-out NASBench networks when no --holdout-specs (default ${DEFAULT-VALUE})")
    int holdoutNets;

    @Option(names = "--segments-per-net", defaultValue = "200", description = "random segments profiled per network (default ${DEFAULT-VALUE})")
    int segmentsPerNet;

    @Option(names = "--zoo", split = ",", defaultValue = "mobilenet_v1,mobilenet_v2,inception_v1,squeezenet,efficientnet_edgetpu_s",
            description = "zoo models added to the training data (default ${DEFAULT-VALUE}; 'none' to skip)")
    List<String> zoo;

    @Option(names = "--kinds", split = ",", defaultValue = "sim-edgetpu-usb,sim-edgetpu-pci", description = "simulated device kinds (default ${DEFAULT-VALUE})")
    List<String> kinds;

    @Option(names = "--families", split = ",", defaultValue = "xgboost,transformer", description = "model families (default ${DEFAULT-VALUE})")
    List<String> families;

    @Option(names = "--runs", defaultValue = "15", description = "timed runs per segment, the median is the label (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--seed", defaultValue = "42", description = "seed of sampling and training (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--plot-dir", paramLabel = "DIR", description = "write predicted-vs-measured SVG scatter plots here")
    Path plotDir;

    @Option(names = "--artifact-dir", paramLabel = "DIR", description = "write the served predictor artifact of each kind here")
    Path artifactDir;

    record Net(String arch, Graph graph, ModelFeatures features, boolean heldOut) {}

    @Override
    protected int run() throws Exception {
        if (segmentsPerNet < 1 || runs < 1 || trainNets < 2) throw CliException.usage("--segments-per-net, --runs must be >= 1 and --train-nets >= 2");
        boolean progress = !json;
        List<CellSpec> held;
        if (holdoutSpecs != null) {
            if (!Files.isReadable(holdoutSpecs)) throw CliException.usage("cannot read --holdout-specs " + holdoutSpecs);
            held = CellSpecJson.read(holdoutSpecs);
        } else {
            held = NasBenchSampler.sample(holdoutNets, seed + 1000);
        }
        Set<String> heldKeys = new HashSet<>();
        for (CellSpec s : held) heldKeys.add(CellSpecJson.toJson(s.pruned()));
        List<CellSpec> train = new ArrayList<>();
        for (CellSpec s : NasBenchSampler.sample(trainNets + held.size() + 10, seed)) {
            if (train.size() < trainNets && !heldKeys.contains(CellSpecJson.toJson(s.pruned()))) train.add(s);
        }
        List<Net> nets = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int k = 0; k < train.size(); k++) nets.add(net("nb-train-" + k, ModelZoo.nasbench(train.get(k)), false));
        for (int k = 0; k < held.size(); k++) nets.add(net("nb-held-" + k, ModelZoo.nasbench(held.get(k)), true));
        if (!(zoo.size() == 1 && zoo.get(0).equals("none"))) for (String z : zoo) nets.add(net(z, ModelZoo.build(z), false));

        // Profile random segments on every kind.
        Map<String, List<Sample>> data = new LinkedHashMap<>();
        List<EdgeTpuSimulator> sims = new ArrayList<>();
        for (String kind : kinds) {
            try { sims.add(new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(kind))); }
            catch (IllegalArgumentException e) { throw CliException.usage(e.getMessage()); }
            data.put(kind, new ArrayList<>());
        }
        Random rnd = new Random(seed);
        int done = 0;
        for (Net net : nets) {
            if (progress) status("profiling " + net.arch() + " (" + (++done) + "/" + nets.size() + ")");
            int n = net.graph().size();
            int total = n * (n + 1) / 2;
            Set<Long> chosen = new TreeSet<>();
            int want = Math.min(segmentsPerNet, total);
            while (chosen.size() < want) {
                int i = rnd.nextInt(n), j = i + 1 + rnd.nextInt(n - i);
                chosen.add((long) i << 32 | j);
            }
            for (long c : chosen) {
                int i = (int) (c >>> 32), j = (int) c;
                Graph seg = Segmenter.subgraph(net.graph(), i, j);
                String key = EdgeTpuSimulator.modelKey(seg);
                SegmentFeatures f = net.features().segment(i, j);
                for (int s = 0; s < sims.size(); s++) {
                    long[] t = new long[runs];
                    for (int r = 0; r < runs; r++) t[r] = sims.get(s).sampleRunNanos(seg, key, r, key);
                    java.util.Arrays.sort(t);
                    double median = runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2.0;
                    data.get(kinds.get(s)).add(new Sample(net.arch(), key, f, median));
                }
            }
        }
        double profileSeconds = (System.nanoTime() - t0) / 1e9;
        Set<String> heldArchs = new TreeSet<>();
        for (Net net : nets) if (net.heldOut()) heldArchs.add(net.arch());

        PredictorTrainer.Options opt = PredictorTrainer.Options.defaults().families(families);
        ObjectNode out = Json.object();
        ObjectNode perKind = out.putObject("kinds");
        double trainSeconds = 0;
        double predictUs = 0;
        int trainSegments = 0, heldSegments = 0;
        try (PredictorTrainer trainer = new PredictorTrainer(opt)) {
            for (String kind : kinds) {
                if (progress) status("training " + kind + " on " + data.get(kind).size() + " segments");
                PredictorTrainer.Result r = trainer.train(kind, data.get(kind), heldArchs);
                ObjectNode k = perKind.putObject(kind);
                k.put("served", r.best().family());
                Metrics bm = r.best().heldOut();
                k.put("acc10", bm.acc10());
                k.put("mape", bm.mape());
                k.put("spearman", bm.spearman());
                k.put("rmse_ns", bm.rmseNs());
                k.put("heldout_segments", bm.n());
                ObjectNode fam = k.putObject("families");
                for (PredictorTrainer.FamilyResult fr : r.families()) {
                    ObjectNode f = fam.putObject(fr.family());
                    f.put("train_seconds", fr.trainSeconds());
                    trainSeconds += fr.trainSeconds();
                    if (!fr.ok()) { f.put("error", fr.error()); continue; }
                    f.put("acc10", fr.heldOut().acc10());
                    f.put("mape", fr.heldOut().mape());
                    f.put("spearman", fr.heldOut().spearman());
                    f.put("rmse_ns", fr.heldOut().rmseNs());
                    double us = predictMicros(fr.predictor(), data.get(kind));
                    f.put("predict_us_per_segment", us);
                    if (fr == r.best()) predictUs = Math.max(predictUs, us);
                    if (plotDir != null) {
                        Files.createDirectories(plotDir);
                        Files.writeString(plotDir.resolve(kind + "-" + fr.family() + ".svg"),
                                ScatterSvg.render(kind + " " + fr.family() + " (held-out architectures): " + fr.heldOut(), r.measured(), fr.predicted()));
                    }
                }
                trainSegments = ((Number) r.data().get("trainSegments")).intValue() + ((Number) r.data().get("validationSegments")).intValue();
                heldSegments = r.heldOut().size();
                if (artifactDir != null) {
                    Files.createDirectories(artifactDir);
                    Map<String, Object> d = new LinkedHashMap<>(r.data());
                    Files.write(artifactDir.resolve(kind + ".predictor.zip"), PredictorArtifact.write(r.best().predictor(), bm.toMap(), d));
                }
            }
        }
        if (progress) status(null);
        out.put("train_seconds", trainSeconds);
        out.put("predict_us_per_segment", predictUs);
        out.put("profile_seconds", profileSeconds);
        out.put("train_segments_per_kind", trainSegments);
        out.put("heldout_segments_per_kind", heldSegments);
        out.put("train_architectures", nets.size() - heldArchs.size());
        out.put("heldout_architectures", heldArchs.size());
        out.put("threads", opt.xgb().threads());
        if (json) {
            printJson(out);
        } else {
            var w = out();
            w.printf(Locale.ROOT, "%-18s %-12s %8s %8s %9s %10s %10s%n", "kind", "family", "acc10", "mape", "spearman", "train s", "pred us");
            perKind.fields().forEachRemaining(e -> e.getValue().get("families").fields().forEachRemaining(f -> {
                var v = f.getValue();
                if (v.has("error")) { w.printf(Locale.ROOT, "%-18s %-12s error: %s%n", e.getKey(), f.getKey(), v.get("error").asText()); return; }
                w.printf(Locale.ROOT, "%-18s %-12s %7.2f%% %7.2f%% %9.4f %10.1f %10.2f%s%n", e.getKey(), f.getKey(), 100 * v.get("acc10").asDouble(),
                        v.get("mape").asDouble(), v.get("spearman").asDouble(), v.get("train_seconds").asDouble(), v.get("predict_us_per_segment").asDouble(),
                        f.getKey().equals(e.getValue().get("served").asText()) ? "  (served)" : "");
            }));
            w.printf(Locale.ROOT, "%d training architectures, %d held out; %d training and %d held-out segments per kind; profiling %.1f s%n",
                    nets.size() - heldArchs.size(), heldArchs.size(), trainSegments, heldSegments, profileSeconds);
        }
        return 0;
    }

    private static Net net(String arch, Graph g, boolean heldOut) {
        return new Net(arch, g, ModelFeatures.of(g), heldOut);
    }

    /** Microseconds per segment predicting batches of 1,000 (after a warm-up batch). */
    static double predictMicros(LatencyPredictor p, List<Sample> samples) {
        List<SegmentFeatures> batch = new ArrayList<>();
        for (int i = 0; i < Math.min(1000, samples.size()); i++) batch.add(samples.get(i).features());
        p.predictNanos(batch);
        int reps = 5;
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) p.predictNanos(batch);
        return (System.nanoTime() - t0) / 1e3 / reps / batch.size();
    }

    private void status(String s) {
        if (s == null) err().print("\r\033[K");
        else err().print("\r\033[K" + s);
        err().flush();
    }
}
