package io.pipefarm.bench;

import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.PredictedCosts;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.partition.SimulatedCosts;
import io.pipefarm.coordinator.partition.SimulatorPredictor;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The seed experiment: NASBench-101 networks plus zoo models, split over k simulated Edge TPUs (USB) by every
 * method; per method the bottleneck relative to the exact optimum, the segments profiled, and the solve time
 * (compute + modelled device time), both relative to Coral's profiling baseline. Then the speedup of the best
 * pipeline over one Edge TPU for the zoo and for fully connected networks.
 *
 * <p>Measured latency = median of 10 noisy simulated invokes per segment ({@link SimulatedCosts}, cached per model
 * and segment). Predicted latency = the farm's XGBoost predictor ({@link XgbPredictor} trained by
 * {@link PredictorTrainer} on {@link ModelFeatures} segment features), with the coordinator's options or
 * ({@link Options#quick()}) the trainer's quick preset. It is fitted to measured profiles of TRAINING networks
 * only: a disjoint NASBench-101 sample, FC networks of other widths, and for each zoo model the other zoo models
 * (leave-one-out); the evaluated networks never. It trains on {@link Options#trainSegments()} random segments per
 * training network; the held-out accuracy (MAPE, acc10) is measured on every segment of the evaluated networks.
 */
public final class PartitionExperiment {
    static final long TRAIN_SEED = 0x7EA1L;
    static final int VALIDATION_NETWORKS = 10;
    /** predict is timed as the fastest of 1 + this many runs (JIT and caches warm, as in a coordinator that keeps running). */
    static final int PREDICT_REPEATS = 2;

    static final int[] FC_TRAIN_WIDTHS = {1000, 1800, 2300, 3000};
    /** Coral's baseline with a finer --diff_threshold_ns, so that it searches on models faster than a few ms. */
    public static final String PROFILE_FINE = "profile@10us";

    static final long FINE_THRESHOLD_NS = 10_000;
    /** The methods run on every instance, in report order. */
    public static final List<String> VARIANTS =
            List.of("exact", "predict", "hybrid", "profile", PROFILE_FINE, "even", "greedy", "random");
    /** The groups of the report: each group's networks, and all of them. */
    public static final List<String> GROUPS = List.of("nasbench", "zoo", "all");

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private final Options options;
    private final Consumer<String> progress;

    private PartitionExperiment(Options options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * @param networks       the NASBench-101 networks evaluated
     * @param tpus           pipeline lengths k
     * @param zoo            zoo models evaluated (each also a training network of the others' predictors)
     * @param quick          train with {@link PredictorTrainer.Options#quick()} instead of the coordinator's options
     * @param trainNetworks  NASBench-101 training networks of the predictor
     * @param trainSegments  random segments profiled per training network
     * @param zooLeaveOneOut retrain per zoo model without it; false: one predictor of NASBench + FC only for the zoo
     * @param candidates     hybrid: candidates verified per round
     * @param hybridError    hybrid: the predictor's relative error assumed before anything is profiled; null: from its
     *                       error on the validation networks ({@link PartitionConfig#hybridErrorFromMape})
     * @param compileSeconds modelled edgetpu_compiler time per profiled segment
     * @param fcWidths       hidden widths of the FC networks (64 inputs, 4 hidden layers) of the speedup table
     */
    public record Options(
            List<CellSpec> networks,
            List<Integer> tpus,
            List<String> zoo,
            boolean quick,
            int trainNetworks,
            int trainSegments,
            boolean zooLeaveOneOut,
            int candidates,
            Double hybridError,
            double compileSeconds,
            List<Integer> fcWidths) {
        public Options {
            for (int k : tpus) if (k < 1) throw new IllegalArgumentException("pipeline lengths must be >= 1, got " + k);
            if (trainSegments < 1)
                throw new IllegalArgumentException("train segments must be >= 1, got " + trainSegments);
            if (trainNetworks < 0)
                throw new IllegalArgumentException("train networks must be >= 0, got " + trainNetworks);
            networks = List.copyOf(networks);
            tpus = List.copyOf(tpus);
            zoo = List.copyOf(zoo);
            fcWidths = List.copyOf(fcWidths);
        }
    }

    /** One (network, k, method) outcome; {@code cpuNs} = the run's thread CPU time (wall time minus waiting on a shared machine). */
    public record Row(
            String group,
            String model,
            int ops,
            int k,
            String method,
            double ratio,
            int profiled,
            long probes,
            double computeNs,
            double deviceNs,
            double cpuNs) {
        public double solveNs() {
            return computeNs + deviceNs;
        }
    }

    /** Held-out accuracy of the predictor over every segment of a group's evaluated networks; mape in percent, acc10 a fraction. */
    public record Accuracy(long segments, double mape, double acc10) {}

    /** One method over a group's instances, and its cost relative to Coral's baseline (NaN when the baseline spent nothing). */
    public record MethodStats(
            int instances,
            int within1pct,
            double geomeanRatio,
            double worstRatio,
            long segmentsProfiled,
            long probes,
            double computeNs,
            double deviceNs,
            double profiledVsProfile,
            double profiledVsProbes,
            double solveVsProfile,
            double profiledVsFine,
            double profiledVsFineProbes,
            double solveVsFine) {
        public double computeMsMean() {
            return computeNs / instances / 1e6;
        }

        public double deviceSeconds() {
            return deviceNs / 1e9;
        }
    }

    /**
     * How long the predict search took, k <= 4: the first network's runs (cold JIT) apart; later runs' median and max,
     * in wall time and in thread CPU time; the slowest later run by CPU time; and the max per group.
     */
    public record PredictTiming(
            double firstNetworkMaxMs,
            double warmMedianMs,
            double warmMaxMs,
            double cpuWarmMedianMs,
            double cpuWarmMaxMs,
            String cpuWarmMaxRun,
            Map<String, Double> computeMsMaxByGroup) {
        public PredictTiming {
            computeMsMaxByGroup = Collections.unmodifiableMap(new LinkedHashMap<>(computeMsMaxByGroup));
        }
    }

    /** The bottleneck of one TPU and the exact pipeline's speedup over it per k (in {@link Options#tpus()} order; NaN: k > ops). */
    public record Speedup(String model, double oneTpuNs, List<Double> speedups) {
        public Speedup {
            speedups = List.copyOf(speedups);
        }
    }

    /** The whole report. {@code groups}: group -> variant -> stats, for the groups with instances. */
    public record Result(
            String deviceKind,
            String predictor,
            String predictorTraining,
            boolean zooLeaveOneOut,
            String trainerHeldOut,
            Map<String, Accuracy> accuracy,
            PartitionConfig config,
            double runtimeSeconds,
            double trainingSeconds,
            double fitSeconds,
            Map<String, Map<String, MethodStats>> groups,
            PredictTiming predict,
            List<Speedup> speedups,
            Map<String, Double> zooBuildMs,
            List<Row> rows) {
        public Result {
            accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
            Map<String, Map<String, MethodStats>> g = new LinkedHashMap<>();
            groups.forEach((k, v) -> g.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
            groups = Collections.unmodifiableMap(g);
            speedups = List.copyOf(speedups);
            zooBuildMs = Collections.unmodifiableMap(new LinkedHashMap<>(zooBuildMs));
            rows = List.copyOf(rows);
        }
    }

    /** Runs the experiment; {@code progress} hears what it is doing. */
    public static Result run(Options options, Consumer<String> progress) {
        return new PartitionExperiment(options, progress).run();
    }

    /** A predictor the experiment can use: a fresh lazy cost source per run, so predicting lands in the run's compute time. */
    private interface CostModel {
        SegmentCostSource lazyForModel(Graph g);
    }

    /** The trained predictors: one for the NASBench networks, one per zoo model. */
    private record Predictors(
            CostModel nasbench,
            Map<String, CostModel> zoo,
            String label,
            double fitSeconds,
            String trainerHeldOut,
            double heldOutMape) {}

    private Result run() {
        long t0 = System.nanoTime();
        for (String z : options.zoo()) ModelZoo.info(z);
        EdgeTpuSimulator sim = new EdgeTpuSimulator(EdgeTpuSimConfig.usb());
        String kind = sim.deviceKind();
        PartitionConfig cfg = PartitionConfig.forKind(kind)
                .withCompileSeconds(options.compileSeconds())
                .withHybrid(options.candidates(), 1);
        Map<String, Graph> zooGraphs = new LinkedHashMap<>();
        Map<String, SimulatedCosts> zooCosts = new LinkedHashMap<>();
        Map<String, Double> buildMs = new LinkedHashMap<>();
        for (String z : options.zoo()) {
            long b0 = System.nanoTime();
            Graph g = ModelZoo.build(z);
            buildMs.put(z, (System.nanoTime() - b0) / 1e6);
            zooGraphs.put(z, g);
            zooCosts.put(z, new SimulatedCosts(g, sim, 10));
        }
        long tTrain = System.nanoTime();
        Predictors predictors = train(sim, zooGraphs, zooCosts);
        double trainSec = (System.nanoTime() - tTrain) / 1e9;
        cfg = cfg.withHybridError(
                options.hybridError() != null
                        ? options.hybridError()
                        : Double.isNaN(predictors.heldOutMape())
                                ? PartitionConfig.DEFAULT_HYBRID_ERROR
                                : PartitionConfig.hybridErrorFromMape(predictors.heldOutMape()));

        List<Row> rows = new ArrayList<>();
        List<Speedup> speedups = new ArrayList<>();
        Map<String, Accuracy> accuracy = new LinkedHashMap<>();
        Map<String, AccuracySum> acc = new LinkedHashMap<>();
        for (String grp : GROUPS) acc.put(grp, new AccuracySum());
        int idx = 0;
        for (CellSpec s : options.networks()) {
            Graph g = ModelZoo.nasbench(s);
            progress.accept("nasbench " + (++idx) + "/" + options.networks().size() + " (" + g.size() + " ops)");
            evaluate("nasbench", g, new SimulatedCosts(g, sim, 10), predictors.nasbench(), cfg, rows, null, acc);
        }
        for (String z : options.zoo()) {
            progress.accept("zoo " + z);
            double[] sp = new double[options.tpus().size() + 1];
            evaluate("zoo", zooGraphs.get(z), zooCosts.get(z), predictors.zoo().get(z), cfg, rows, sp, acc);
            speedups.add(speedup(z, sp));
        }
        for (int w : options.fcWidths()) {
            Graph g = ModelZoo.fc(64, w, 4);
            progress.accept("fc " + g.name());
            SimulatedCosts sc = new SimulatedCosts(g, sim, 10);
            double[] sp = new double[options.tpus().size() + 1];
            sp[0] = sc.latencyNs(0, g.size());
            for (int q = 0; q < options.tpus().size(); q++) {
                int k = options.tpus().get(q);
                if (k > g.size()) {
                    sp[q + 1] = Double.NaN;
                    continue;
                }
                PartitionResult r = new Partitioner(PartitionModel.of(g), k, cfg, null, sc).run(Method.EXACT);
                sp[q + 1] = sp[0] / r.bottleneckNs();
            }
            speedups.add(speedup(g.name(), sp));
        }
        acc.forEach((grp, a) -> {
            if (a.n > 0) accuracy.put(grp, new Accuracy(a.n, a.mape(), a.acc10()));
        });
        double totalSec = (System.nanoTime() - t0) / 1e9;
        return new Result(
                kind,
                options.quick() ? "quick" : XgbPredictor.FAMILY,
                predictors.label(),
                options.zooLeaveOneOut(),
                predictors.trainerHeldOut(),
                accuracy,
                cfg,
                totalSec,
                trainSec,
                predictors.fitSeconds(),
                aggregate(rows),
                predictTiming(rows),
                speedups,
                buildMs,
                rows);
    }

    private static Speedup speedup(String model, double[] sp) {
        List<Double> l = new ArrayList<>();
        for (int q = 1; q < sp.length; q++) l.add(sp[q]);
        return new Speedup(model, sp[0], l);
    }

    /**
     * Trains the predictors on {@link Options#trainSegments()} random segments {@code [i, j)} (uniform over pairs) of each
     * training network, labelled by the same measurement as the evaluation (median of 10 noisy invokes).
     */
    private Predictors train(EdgeTpuSimulator sim, Map<String, Graph> zooGraphs, Map<String, SimulatedCosts> zooCosts) {
        String kind = sim.deviceKind();
        int trainSegments = options.trainSegments();
        Set<String> evalHashes = new HashSet<>();
        for (CellSpec s : options.networks()) evalHashes.add(s.hash());
        // validation networks: neither trained on nor evaluated; the predictor's error measured on them is the
        // hybrid's prior error (as the farm uses its serving predictor's held-out error)
        List<CellSpec> trainSpecs = new ArrayList<>(), valSpecs = new ArrayList<>();
        for (CellSpec s : NasBenchSampler.sample(
                options.networks().size() + options.trainNetworks() + VALIDATION_NETWORKS + 50, TRAIN_SEED)) {
            if (evalHashes.contains(s.hash())) continue;
            if (trainSpecs.size() < options.trainNetworks()) trainSpecs.add(s);
            else if (valSpecs.size() < VALIDATION_NETWORKS) valSpecs.add(s);
            else break;
        }
        Random rnd = new Random(TRAIN_SEED);
        List<Sample> base = new ArrayList<>();
        int t = 0;
        for (CellSpec s : trainSpecs) {
            progress.accept("profiling " + trainSegments + " segments of NASBench-101 training network " + (++t) + "/"
                    + trainSpecs.size());
            Graph g = ModelZoo.nasbench(s);
            base.addAll(
                    SimulatorPredictor.samples("nb-train-" + t, g, new SimulatedCosts(g, sim, 10), trainSegments, rnd));
        }
        for (int w : FC_TRAIN_WIDTHS) {
            Graph g = ModelZoo.fc(64, w, 4);
            base.addAll(
                    SimulatorPredictor.samples("fc-train-" + w, g, new SimulatedCosts(g, sim, 10), trainSegments, rnd));
        }
        Map<String, List<Sample>> zooSamples = new LinkedHashMap<>();
        for (String z : zooGraphs.keySet()) {
            progress.accept("profiling " + trainSegments + " segments of " + z + " (zoo)");
            zooSamples.put(
                    z, SimulatorPredictor.samples("zoo-" + z, zooGraphs.get(z), zooCosts.get(z), trainSegments, rnd));
        }
        // The trainer's held-out architectures: the validation networks (never trained on, never evaluated).
        List<Sample> evalHeld = new ArrayList<>();
        Set<String> evalArchs = new TreeSet<>();
        for (int q = 0; q < valSpecs.size(); q++) {
            Graph g = ModelZoo.nasbench(valSpecs.get(q));
            evalHeld.addAll(
                    SimulatorPredictor.samples("nb-val-" + q, g, new SimulatedCosts(g, sim, 10), 100, new Random(q)));
            evalArchs.add("nb-val-" + q);
        }
        PredictorTrainer.Options opt = options.quick()
                ? PredictorTrainer.Options.quick()
                : PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY));
        double fitSec = 0;
        Map<String, CostModel> zoo = new LinkedHashMap<>();
        CostModel nasbench;
        String heldOut;
        double heldOutMape;
        try (PredictorTrainer trainer = new PredictorTrainer(opt)) {
            List<Sample> all = new ArrayList<>(base);
            zooSamples.values().forEach(all::addAll);
            List<Sample> data = new ArrayList<>(all);
            Set<String> held = new TreeSet<>(evalArchs);
            // no validation network: hold out one FC training net just to satisfy the trainer
            if (evalHeld.isEmpty()) held.add("fc-train-" + FC_TRAIN_WIDTHS[0]);
            data.addAll(evalHeld);
            progress.accept("training XGBoost on " + all.size() + " segments of "
                    + (trainSpecs.size() + FC_TRAIN_WIDTHS.length + zooGraphs.size()) + " networks");
            PredictorTrainer.Result r = trainer.train(kind, data, held);
            fitSec += r.best().trainSeconds();
            LatencyPredictor main = warm(r.best().predictor(), base);
            heldOut = r.best().heldOut().toString();
            heldOutMape = r.best().heldOut().mape();
            nasbench = g -> PredictedCosts.of(main, g);
            if (!options.zooLeaveOneOut() && !zooGraphs.isEmpty()) {
                progress.accept("training XGBoost on NASBench-101 + FC only (for the zoo)");
                List<Sample> d = new ArrayList<>(base);
                zooSamples.values().forEach(d::addAll); // all zoo models held out
                PredictorTrainer.FamilyResult fr = trainer.train(
                                kind,
                                d,
                                new TreeSet<>(zooSamples.keySet().stream()
                                        .map(z -> "zoo-" + z)
                                        .toList()))
                        .best();
                fitSec += fr.trainSeconds();
                LatencyPredictor p = warm(fr.predictor(), base);
                for (String z : zooGraphs.keySet()) zoo.put(z, g -> PredictedCosts.of(p, g));
            }
            if (options.zooLeaveOneOut()) {
                for (String z : zooGraphs.keySet()) {
                    progress.accept("training XGBoost without " + z + " (leave-one-out)");
                    List<Sample> loo = new ArrayList<>(base);
                    zooSamples.forEach((zz, l) -> {
                        if (!zz.equals(z)) loo.addAll(l);
                    });
                    loo.addAll(zooSamples.get(z)); // held out: the trainer never fits on it
                    PredictorTrainer.FamilyResult fr =
                            trainer.train(kind, loo, Set.of("zoo-" + z)).best();
                    fitSec += fr.trainSeconds();
                    LatencyPredictor p = warm(fr.predictor(), base);
                    zoo.put(z, g -> PredictedCosts.of(p, g));
                }
            }
        }
        String label = "xgboost (" + XgbPredictor.class.getName() + (options.quick() ? ", quick preset" : "") + "), "
                + trainSegments
                + " random segments per training net of " + trainSpecs.size() + " NASBench-101 + "
                + FC_TRAIN_WIDTHS.length + " FC nets"
                + (zooGraphs.isEmpty()
                        ? ""
                        : options.zooLeaveOneOut()
                                ? " (+ the other zoo models for a zoo model: retrained per zoo model)"
                                : " (+ all zoo models for NASBench; the zoo is evaluated with one model of NASBench + FC only: --no-zoo-loo)");
        return new Predictors(nasbench, zoo, label, fitSec, heldOut, heldOutMape);
    }

    /** Runs every method on one network for each k; fills the speedup row when given. */
    private void evaluate(
            String group,
            Graph g,
            SimulatedCosts measured,
            CostModel p,
            PartitionConfig cfg,
            List<Row> rows,
            double[] speedup,
            Map<String, AccuracySum> accuracy) {
        PartitionModel pm = PartitionModel.of(g);
        if (speedup != null) speedup[0] = measured.latencyNs(0, g.size());
        for (int q = 0; q < options.tpus().size(); q++) {
            int k = options.tpus().get(q);
            if (k > g.size()) continue;
            SegmentCostSource pred = p.lazyForModel(g);
            Partitioner part = new Partitioner(pm, k, cfg, pred, measured);
            PartitionResult exact = part.run(Method.EXACT);
            if (speedup != null) speedup[q + 1] = speedup[0] / exact.bottleneckNs();
            for (String v : VARIANTS) {
                PartitionResult r;
                long cpu0 = CPU.getCurrentThreadCpuTime();
                if (v.equals(PROFILE_FINE)) {
                    r = new Partitioner(pm, k, cfg.withDiffThresholdNs(FINE_THRESHOLD_NS), pred, measured)
                            .run(Method.PROFILE);
                } else {
                    Method m = Method.parse(v);
                    // a fresh lazy predictor per run, so that predicting every segment counts in the run's compute time
                    r = m == Method.EXACT
                            ? exact
                            : m.needsPrediction()
                                    ? new Partitioner(pm, k, cfg, p.lazyForModel(g), measured).run(m)
                                    : part.run(m);
                }
                double cpu = CPU.getCurrentThreadCpuTime() - cpu0;
                if (v.equals("predict")) {
                    // a search's time in steady state: the fastest of this run and PREDICT_REPEATS more, each from a
                    // fresh
                    // predictor source (nothing carried over); the answer is the same every time (deterministic)
                    for (int rep = 0; rep < PREDICT_REPEATS; rep++) {
                        long c0 = CPU.getCurrentThreadCpuTime();
                        PartitionResult again =
                                new Partitioner(pm, k, cfg, p.lazyForModel(g), measured).run(Method.PREDICT);
                        cpu = Math.min(cpu, CPU.getCurrentThreadCpuTime() - c0);
                        if (again.cost().computeNs() < r.cost().computeNs()) r = again;
                    }
                }
                rows.add(new Row(
                        group,
                        g.name(),
                        g.size(),
                        k,
                        v,
                        r.bottleneckNs() / exact.bottleneckNs(),
                        r.cost().segmentsProfiled(),
                        r.cost().probes(),
                        r.cost().computeNs(),
                        r.cost().deviceTimeNs(),
                        cpu));
            }
        }
        // held-out accuracy over every segment (all are measured anyway: exact needs them); after the runs, so the
        // first predict run stays cold
        int n = g.size();
        double[][] t = p.lazyForModel(g).allLatenciesNs(n);
        AccuracySum ga = accuracy.get(group), all = accuracy.get("all");
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j <= n; j++) {
                double m = measured.latencyNs(i, j);
                ga.add(t[i][j], m);
                all.add(t[i][j], m);
            }
    }

    /** Per group and variant, the stats of its rows relative to Coral's baseline; groups without an exact run are left out. */
    static Map<String, Map<String, MethodStats>> aggregate(List<Row> rows) {
        Map<String, Map<String, MethodStats>> groups = new LinkedHashMap<>();
        for (String grp : GROUPS) {
            Map<String, Agg> m = new LinkedHashMap<>();
            for (String v : VARIANTS) m.put(v, new Agg());
            for (Row r : rows)
                if (grp.equals("all") || r.group().equals(grp))
                    m.get(r.method()).add(r);
            if (m.get("exact").n == 0) continue;
            Agg prof = m.get("profile"), fine = m.get(PROFILE_FINE);
            Map<String, MethodStats> s = new LinkedHashMap<>();
            m.forEach((v, a) -> s.put(v, a.stats(prof, fine)));
            groups.put(grp, s);
        }
        return groups;
    }

    /**
     * The predict search's time: the first network's runs (cold JIT: every k takes its own code paths the first time)
     * apart; warm = every later run (max and median), k <= 4 only; each run is the fastest of 1 + PREDICT_REPEATS.
     * Wall time and, beside it, thread CPU time (what the search costs when the machine is not shared).
     */
    static PredictTiming predictTiming(List<Row> rows) {
        List<Double> warm = new ArrayList<>(), warmCpu = new ArrayList<>();
        Map<String, Double> maxByGroup = new LinkedHashMap<>();
        double firstMs = Double.NaN;
        String firstModel = null, slowest = null;
        double slowestCpu = -1;
        for (Row r : rows) {
            if (!r.method().equals("predict") || r.k() > 4) continue;
            if (firstModel == null) firstModel = r.model();
            if (r.model().equals(firstModel) && r.group().equals(rows.get(0).group())) {
                firstMs = Double.isNaN(firstMs) ? r.computeNs() / 1e6 : Math.max(firstMs, r.computeNs() / 1e6);
                continue;
            }
            warm.add(r.computeNs() / 1e6);
            warmCpu.add(r.cpuNs() / 1e6);
            maxByGroup.merge(r.group(), r.computeNs() / 1e6, Math::max);
            if (r.cpuNs() > slowestCpu) {
                slowestCpu = r.cpuNs();
                slowest = r.model() + " (" + r.ops() + " ops) k=" + r.k();
            }
        }
        double[] wallMs = medianMax(warm), cpuMs = medianMax(warmCpu);
        return new PredictTiming(firstMs, wallMs[0], wallMs[1], cpuMs[0], cpuMs[1], slowest, maxByGroup);
    }

    /**
     * Warms a freshly trained predictor up on training samples (its first predictions pay one-time native set-up),
     * as a coordinator's serving predictor is warm when a search arrives.
     */
    static LatencyPredictor warm(LatencyPredictor p, List<Sample> training) {
        var fs = PredictorTrainer.features(training.subList(0, Math.min(256, training.size())));
        for (int round = 0; round < 3; round++) p.predictNanos(fs);
        return p;
    }

    /** {median, max} of {@code v} (sorted in place); NaN when empty. */
    static double[] medianMax(List<Double> v) {
        if (v.isEmpty()) return new double[] {Double.NaN, Double.NaN};
        Collections.sort(v);
        return new double[] {v.get(v.size() / 2), v.get(v.size() - 1)};
    }

    /** Held-out accuracy accumulated over segments. */
    private static final class AccuracySum {
        long n, within10;
        double apeSum;

        void add(double predicted, double measured) {
            if (!(measured > 0)) return;
            double ape = Math.abs(predicted - measured) / measured;
            n++;
            apeSum += ape;
            if (ape <= 0.10) within10++;
        }

        double mape() {
            return n == 0 ? Double.NaN : 100 * apeSum / n;
        }

        double acc10() {
            return n == 0 ? Double.NaN : (double) within10 / n;
        }
    }

    /** Aggregates of one method over instances. */
    private static final class Agg {
        int n, within1;
        double logSum, worst = 1, computeNs, deviceNs;
        long profiled, probes;

        void add(Row r) {
            n++;
            logSum += Math.log(r.ratio());
            worst = Math.max(worst, r.ratio());
            if (r.ratio() <= 1.01) within1++;
            profiled += r.profiled();
            probes += r.probes();
            computeNs += r.computeNs();
            deviceNs += r.deviceNs();
        }

        MethodStats stats(Agg prof, Agg fine) {
            double ps = prof.computeNs + prof.deviceNs, fs = fine.computeNs + fine.deviceNs;
            return new MethodStats(
                    n,
                    within1,
                    n == 0 ? Double.NaN : Math.exp(logSum / n),
                    worst,
                    profiled,
                    probes,
                    computeNs,
                    deviceNs,
                    prof.profiled == 0 ? Double.NaN : (double) profiled / prof.profiled,
                    prof.probes == 0 ? Double.NaN : (double) profiled / prof.probes,
                    ps == 0 ? Double.NaN : (computeNs + deviceNs) / ps,
                    fine.profiled == 0 ? Double.NaN : (double) profiled / fine.profiled,
                    fine.probes == 0 ? Double.NaN : (double) profiled / fine.probes,
                    fs == 0 ? Double.NaN : (computeNs + deviceNs) / fs);
        }
    }
}
