package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.agent.tflite.TensorInfo;
import io.pipefarm.agent.tflite.TfliteException;
import io.pipefarm.agent.tflite.TfliteInterpreter;
import io.pipefarm.agent.tflite.TfliteRuntime;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
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
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pipefarm bench predictor}: profiles random segments of sampled NASBench-101 networks and
 * zoo models on the simulated Edge TPUs (seeded noise, median of timed runs) and, with {@code --cpu}
 * (or {@value #CPU_KIND} in {@code --kinds}), on the real TFLite CPU runtime of this machine in this
 * process (one thread, seeded random inputs, on a smaller sample of networks and segments biased
 * towards short ones), trains the predictor families on the training architectures and reports
 * accuracy on held-out architectures, training time and batched prediction time.
 *
 * <p>CPU labels survive a shared, drifting machine: {@code --cpu-passes} interleaved passes visit
 * every segment once each, in a new random order (fresh interpreter, one warm-up, median of at least
 * {@code --cpu-runs} timed runs); a run's time is the profiling thread's CPU time (the interpreter runs
 * on it), which leaves out the time other processes held the core; the label is the minimum of the
 * per-pass medians, because interference only adds time. Some segments are measured twice in every
 * pass, and the spread between their two labels is the reported noise floor (also for one pass's
 * median, back to back, and with the wall clock).
 */
@Command(name = "predictor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Latency predictor accuracy on held-out architectures (simulated Edge TPU data; real TFLite CPU with --cpu).",
            "JSON: per device kind acc10, mape, spearman (of the served family) and per family; train_seconds (the longest single training of a family on one kind; train_seconds_total: all);",
            "predict_us_per_segment (the slowest family; _served: the served ones);",
            "for cpu-x86_64-t1 also noise (spread between two independent labels of the same segments) and per-pass timing."})
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

    @Option(names = "--kinds", split = ",", defaultValue = "sim-edgetpu-usb,sim-edgetpu-pci",
            description = "device kinds: simulated ones and/or " + CPU_KIND + " (real TFLite CPU, 1 thread) (default ${DEFAULT-VALUE})")
    List<String> kinds;

    @Option(names = "--cpu", description = "also profile on the real TFLite CPU runtime (kind " + CPU_KIND + ")")
    boolean cpu;

    @Option(names = "--cpu-train-nets", defaultValue = "70", description = "CPU: NASBench networks to train on, the first of the training sample; more data, better held-out accuracy (40: 90.8 %% acc10, 70: 94.0 %% on one split) (default ${DEFAULT-VALUE})")
    int cpuTrainNets;

    @Option(names = "--cpu-holdout-nets", defaultValue = "10", description = "CPU: held-out NASBench networks, the first of the held-out ones (default ${DEFAULT-VALUE})")
    int cpuHoldoutNets;

    @Option(names = "--cpu-segments-per-net", defaultValue = "40", description = "CPU: random segments per network, half of them short (default ${DEFAULT-VALUE})")
    int cpuSegmentsPerNet;

    @Option(names = "--cpu-zoo", split = ",", defaultValue = "mobilenet_v1,mobilenet_v2,squeezenet",
            description = "CPU: zoo models added to the training data (default ${DEFAULT-VALUE}; 'none' to skip)")
    List<String> cpuZoo;

    @Option(names = "--cpu-runs", defaultValue = "5",
            description = "CPU: at least this many timed runs per segment and pass after 1 warm-up (short segments get more, up to 41 or ~10 ms); the pass's figure is their median (default ${DEFAULT-VALUE})")
    int cpuRuns;

    @Option(names = "--cpu-clock", defaultValue = "thread",
            description = "CPU: what a run's latency is: 'thread' (the profiling thread's CPU time: leaves out time other processes held the core) or 'wall' (default ${DEFAULT-VALUE})")
    String cpuClock;

    @Option(names = "--cpu-passes", defaultValue = "3",
            description = "CPU: interleaved passes over all segments (each in a new random order); the label is the minimum of a segment's per-pass medians (default ${DEFAULT-VALUE})")
    int cpuPasses;

    @Option(names = "--cpu-noise-segments", defaultValue = "40",
            description = "CPU: segments measured a second time in every pass (elsewhere in it) to measure the noise floor of the labels (default ${DEFAULT-VALUE})")
    int cpuNoiseSegments;

    @Option(names = "--cpu-save-labels", paramLabel = "FILE", description = "CPU: write every segment's per-pass medians (TSV) here")
    Path cpuSaveLabels;

    @Option(names = "--cpu-load-labels", paramLabel = "FILE",
            description = "CPU: take the per-pass medians from a file written by --cpu-save-labels with the same sampling options instead of profiling (for model work)")
    Path cpuLoadLabels;

    @Option(names = "--cpu-save-features", paramLabel = "FILE", hidden = true, description = "CPU: write every sample's architecture, label and aggregates (TSV) here")
    Path cpuSaveFeatures;

    @Option(names = "--families", split = ",", defaultValue = "xgboost,transformer", description = "model families (default ${DEFAULT-VALUE})")
    List<String> families;

    @Option(names = "--transformer-max-seconds", paramLabel = "S", description = "wall-time cap of Transformer training per kind (default: the trainer's, 240)")
    Integer transformerMaxSeconds;

    @Option(names = "--runs", defaultValue = "15", description = "timed runs per segment, the median is the label (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--seed", defaultValue = "42", description = "seed of sampling and training (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--plot-dir", paramLabel = "DIR", description = "write predicted-vs-measured SVG scatter plots here")
    Path plotDir;

    @Option(names = "--artifact-dir", paramLabel = "DIR", description = "write the served predictor artifact of each kind here")
    Path artifactDir;

    static final String CPU_KIND = "cpu-x86_64-t1";
    static final int CPU_MAX_RUNS = 41;
    static final long CPU_MIN_TIMED_NANOS = 10_000_000L;

    record Net(String arch, Graph graph, ModelFeatures features, boolean heldOut) {}

    /** Run-to-run spread of CPU medians: |m2 - m1| / m1 of segments profiled twice. */
    record Noise(int segments, double medianRelDiff, double p90RelDiff, double maxRelDiff, double within10, double within5, double medianSignedDiff) {}

    @Override
    protected int run() throws Exception {
        if (segmentsPerNet < 1 || runs < 1 || trainNets < 2) throw CliException.usage("--segments-per-net, --runs must be >= 1 and --train-nets >= 2");
        boolean progress = !json;
        List<String> simKinds = new ArrayList<>();
        for (String k : kinds) if (!k.equals(CPU_KIND) && !simKinds.contains(k)) simKinds.add(k);
        boolean doCpu = cpu || kinds.contains(CPU_KIND);
        if (doCpu && (cpuRuns < 1 || cpuRuns > CPU_MAX_RUNS || cpuSegmentsPerNet < 1 || cpuTrainNets < 2 || cpuHoldoutNets < 1 || cpuNoiseSegments < 0 || cpuPasses < 1)) {
            throw CliException.usage("--cpu-runs must be 1.." + CPU_MAX_RUNS + "; --cpu-segments-per-net, --cpu-holdout-nets, --cpu-passes >= 1; --cpu-train-nets >= 2, --cpu-noise-segments >= 0");
        }
        List<String> allKinds = new ArrayList<>(simKinds);
        if (doCpu) allKinds.add(CPU_KIND);
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
        for (String kind : simKinds) {
            try { sims.add(new EdgeTpuSimulator(EdgeTpuSimConfig.forKind(kind))); }
            catch (IllegalArgumentException e) { throw CliException.usage(e.getMessage()); }
            data.put(kind, new ArrayList<>());
        }
        Random rnd = new Random(seed);
        int done = 0;
        for (Net net : simKinds.isEmpty() ? List.<Net>of() : nets) {
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
                    data.get(simKinds.get(s)).add(new Sample(net.arch(), key, f, median));
                }
            }
        }
        double profileSeconds = (System.nanoTime() - t0) / 1e9;
        Set<String> heldArchs = new TreeSet<>();
        for (Net net : nets) if (net.heldOut()) heldArchs.add(net.arch());

        // Real TFLite CPU: a smaller sample (the first training and held-out NASBench nets, a few zoo models).
        Noise cpuNoise = null, cpuNoiseNow = null, cpuNoisePass = null, cpuNoiseOther = null;
        int clock = cpuClock.equals("wall") ? 0 : 1;
        if (doCpu && !cpuClock.equals("wall") && !cpuClock.equals("thread")) throw CliException.usage("--cpu-clock must be 'thread' or 'wall'");
        double[] cpuPassSeconds = new double[0];
        double cpuProfileSeconds = 0;
        int cpuSkipped = 0;
        String cpuRuntime = null;
        Set<String> cpuArchs = new TreeSet<>();
        if (doCpu) {
            try {
                cpuRuntime = TfliteRuntime.load();
            } catch (TfliteException e) {
                throw new CliException(1, "the TFLite CPU runtime is not available for " + CPU_KIND + ": " + e.getMessage());
            }
            List<Net> cpuNets = new ArrayList<>();
            int tr = 0, ho = 0;
            for (Net net : nets) {
                if (!net.arch().startsWith("nb-")) continue;
                if (net.heldOut() ? ho++ < cpuHoldoutNets : tr++ < cpuTrainNets) cpuNets.add(net);
            }
            if (!(cpuZoo.size() == 1 && cpuZoo.get(0).equals("none"))) for (String z : cpuZoo) {
                Net have = null;
                for (Net net : nets) if (net.arch().equals(z)) have = net;
                cpuNets.add(have != null ? have : net(z, ModelZoo.build(z), false));
            }
            // Interleaved passes: every pass visits every segment once (fresh interpreter, 1 warm-up,
            // median of the timed runs), in a new seeded random order; the label is the minimum of the
            // per-pass medians. Interference on a shared machine only adds time, and passes minutes apart
            // see different load, so the low statistic discards a slow minute instead of baking it into
            // the labels of whatever segments happened to run then.
            long c0 = System.nanoTime();
            List<long[]> segs = new ArrayList<>();  // {net index, i, j}
            Random crnd = new Random(seed + 7);
            for (int ni = 0; ni < cpuNets.size(); ni++) {
                Net net = cpuNets.get(ni);
                if (net.heldOut()) cpuArchs.add(net.arch());
                for (long c : cpuSegments(net.graph().size(), cpuSegmentsPerNet, crnd)) segs.add(new long[] {ni, c >>> 32, (int) c});
            }
            int ns = segs.size();
            // Noise subset, evenly spread: profiled a second time in every pass at another (random) point of it,
            // so two independent labels of the same protocol can be compared.
            int nNoise = Math.min(cpuNoiseSegments, ns);
            int[] noiseOf = new int[ns];
            Arrays.fill(noiseOf, -1);
            int[] noiseSeg = new int[nNoise];
            for (int k = 0; k < nNoise; k++) { noiseSeg[k] = (int) ((long) k * ns / nNoise); noiseOf[noiseSeg[k]] = k; }
            // [clock: 0 wall, 1 thread CPU time][segment][pass]
            double[][][] med = new double[2][ns][cpuPasses];
            double[][][] medB = new double[2][nNoise][cpuPasses];
            double[][] now = new double[2][nNoise];
            boolean[] bad = new boolean[ns];
            String[] keys = new String[ns];
            Segmenter segmenter = new Segmenter();
            Random order = new Random(seed + 13);
            double[] passSeconds = new double[cpuPasses];
            if (cpuLoadLabels != null) {
                loadLabels(cpuLoadLabels, cpuNets, segs, keys, med, medB, bad);
            } else {
                for (int p = 0; p < cpuPasses; p++) {
                    long p0 = System.nanoTime();
                    List<Integer> jobs = new ArrayList<>(ns + nNoise);
                    for (int s = 0; s < ns; s++) jobs.add(s);
                    for (int k = 0; k < nNoise; k++) jobs.add(-1 - k);
                    java.util.Collections.shuffle(jobs, order);
                    int done2 = 0;
                    for (int job : jobs) {
                        if (progress && (done2++ % 25 == 0)) status("profiling on CPU, pass " + (p + 1) + "/" + cpuPasses + " (" + done2 + "/" + jobs.size() + ", "
                                + String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - c0) / 1e9) + ")");
                        int s = job >= 0 ? job : noiseSeg[-1 - job];
                        if (bad[s]) continue;
                        long[] sg = segs.get(s);
                        long c = sg[1] << 32 | sg[2];
                        var seg = segmenter.segment(cpuNets.get((int) sg[0]).graph(), (int) sg[1], (int) sg[2]);
                        keys[s] = seg.key();
                        try {
                            double[] m = cpuMedianNanos(seg.bytes(), cpuRuns, seed ^ c);
                            double[] again = job >= 0 && p == 0 && noiseOf[s] >= 0 ? cpuMedianNanos(seg.bytes(), cpuRuns, seed ^ c) : null;
                            for (int ck = 0; ck < 2; ck++) {
                                if (job >= 0) {
                                    med[ck][s][p] = m[ck];
                                    // Back-to-back reference (first pass only): the same segment again right away.
                                    if (again != null) now[ck][noiseOf[s]] = (again[ck] - m[ck]) / m[ck];
                                } else {
                                    medB[ck][-1 - job][p] = m[ck];
                                }
                            }
                        } catch (TfliteException e) {
                            bad[s] = true;
                        }
                    }
                    passSeconds[p] = (System.nanoTime() - p0) / 1e9;
                }
            }
            List<Sample> cpuData = new ArrayList<>();
            for (int s = 0; s < ns; s++) {
                if (bad[s]) { cpuSkipped++; continue; }
                long[] sg = segs.get(s);
                Net net = cpuNets.get((int) sg[0]);
                cpuData.add(new Sample(net.arch(), keys[s], net.features().segment((int) sg[1], (int) sg[2]), low(med[clock][s])));
            }
            // Noise floor of the protocol: label A (min over passes) vs label B (min over the second measurements);
            // and of a single measurement: pass 1 vs pass 2 medians (minutes apart), and back to back.
            Noise[][] nz = new Noise[2][3];
            for (int ck = 0; ck < 2; ck++) {
                List<Double> relLabel = new ArrayList<>(), relPass = new ArrayList<>(), relNow = new ArrayList<>();
                for (int k = 0; k < nNoise; k++) {
                    int s = noiseSeg[k];
                    if (bad[s]) continue;
                    double a = low(med[ck][s]), b = low(medB[ck][k]);
                    relLabel.add((b - a) / a);
                    if (cpuPasses >= 2) relPass.add((med[ck][s][1] - med[ck][s][0]) / med[ck][s][0]);
                    if (cpuLoadLabels == null) relNow.add(now[ck][k]);
                }
                nz[ck][0] = noise(relLabel.stream().mapToDouble(Double::doubleValue).toArray());
                nz[ck][1] = noise(relPass.stream().mapToDouble(Double::doubleValue).toArray());
                nz[ck][2] = noise(relNow.stream().mapToDouble(Double::doubleValue).toArray());
            }
            cpuNoise = nz[clock][0];
            cpuNoisePass = nz[clock][1];
            cpuNoiseNow = nz[clock][2];
            cpuNoiseOther = nz[1 - clock][0];
            cpuPassSeconds = passSeconds;
            if (cpuSaveLabels != null) saveLabels(cpuSaveLabels, cpuNets, segs, keys, med, medB, bad, noiseSeg);
            cpuProfileSeconds = (System.nanoTime() - c0) / 1e9;
            data.put(CPU_KIND, cpuData);
            if (cpuSaveFeatures != null) {
                StringBuilder b = new StringBuilder("arch\theld\tlabel\t" + String.join("\t", SegmentFeatures.AGGREGATE_NAMES) + "\n");
                for (Sample x : cpuData) {
                    b.append(x.architecture()).append('\t').append(cpuArchs.contains(x.architecture()) ? 1 : 0).append('\t').append(x.latencyNs());
                    for (double v : x.features().aggregates()) b.append('\t').append(v);
                    b.append('\n');
                }
                Files.writeString(cpuSaveFeatures, b);
            }
        }
        Map<String, Set<String>> heldByKind = new LinkedHashMap<>();
        for (String k : simKinds) heldByKind.put(k, heldArchs);
        if (doCpu) heldByKind.put(CPU_KIND, cpuArchs);

        PredictorTrainer.Options opt = PredictorTrainer.Options.defaults().families(families);
        if (transformerMaxSeconds != null) {
            if (transformerMaxSeconds < 1) throw CliException.usage("--transformer-max-seconds must be >= 1");
            TransformerPredictor.Params tp = opt.transformer();
            opt = new PredictorTrainer.Options(opt.heldOutFraction(), opt.validationFraction(), opt.seed(), opt.minProfiles(), opt.minArchitectures(),
                    opt.families(), opt.xgb(), new TransformerPredictor.Params(tp.dModel(), tp.layers(), tp.heads(), tp.epochs(), tp.batch(), tp.lr(),
                    tp.patience(), tp.seed(), transformerMaxSeconds, tp.threads()));
        }
        ObjectNode out = Json.object();
        ObjectNode perKind = out.putObject("kinds");
        double trainSeconds = 0, trainSecondsTotal = 0; // the longest single training (one family, one kind); the sum
        double predictUs = 0, predictUsServed = 0;      // the slowest family; the slowest served one
        int trainSegments = 0, heldSegments = 0;
        try (PredictorTrainer trainer = new PredictorTrainer(opt)) {
            for (String kind : allKinds) {
                if (progress) status("training " + kind + " on " + data.get(kind).size() + " segments");
                PredictorTrainer.Result r = trainer.train(kind, data.get(kind), heldByKind.get(kind));
                ObjectNode k = perKind.putObject(kind);
                k.put("served", r.best().family());
                Metrics bm = r.best().heldOut();
                k.put("acc10", bm.acc10());
                k.put("mape", bm.mape());
                k.put("spearman", bm.spearman());
                k.put("rmse_ns", bm.rmseNs());
                k.put("heldout_segments", bm.n());
                k.put("train_segments", ((Number) r.data().get("trainSegments")).intValue() + ((Number) r.data().get("validationSegments")).intValue());
                k.put("heldout_architectures", heldByKind.get(kind).size());
                if (kind.equals(CPU_KIND)) {
                    k.put("tflite_version", cpuRuntime);
                    k.put("profile_seconds", cpuProfileSeconds);
                    k.put("min_runs_per_segment", cpuRuns);
                    k.put("passes", cpuPasses);
                    var ps = k.putArray("pass_seconds");
                    for (double x : cpuPassSeconds) ps.add(x);
                    if (cpuLoadLabels != null) k.put("labels_loaded_from", cpuLoadLabels.toString());
                    k.put("skipped_segments", cpuSkipped);
                    putNoise(k.putObject("noise"), cpuNoise);
                    k.put("clock", cpuClock);
                    putNoise(k.putObject("noise_single_pass"), cpuNoisePass);
                    putNoise(k.putObject(clock == 0 ? "noise_thread_clock" : "noise_wall_clock"), cpuNoiseOther);
                    putNoise(k.putObject("noise_back_to_back"), cpuNoiseNow);
                }
                ObjectNode fam = k.putObject("families");
                for (PredictorTrainer.FamilyResult fr : r.families()) {
                    ObjectNode f = fam.putObject(fr.family());
                    f.put("train_seconds", fr.trainSeconds());
                    trainSeconds = Math.max(trainSeconds, fr.trainSeconds());
                    trainSecondsTotal += fr.trainSeconds();
                    if (!fr.ok()) { f.put("error", fr.error()); continue; }
                    f.put("acc10", fr.heldOut().acc10());
                    f.put("mape", fr.heldOut().mape());
                    f.put("spearman", fr.heldOut().spearman());
                    f.put("rmse_ns", fr.heldOut().rmseNs());
                    double us = predictMicros(fr.predictor(), data.get(kind));
                    f.put("predict_us_per_segment", us);
                    predictUs = Math.max(predictUs, us);
                    if (fr == r.best()) predictUsServed = Math.max(predictUsServed, us);
                    if (plotDir != null) {
                        Files.createDirectories(plotDir);
                        Files.writeString(plotDir.resolve(kind + "-" + fr.family() + ".svg"),
                                ScatterSvg.render(kind + " " + fr.family() + " (held-out architectures): " + fr.heldOut(), r.measured(), fr.predicted()));
                    }
                }
                if (!kind.equals(CPU_KIND)) {
                    trainSegments = ((Number) r.data().get("trainSegments")).intValue() + ((Number) r.data().get("validationSegments")).intValue();
                    heldSegments = r.heldOut().size();
                }
                if (artifactDir != null) {
                    Files.createDirectories(artifactDir);
                    Map<String, Object> d = new LinkedHashMap<>(r.data());
                    Files.write(artifactDir.resolve(kind + ".predictor.zip"), PredictorArtifact.write(r.best().predictor(), bm.toMap(), d));
                }
            }
        }
        if (progress) status(null);
        out.put("train_seconds", trainSeconds);
        out.put("train_seconds_total", trainSecondsTotal);
        out.put("predict_us_per_segment", predictUs);
        out.put("predict_us_per_segment_served", predictUsServed);
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
            if (!simKinds.isEmpty()) {
                w.printf(Locale.ROOT, "simulated: %d training architectures, %d held out; %d training and %d held-out segments per kind; profiling %.1f s%n",
                        nets.size() - heldArchs.size(), heldArchs.size(), trainSegments, heldSegments, profileSeconds);
            }
            if (doCpu) {
                var k = perKind.get(CPU_KIND);
                w.printf(Locale.ROOT, "%s (TFLite %s, 1 thread, min over %d interleaved passes of the median of >= %d runs): %d training and %d held-out segments (%d held-out architectures), %d skipped; profiling %.1f s%n",
                        CPU_KIND + " " + cpuClock + " clock", cpuRuntime, cpuPasses, cpuRuns, k.get("train_segments").asInt(), k.get("heldout_segments").asInt(), cpuArchs.size(), cpuSkipped, cpuProfileSeconds);
                printNoise(w, "noise floor of the labels (two independent min-over-passes labels)", cpuNoise);
                printNoise(w, "noise floor of one pass's median (pass 2 vs pass 1)", cpuNoisePass);
                printNoise(w, "noise floor of one median, re-profiled right away", cpuNoiseNow);
                printNoise(w, "noise floor of the labels with the " + (clock == 0 ? "thread CPU-time" : "wall") + " clock instead", cpuNoiseOther);
            }
        }
        return 0;
    }

    /**
     * {@code count} distinct segments {@code (i << 32 | j)} of an {@code n}-op model: half with uniform
     * {@code i < j}, half short (length log-uniform in {@code [1, n]}) so small segments are covered.
     */
    static Set<Long> cpuSegments(int n, int count, Random rnd) {
        Set<Long> chosen = new TreeSet<>();
        int want = Math.min(count, n * (n + 1) / 2);
        while (chosen.size() < want) {
            int i, j;
            if ((chosen.size() & 1) == 0) {
                i = rnd.nextInt(n);
                j = i + 1 + rnd.nextInt(n - i);
            } else {
                int len = Math.max(1, Math.min(n, (int) Math.floor(Math.exp(rnd.nextDouble() * Math.log(n + 1)))));
                i = rnd.nextInt(n - len + 1);
                j = i + len;
            }
            chosen.add((long) i << 32 | j);
        }
        return chosen;
    }

    /** Per-thread CPU time: the interpreter runs on the calling thread with 1 thread. */
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /**
     * Timed single-thread invocations after one warm-up, seeded random inputs: at least {@code runs}
     * and, for short segments, more (up to {@link #CPU_MAX_RUNS}, about {@link #CPU_MIN_TIMED_NANOS} of
     * CPU time in all). Returns {@code {median wall time, median thread CPU time}} in ns. The thread's
     * CPU time leaves out the time other processes held the core (a shared machine's main noise); it
     * still includes what they cost us through caches and memory bandwidth.
     */
    static double[] cpuMedianNanos(byte[] model, int runs, long seed) {
        try (TfliteInterpreter interp = TfliteInterpreter.create(model, 1)) {
            List<TensorInfo> inputs = interp.inputs();
            for (int k = 0; k < inputs.size(); k++) {
                byte[] b = new byte[(int) inputs.get(k).byteSize()];
                SplittableRandom r = new SplittableRandom(seed + k);
                for (int x = 0; x < b.length; x++) b[x] = (byte) r.nextInt(256);
                interp.setInput(k, b);
            }
            interp.invoke();
            long[] wall = new long[CPU_MAX_RUNS], cpu = new long[CPU_MAX_RUNS];
            int n = 0;
            long sum = 0;
            while (n < runs || (sum < CPU_MIN_TIMED_NANOS && n < CPU_MAX_RUNS) || (n % 2 == 0 && n < CPU_MAX_RUNS)) {
                long c0 = THREADS.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                interp.invoke();
                long w1 = System.nanoTime();
                long c1 = THREADS.getCurrentThreadCpuTime();
                wall[n] = w1 - w0;
                cpu[n] = c1 - c0;
                sum += cpu[n++];
            }
            return new double[] {median(wall, n), median(cpu, n)};
        }
    }

    private static double median(long[] t, int n) {
        Arrays.sort(t, 0, n);
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0;
    }

    /** The label of a segment: the minimum of its per-pass medians (interference only adds time). */
    static double low(double[] perPass) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : perPass) if (x > 0) m = Math.min(m, x);
        return m;
    }

    private static void saveLabels(Path file, List<Net> nets, List<long[]> segs, String[] keys, double[][][] med, double[][][] medB,
                                   boolean[] bad, int[] noiseSeg) throws java.io.IOException {
        int[] noiseOf = new int[segs.size()];
        Arrays.fill(noiseOf, -1);
        for (int k = 0; k < noiseSeg.length; k++) noiseOf[noiseSeg[k]] = k;
        StringBuilder b = new StringBuilder("# arch\ti\tj\tkey\tper-pass median wall ns\tper-pass median thread CPU ns\t[the same, second measurements of noise segments]\n");
        for (int s = 0; s < segs.size(); s++) {
            long[] sg = segs.get(s);
            b.append(nets.get((int) sg[0]).arch()).append('\t').append(sg[1]).append('\t').append(sg[2]).append('\t').append(bad[s] ? "-" : keys[s]);
            for (int ck = 0; ck < 2; ck++) b.append('\t').append(csv(med[ck][s]));
            if (noiseOf[s] >= 0) for (int ck = 0; ck < 2; ck++) b.append('\t').append(csv(medB[ck][noiseOf[s]]));
            b.append('\n');
        }
        Files.writeString(file, b);
    }

    private static String csv(double[] v) {
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < v.length; p++) b.append(p == 0 ? "" : ",").append(v[p]);
        return b.toString();
    }

    private static void loadLabels(Path file, List<Net> nets, List<long[]> segs, String[] keys, double[][][] med, double[][][] medB,
                                   boolean[] bad) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(file)) if (!l.startsWith("#") && !l.isBlank()) lines.add(l);
        if (lines.size() != segs.size()) throw CliException.usage(file + " has " + lines.size() + " segments, this sampling has " + segs.size());
        int nb = 0;
        for (int s = 0; s < segs.size(); s++) {
            String[] f = lines.get(s).split("\t");
            long[] sg = segs.get(s);
            if (f.length < 6 || !f[0].equals(nets.get((int) sg[0]).arch()) || Long.parseLong(f[1]) != sg[1] || Long.parseLong(f[2]) != sg[2]) {
                throw CliException.usage(file + " line " + (s + 1) + " is not the sampled segment " + nets.get((int) sg[0]).arch() + " [" + sg[1] + ", " + sg[2]
                        + "); use the same sampling options");
            }
            bad[s] = f[3].equals("-");
            keys[s] = f[3];
            for (int ck = 0; ck < 2; ck++) parse(file, f[4 + ck], med[ck][s]);
            if (f.length > 7 && nb < medB[0].length) {
                for (int ck = 0; ck < 2; ck++) parse(file, f[6 + ck], medB[ck][nb]);
                nb++;
            }
        }
    }

    private static void parse(Path file, String csv, double[] into) {
        String[] m = csv.split(",");
        if (m.length != into.length) throw CliException.usage(file + " has " + m.length + " passes, not --cpu-passes " + into.length);
        for (int p = 0; p < m.length; p++) into[p] = Double.parseDouble(m[p]);
    }

    /** Spread of signed relative differences {@code (m2 - m1) / m1} of segments profiled twice. */
    static Noise noise(double[] signed) {
        if (signed.length == 0) return new Noise(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double[] sg = signed.clone();
        Arrays.sort(sg);
        double[] s = new double[sg.length];
        for (int k = 0; k < s.length; k++) s[k] = Math.abs(sg[k]);
        Arrays.sort(s);
        int w10 = 0, w5 = 0;
        for (double r : s) { if (r <= 0.10) w10++; if (r <= 0.05) w5++; }
        return new Noise(s.length, s[(s.length - 1) / 2], s[(int) Math.ceil(0.9 * s.length) - 1], s[s.length - 1],
                (double) w10 / s.length, (double) w5 / s.length, sg[(sg.length - 1) / 2]);
    }

    private static void putNoise(ObjectNode nz, Noise n) {
        nz.put("segments", n.segments());
        if (n.segments() == 0) return;
        nz.put("median_rel_diff", n.medianRelDiff());
        nz.put("p90_rel_diff", n.p90RelDiff());
        nz.put("max_rel_diff", n.maxRelDiff());
        nz.put("within10", n.within10());
        nz.put("within5", n.within5());
        nz.put("median_signed_rel_diff", n.medianSignedDiff());
    }

    private static void printNoise(java.io.PrintWriter w, String what, Noise n) {
        if (n.segments() == 0) return;
        w.printf(Locale.ROOT, "%s %s (%d segments): |m2-m1|/m1 median %.2f%%, p90 %.2f%%, max %.2f%%, median signed %+.2f%%; within 10%%: %.1f%%, within 5%%: %.1f%%%n",
                CPU_KIND, what, n.segments(), 100 * n.medianRelDiff(), 100 * n.p90RelDiff(), 100 * n.maxRelDiff(), 100 * n.medianSignedDiff(),
                100 * n.within10(), 100 * n.within5());
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
