package io.pipefarm.bench;

import io.pipefarm.bench.CpuLabels.CpuOptions;
import io.pipefarm.bench.CpuLabels.Noise;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.PredictorArtifact;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.ScatterSvg;
import io.pipefarm.coordinator.predictor.TransformerPredictor;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.features.SegmentFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Latency predictor accuracy on held-out architectures: profiles random segments of sampled NASBench-101 networks
 * and zoo models on the simulated Edge TPUs (seeded noise, median of timed runs) and, with {@link Options#cpu()},
 * on the real TFLite CPU runtime of this machine through the agent's runner ({@link CpuLabels}: a smaller sample
 * of networks and segments biased towards short ones), trains the predictor families on the training
 * architectures and reports accuracy on held-out architectures, training time and batched prediction time.
 */
public final class PredictorExperiment {
    /** The device kind of the real TFLite CPU runtime with one thread. */
    public static final String CPU_KIND = "cpu-x86_64-t1";

    private PredictorExperiment() {}

    /**
     * @param heldOutSpecs         NASBench-101 cells to hold out; null: a disjoint seeded sample of {@code holdoutNets}
     * @param trainNets            NASBench networks to train on
     * @param holdoutNets          held-out NASBench networks when no {@code heldOutSpecs}
     * @param segmentsPerNet       random segments profiled per network (simulated kinds)
     * @param zoo                  zoo models added to the training data
     * @param simKinds             simulated device kinds
     * @param cpu                  the real TFLite CPU kind's options, or null for none
     * @param cpuSaveFeatures      write every CPU sample's architecture, label and aggregates (TSV) here, or null
     * @param families             model families to train
     * @param transformerMaxSeconds wall-time cap of Transformer training per kind, or null for the trainer's
     * @param runs                 simulated timed runs per segment (the median is the label)
     * @param seed                 seed of sampling and training
     * @param plotDir              write predicted-vs-measured SVG scatter plots here, or null
     * @param artifactDir          write the served predictor artifact of each kind here, or null
     */
    public record Options(
            List<CellSpec> heldOutSpecs,
            int trainNets,
            int holdoutNets,
            int segmentsPerNet,
            List<String> zoo,
            List<String> simKinds,
            CpuOptions cpu,
            Path cpuSaveFeatures,
            List<String> families,
            Integer transformerMaxSeconds,
            int runs,
            long seed,
            Path plotDir,
            Path artifactDir) {
        public Options {
            if (segmentsPerNet < 1 || runs < 1 || trainNets < 2)
                throw new IllegalArgumentException("segments per net and runs must be >= 1, train nets >= 2");
            if (transformerMaxSeconds != null && transformerMaxSeconds < 1)
                throw new IllegalArgumentException("the Transformer's time cap must be >= 1 s");
            heldOutSpecs = heldOutSpecs == null ? null : List.copyOf(heldOutSpecs);
            zoo = List.copyOf(zoo);
            simKinds = List.copyOf(simKinds);
            families = List.copyOf(families);
            for (String k : simKinds) EdgeTpuSimConfig.forKind(k); // unknown kinds fail before any work
        }
    }

    /** One family on one kind: training time, and (unless it failed) held-out metrics and prediction cost. */
    public record FamilyResult(
            String family,
            double trainSeconds,
            String error,
            double acc10,
            double mape,
            double spearman,
            double rmseNs,
            double predictUsPerSegment) {
        public boolean ok() {
            return error == null;
        }
    }

    /** How the CPU kind's labels were made. */
    public record CpuInfo(
            String tfliteVersion,
            double profileSeconds,
            int minRunsPerSegment,
            int passes,
            List<Double> passSeconds,
            Path labelsLoadedFrom,
            int skippedSegments,
            String clock,
            Noise noise,
            Noise noiseSinglePass,
            Noise noiseOtherClock,
            Noise noiseBackToBack) {
        public CpuInfo {
            passSeconds = List.copyOf(passSeconds);
        }
    }

    /** One device kind: the served (best) family's held-out metrics, the data sizes, and every family. */
    public record KindResult(
            String kind,
            String served,
            double acc10,
            double mape,
            double spearman,
            double rmseNs,
            int heldoutSegments,
            int trainSegments,
            int heldoutArchitectures,
            CpuInfo cpu,
            List<FamilyResult> families) {
        public KindResult {
            families = List.copyOf(families);
        }
    }

    /**
     * Every kind, and across kinds: the longest single training and the sum; the slowest family's and the slowest
     * served family's prediction cost; the simulated kinds' profiling time and data sizes.
     */
    public record Result(
            List<KindResult> kinds,
            double trainSeconds,
            double trainSecondsTotal,
            double predictUsPerSegment,
            double predictUsPerSegmentServed,
            double profileSeconds,
            int trainSegmentsPerKind,
            int heldoutSegmentsPerKind,
            int trainArchitectures,
            int heldoutArchitectures,
            int threads) {
        public Result {
            kinds = List.copyOf(kinds);
        }
    }

    /** A network of the experiment. */
    record Net(String arch, Graph graph, ModelFeatures features, boolean heldOut) {
        static Net of(String arch, Graph g, boolean heldOut) {
            return new Net(arch, g, ModelFeatures.of(g), heldOut);
        }
    }

    /** Runs the experiment; {@code progress} hears what it is doing. */
    public static Result run(Options o, Consumer<String> progress) throws IOException {
        List<CellSpec> held =
                o.heldOutSpecs() != null ? o.heldOutSpecs() : NasBenchSampler.sample(o.holdoutNets(), o.seed() + 1000);
        Set<String> heldKeys = new HashSet<>();
        for (CellSpec s : held) heldKeys.add(CellSpecJson.toJson(s.pruned()));
        List<CellSpec> train = new ArrayList<>();
        for (CellSpec s : NasBenchSampler.sample(o.trainNets() + held.size() + 10, o.seed())) {
            if (train.size() < o.trainNets() && !heldKeys.contains(CellSpecJson.toJson(s.pruned()))) train.add(s);
        }
        List<Net> nets = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int k = 0; k < train.size(); k++)
            nets.add(Net.of("nb-train-" + k, ModelZoo.nasbench(train.get(k)), false));
        for (int k = 0; k < held.size(); k++) nets.add(Net.of("nb-held-" + k, ModelZoo.nasbench(held.get(k)), true));
        for (String z : o.zoo()) nets.add(Net.of(z, ModelZoo.build(z), false));

        Map<String, List<Sample>> data = profileSimulated(o, nets, progress);
        double profileSeconds = (System.nanoTime() - t0) / 1e9;
        Set<String> heldArchs = new TreeSet<>();
        for (Net net : nets) if (net.heldOut()) heldArchs.add(net.arch());
        Map<String, Set<String>> heldByKind = new LinkedHashMap<>();
        for (String k : o.simKinds()) heldByKind.put(k, heldArchs);

        CpuLabels.Outcome cpu = null;
        if (o.cpu() != null) {
            cpu = CpuLabels.profile(cpuNets(o.cpu(), nets), o.cpu(), o.seed(), progress);
            data.put(CPU_KIND, cpu.samples());
            heldByKind.put(CPU_KIND, cpu.heldOutArchitectures());
            if (o.cpuSaveFeatures() != null) saveFeatures(o.cpuSaveFeatures(), cpu);
        }

        PredictorTrainer.Options opt = PredictorTrainer.Options.defaults().families(o.families());
        if (o.transformerMaxSeconds() != null) {
            TransformerPredictor.Params tp = opt.transformer();
            opt = opt.transformer(new TransformerPredictor.Params(
                    tp.dModel(),
                    tp.layers(),
                    tp.heads(),
                    tp.epochs(),
                    tp.batch(),
                    tp.lr(),
                    tp.patience(),
                    tp.seed(),
                    o.transformerMaxSeconds(),
                    tp.threads()));
        }
        List<KindResult> kinds = new ArrayList<>();
        double trainSeconds = 0, trainSecondsTotal = 0, predictUs = 0, predictUsServed = 0;
        int trainSegments = 0, heldSegments = 0;
        try (PredictorTrainer trainer = new PredictorTrainer(opt)) {
            for (String kind : heldByKind.keySet()) {
                progress.accept("training " + kind + " on " + data.get(kind).size() + " segments");
                PredictorTrainer.Result r = trainer.train(kind, data.get(kind), heldByKind.get(kind));
                List<FamilyResult> families = new ArrayList<>();
                for (PredictorTrainer.FamilyResult fr : r.families()) {
                    trainSeconds = Math.max(trainSeconds, fr.trainSeconds());
                    trainSecondsTotal += fr.trainSeconds();
                    if (!fr.ok()) {
                        families.add(new FamilyResult(
                                fr.family(),
                                fr.trainSeconds(),
                                fr.error(),
                                Double.NaN,
                                Double.NaN,
                                Double.NaN,
                                Double.NaN,
                                Double.NaN));
                        continue;
                    }
                    Metrics m = fr.heldOut();
                    double us = predictMicros(fr.predictor(), data.get(kind));
                    predictUs = Math.max(predictUs, us);
                    if (fr == r.best()) predictUsServed = Math.max(predictUsServed, us);
                    families.add(new FamilyResult(
                            fr.family(), fr.trainSeconds(), null, m.acc10(), m.mape(), m.spearman(), m.rmseNs(), us));
                    if (o.plotDir() != null) {
                        Files.createDirectories(o.plotDir());
                        Files.writeString(
                                o.plotDir().resolve(kind + "-" + fr.family() + ".svg"),
                                ScatterSvg.render(
                                        kind + " " + fr.family() + " (held-out architectures): " + m,
                                        r.measured(),
                                        fr.predicted()));
                    }
                }
                int trainN = ((Number) r.data().get("trainSegments")).intValue()
                        + ((Number) r.data().get("validationSegments")).intValue();
                if (!kind.equals(CPU_KIND)) {
                    trainSegments = trainN;
                    heldSegments = r.heldOut().size();
                }
                if (o.artifactDir() != null) {
                    Files.createDirectories(o.artifactDir());
                    Map<String, Object> d = new LinkedHashMap<>(r.data());
                    Files.write(
                            o.artifactDir().resolve(kind + ".predictor.zip"),
                            PredictorArtifact.write(
                                    r.best().predictor(), r.best().heldOut().toMap(), d));
                }
                Metrics bm = r.best().heldOut();
                CpuInfo ci = kind.equals(CPU_KIND) ? cpuInfo(o.cpu(), cpu) : null;
                kinds.add(new KindResult(
                        kind,
                        r.best().family(),
                        bm.acc10(),
                        bm.mape(),
                        bm.spearman(),
                        bm.rmseNs(),
                        bm.n(),
                        trainN,
                        heldByKind.get(kind).size(),
                        ci,
                        families));
            }
        }
        return new Result(
                kinds,
                trainSeconds,
                trainSecondsTotal,
                predictUs,
                predictUsServed,
                profileSeconds,
                trainSegments,
                heldSegments,
                nets.size() - heldArchs.size(),
                heldArchs.size(),
                opt.xgb().threads());
    }

    /** Random segments of every network on every simulated kind, each labelled by the median of {@link Options#runs()} simulated runs. */
    private static Map<String, List<Sample>> profileSimulated(Options o, List<Net> nets, Consumer<String> progress) {
        Map<String, List<Sample>> data = new LinkedHashMap<>();
        List<EdgeTpuSimulator> sims = new ArrayList<>();
        for (String kind : o.simKinds()) {
            sims.add(new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(kind)));
            data.put(kind, new ArrayList<>());
        }
        if (sims.isEmpty()) return data;
        Random rnd = new Random(o.seed());
        int done = 0, runs = o.runs();
        for (Net net : nets) {
            progress.accept("profiling " + net.arch() + " (" + (++done) + "/" + nets.size() + ")");
            int n = net.graph().size();
            Set<Long> chosen = new TreeSet<>();
            int want = Math.min(o.segmentsPerNet(), n * (n + 1) / 2);
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
                    Arrays.sort(t);
                    double median = runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2.0;
                    data.get(o.simKinds().get(s)).add(new Sample(net.arch(), key, f, median));
                }
            }
        }
        return data;
    }

    /** The CPU sample: the first training and held-out NASBench nets, and the CPU zoo models. */
    private static List<Net> cpuNets(CpuOptions c, List<Net> nets) {
        List<Net> out = new ArrayList<>();
        int tr = 0, ho = 0;
        for (Net net : nets) {
            if (!net.arch().startsWith("nb-")) continue;
            if (net.heldOut() ? ho++ < c.holdoutNets() : tr++ < c.trainNets()) out.add(net);
        }
        for (String z : c.zoo()) {
            Net have = null;
            for (Net net : nets) if (net.arch().equals(z)) have = net;
            out.add(have != null ? have : Net.of(z, ModelZoo.build(z), false));
        }
        return out;
    }

    private static CpuInfo cpuInfo(CpuOptions c, CpuLabels.Outcome o) {
        return new CpuInfo(
                o.tfliteVersion(),
                o.profileSeconds(),
                c.runs(),
                c.passes(),
                o.passSeconds(),
                c.loadLabels(),
                o.skipped(),
                c.clock(),
                o.noise(),
                o.singlePass(),
                o.otherClock(),
                o.backToBack());
    }

    private static void saveFeatures(Path file, CpuLabels.Outcome cpu) throws IOException {
        StringBuilder b =
                new StringBuilder("arch\theld\tlabel\t" + String.join("\t", SegmentFeatures.AGGREGATE_NAMES) + "\n");
        for (Sample x : cpu.samples()) {
            b.append(x.architecture())
                    .append('\t')
                    .append(cpu.heldOutArchitectures().contains(x.architecture()) ? 1 : 0)
                    .append('\t')
                    .append(x.latencyNs());
            for (double v : x.features().aggregates()) b.append('\t').append(v);
            b.append('\n');
        }
        Files.writeString(file, b);
    }

    /** Microseconds per segment predicting batches of 1,000 (after a warm-up batch). */
    static double predictMicros(LatencyPredictor p, List<Sample> samples) {
        List<SegmentFeatures> batch = new ArrayList<>();
        for (int i = 0; i < Math.min(1000, samples.size()); i++)
            batch.add(samples.get(i).features());
        p.predictNanos(batch);
        int reps = 5;
        long t0 = System.nanoTime();
        for (int r = 0; r < reps; r++) p.predictNanos(batch);
        return (System.nanoTime() - t0) / 1e3 / reps / batch.size();
    }
}
