package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.EdgeTpuSimulator;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.coordinator.partition.SimulatedCosts;
import io.pipefarm.coordinator.partition.SimulatorPredictor;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PredictedCosts;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.SegmentCostSource;
import io.pipefarm.coordinator.predictor.LatencyPredictor;
import io.pipefarm.coordinator.predictor.PredictorTrainer;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.coordinator.predictor.XgbPredictor;
import io.pipefarm.model.features.ModelFeatures;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.io.IOException;
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
 * {@code pipefarm bench partition}: the seed experiment. NASBench-101 networks (seeded sample, or
 * {@code --specs}) plus the zoo, split over k = 2, 3, 4 simulated Edge TPUs (USB) by every method;
 * per method the bottleneck relative to the exact optimum, the segments profiled, and the solve time
 * (compute + modelled device time), both relative to Coral's profiling baseline. Then the speedup of the
 * best pipeline over one Edge TPU for the zoo and for fully connected networks.
 *
 * <p>Measured latency = median of 10 noisy simulated invokes per segment (cached per model and segment).
 * Predicted latency = the farm's XGBoost predictor ({@link XgbPredictor} trained by {@link PredictorTrainer}
 * on {@link ModelFeatures} segment features; default) or, with {@code --predictor quick}, the same family
 * trained with {@link PredictorTrainer.Options#quick()} (seconds, not minutes). Either is fitted to measured
 * profiles of TRAINING networks only: a disjoint NASBench-101 sample, FC networks of other widths, and for
 * each zoo model the other zoo models (leave-one-out); the evaluated networks never. XGBoost trains on
 * {@code --train-segments} random segments per training network; the held-out accuracy (MAPE, acc10) is
 * measured on every segment of the evaluated networks.
 */
@Command(name = "partition", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Seed experiment: partition NASBench-101 networks and the zoo over 2-4 simulated Edge TPUs with",
            "every method; bottleneck vs the exact optimum, profiling and solve time vs Coral's profiling baseline."})
public final class PartitionBench extends BaseCommand {

    @Option(names = "--specs", paramLabel = "FILE", description = "JSON file of NASBench-101 cell specs (default: the seeded sampler)")
    Path specs;

    @Option(names = "--networks", paramLabel = "N", defaultValue = "120", description = "NASBench-101 networks to evaluate (default ${DEFAULT-VALUE})")
    int networks;

    @Option(names = "--tpus", paramLabel = "K,...", split = ",", defaultValue = "2,3,4", description = "pipeline lengths (default ${DEFAULT-VALUE})")
    List<Integer> tpus;

    @Option(names = "--zoo", paramLabel = "M,...", split = ",", description = "zoo models (default: all; 'none' to skip)")
    List<String> zoo;

    @Option(names = "--seed", defaultValue = "101", description = "seed of the evaluated NASBench-101 sample (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--predictor", defaultValue = "xgboost",
            description = "cost predictor: xgboost (the farm's predictor as the coordinator trains it) or quick (its quick training preset; 'standin' is an alias) (default ${DEFAULT-VALUE})")
    String predictor;

    @Option(names = "--train-networks", defaultValue = "30", description = "NASBench-101 training networks of the predictor (default ${DEFAULT-VALUE})")
    int trainNetworks;

    @Option(names = "--train-segments", defaultValue = "300", description = "random segments profiled per training network (default ${DEFAULT-VALUE})")
    int trainSegments;

    @Option(names = "--zoo-loo", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "retrain per zoo model without it (leave-one-out); --no-zoo-loo: one model on NASBench + FC only (default ${DEFAULT-VALUE})")
    boolean zooLoo;

    @Option(names = "--candidates", defaultValue = "8", description = "hybrid: candidates verified per round (default ${DEFAULT-VALUE})")
    int candidates;


    @Option(names = "--hybrid-error", paramLabel = "E",
            description = "hybrid: relative error of the predictor assumed before anything is profiled (default: from the predictor's error on the validation networks, see PartitionConfig.hybridErrorFromMape)")
    Double hybridError;

    @Option(names = "--compile-seconds", defaultValue = "2.0", description = "modelled edgetpu_compiler time per profiled segment (default ${DEFAULT-VALUE})")
    double compileSeconds;

    @Option(names = "--fc-widths", split = ",", defaultValue = "1580,2020,2620", description = "hidden widths of the FC networks (64 inputs, 4 hidden layers) of the speedup table")
    List<Integer> fcWidths;

    static final long TRAIN_SEED = 0x7EA1L;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    static final int VALIDATION_NETWORKS = 10;
    /** predict is timed as the fastest of 1 + this many runs (JIT and caches warm, as in a coordinator that keeps running). */
    static final int PREDICT_REPEATS = 2;
    static final int[] FC_TRAIN_WIDTHS = {1000, 1800, 2300, 3000};
    static final List<Method> METHODS = List.of(Method.EXACT, Method.PREDICT, Method.HYBRID, Method.PROFILE,
            Method.EVEN, Method.GREEDY, Method.RANDOM);
    /** Coral's baseline with a finer --diff_threshold_ns, so that it searches on models faster than a few ms. */
    static final String PROFILE_FINE = "profile@10us";
    static final long FINE_THRESHOLD_NS = 10_000;
    static final List<String> VARIANTS = List.of("exact", "predict", "hybrid", "profile", PROFILE_FINE, "even", "greedy", "random");

    /** One (network, k, method) outcome. */
    /** A predictor the bench can use: a fresh lazy cost source per run, so predicting lands in the run's compute time. */
    interface CostModel {
        SegmentCostSource lazyForModel(Graph g);
    }

    /** Held-out accuracy accumulated over every segment of the evaluated networks. */
    static final class Accuracy {
        long n, within10;
        double apeSum;

        void add(double predicted, double measured) {
            if (!(measured > 0)) return;
            double ape = Math.abs(predicted - measured) / measured;
            n++;
            apeSum += ape;
            if (ape <= 0.10) within10++;
        }

        double mape() { return n == 0 ? Double.NaN : 100 * apeSum / n; }
        double acc10() { return n == 0 ? Double.NaN : (double) within10 / n; }
    }

    /** One (network, k, method) outcome; {@code cpuNs} = the run's thread CPU time (wall time minus waiting on a shared machine). */
    record Row(String group, String model, int ops, int k, String method, double ratio, int profiled, long probes,
               double computeNs, double deviceNs, double cpuNs) {
        double solveNs() { return computeNs + deviceNs; }
    }

    @Override
    protected int run() throws IOException {
        long t0 = System.nanoTime();
        for (int k : tpus) if (k < 1) throw CliException.usage("--tpus values must be >= 1, got " + k);
        if (networks < 0) throw CliException.usage("--networks must be >= 0");
        List<CellSpec> evalSpecs = specs != null ? CellSpecJson.read(specs) : NasBenchSampler.sample(networks, seed);
        if (specs != null && networks < evalSpecs.size()) evalSpecs = evalSpecs.subList(0, networks);
        List<String> zooNames = zoo == null ? ModelZoo.names() : zoo.size() == 1 && zoo.get(0).equals("none") ? List.of() : zoo;
        for (String z : zooNames) ModelZoo.info(z);
        EdgeTpuSimulator sim = new EdgeTpuSimulator(EdgeTpuSimConfig.usb());
        String kind = sim.deviceKind();
        PartitionConfig cfg = PartitionConfig.forKind(kind).withCompileSeconds(compileSeconds).withHybrid(candidates, 1);
        long cache = cfg.onChipCacheBytes();

        // ---- training data of the predictor ----------------------------------------------------
        long tTrain = System.nanoTime();
        Set<String> evalHashes = new HashSet<>();
        for (CellSpec s : evalSpecs) evalHashes.add(s.hash());
        List<CellSpec> trainSpecs = new ArrayList<>();
        // validation networks: neither trained on nor evaluated; the predictor's error measured on them is the
        // hybrid's prior error (as the farm uses its serving predictor's held-out error)
        List<CellSpec> valSpecs = new ArrayList<>();
        for (CellSpec s : NasBenchSampler.sample(evalSpecs.size() + trainNetworks + VALIDATION_NETWORKS + 50, TRAIN_SEED)) {
            if (evalHashes.contains(s.hash())) continue;
            if (trainSpecs.size() < trainNetworks) trainSpecs.add(s);
            else if (valSpecs.size() < VALIDATION_NETWORKS) valSpecs.add(s);
            else break;
        }
        // "standin" names what the quick preset replaced, so that old command lines keep working
        boolean quick = switch (predictor.toLowerCase(Locale.ROOT)) {
            case "xgboost", "xgb" -> false;
            case "quick", "standin", "stand-in" -> true;
            default -> throw CliException.usage("unknown --predictor '" + predictor + "': use xgboost or quick");
        };
        if (trainSegments < 1) throw CliException.usage("--train-segments must be >= 1");
        Map<String, Graph> zooGraphs = new LinkedHashMap<>();
        Map<String, SimulatedCosts> zooCosts = new LinkedHashMap<>();
        Map<String, Double> buildMs = new LinkedHashMap<>();
        for (String z : zooNames) {
            long b0 = System.nanoTime();
            Graph g = ModelZoo.build(z);
            buildMs.put(z, (System.nanoTime() - b0) / 1e6);
            zooGraphs.put(z, g);
            zooCosts.put(z, new SimulatedCosts(g, sim, 10));
        }
        CostModel nasPredictor;
        Map<String, CostModel> zooPredictors = new LinkedHashMap<>();
        String predictorLabel;
        double[] fitSec = {0};
        String trainerHeldOut = null; // xgboost: the trainer's own held-out metrics (sampled segments of the validation networks)
        double heldOutMape = Double.NaN;
        {
            // Samples: --train-segments random segments [i, j) (uniform over pairs) of each training network,
            // labelled by the same measurement as the evaluation (median of 10 noisy invokes).
            Random rnd = new Random(TRAIN_SEED);
            List<Sample> base = new ArrayList<>();
            int t = 0;
            for (CellSpec s : trainSpecs) {
                status("profiling " + trainSegments + " segments of NASBench-101 training network " + (++t) + "/" + trainSpecs.size());
                Graph g = ModelZoo.nasbench(s);
                base.addAll(SimulatorPredictor.samples("nb-train-" + t, g, new SimulatedCosts(g, sim, 10), trainSegments, rnd));
            }
            for (int w : FC_TRAIN_WIDTHS) {
                Graph g = ModelZoo.fc(64, w, 4);
                base.addAll(SimulatorPredictor.samples("fc-train-" + w, g, new SimulatedCosts(g, sim, 10), trainSegments, rnd));
            }
            Map<String, List<Sample>> zooSamples = new LinkedHashMap<>();
            for (String z : zooNames) {
                status("profiling " + trainSegments + " segments of " + z + " (zoo)");
                List<Sample> l = new ArrayList<>();
                l.addAll(SimulatorPredictor.samples("zoo-" + z, zooGraphs.get(z), zooCosts.get(z), trainSegments, rnd));
                zooSamples.put(z, l);
            }
            // The trainer's held-out architectures: the validation networks (never trained on, never evaluated).
            List<Sample> evalHeld = new ArrayList<>();
            Set<String> evalArchs = new TreeSet<>();
            for (int q = 0; q < valSpecs.size(); q++) {
                Graph g = ModelZoo.nasbench(valSpecs.get(q));
                evalHeld.addAll(SimulatorPredictor.samples("nb-val-" + q, g, new SimulatedCosts(g, sim, 10), 100, new Random(q)));
                evalArchs.add("nb-val-" + q);
            }
            PredictorTrainer.Options opt = quick ? PredictorTrainer.Options.quick()
                    : PredictorTrainer.Options.defaults().families(List.of(XgbPredictor.FAMILY));
            try (PredictorTrainer trainer = new PredictorTrainer(opt)) {
                List<Sample> all = new ArrayList<>(base);
                zooSamples.values().forEach(all::addAll);
                List<Sample> data = new ArrayList<>(all);
                Set<String> held = new TreeSet<>(evalArchs);
                if (evalHeld.isEmpty()) {
                    // no evaluated NASBench network: hold out one FC training net just to satisfy the trainer
                    held.add("fc-train-" + FC_TRAIN_WIDTHS[0]);
                }
                data.addAll(evalHeld);
                status("training XGBoost on " + all.size() + " segments of " + (trainSpecs.size() + FC_TRAIN_WIDTHS.length + zooNames.size()) + " networks");
                PredictorTrainer.Result r = trainer.train(kind, data, held);
                fitSec[0] += r.best().trainSeconds();
                LatencyPredictor main = warm(r.best().predictor(), base);
                trainerHeldOut = r.best().heldOut().toString();
                heldOutMape = r.best().heldOut().mape();
                nasPredictor = g -> lazy(main, g);
                if (!zooLoo && !zooNames.isEmpty()) {
                    status("training XGBoost on NASBench-101 + FC only (for the zoo)");
                    List<Sample> d = new ArrayList<>(base);
                    zooSamples.values().forEach(d::addAll); // all zoo models held out
                    PredictorTrainer.FamilyResult fr = trainer.train(kind, d, new TreeSet<>(zooSamples.keySet().stream().map(z -> "zoo-" + z).toList())).best();
                    fitSec[0] += fr.trainSeconds();
                    LatencyPredictor p = warm(fr.predictor(), base);
                    for (String z : zooNames) zooPredictors.put(z, g -> lazy(p, g));
                }
                for (String z : zooNames) {
                    if (!zooLoo) continue;
                    status("training XGBoost without " + z + " (leave-one-out)");
                    List<Sample> loo = new ArrayList<>(base);
                    zooSamples.forEach((zz, l) -> { if (!zz.equals(z)) loo.addAll(l); });
                    loo.addAll(zooSamples.get(z)); // held out: the trainer never fits on it
                    PredictorTrainer.FamilyResult fr = trainer.train(kind, loo, Set.of("zoo-" + z)).best();
                    fitSec[0] += fr.trainSeconds();
                    LatencyPredictor p = warm(fr.predictor(), base);
                    zooPredictors.put(z, g -> lazy(p, g));
                }
            }
            predictorLabel = "xgboost (io.pipefarm.coordinator.predictor.XgbPredictor" + (quick ? ", quick preset" : "") + "), " + trainSegments + " random segments per training net of "
                    + trainSpecs.size() + " NASBench-101 + " + FC_TRAIN_WIDTHS.length + " FC nets"
                    + (zooNames.isEmpty() ? "" : zooLoo ? " (+ the other zoo models for a zoo model: retrained per zoo model)"
                    : " (+ all zoo models for NASBench; the zoo is evaluated with one model of NASBench + FC only: --no-zoo-loo)");
        }
        double trainSec = (System.nanoTime() - tTrain) / 1e9;
        cfg = cfg.withHybridError(hybridError != null ? hybridError
                : Double.isNaN(heldOutMape) ? PartitionConfig.DEFAULT_HYBRID_ERROR : PartitionConfig.hybridErrorFromMape(heldOutMape));

        // ---- the experiment -------------------------------------------------------------------
        List<Row> rows = new ArrayList<>();
        Map<String, double[]> speedups = new LinkedHashMap<>();
        Map<String, Double> predictMsMax = new LinkedHashMap<>();
        Map<String, Accuracy> accuracy = new LinkedHashMap<>();
        for (String grp : List.of("nasbench", "zoo", "all")) accuracy.put(grp, new Accuracy());
        int idx = 0;
        for (CellSpec s : evalSpecs) {
            idx++;
            Graph g = ModelZoo.nasbench(s);
            status("nasbench " + idx + "/" + evalSpecs.size() + " (" + g.size() + " ops)");
            evaluate("nasbench", g, new SimulatedCosts(g, sim, 10), nasPredictor, cfg, rows, null, accuracy);
        }
        for (String z : zooNames) {
            status("zoo " + z);
            double[] sp = new double[tpus.size() + 1];
            evaluate("zoo", zooGraphs.get(z), zooCosts.get(z), zooPredictors.get(z), cfg, rows, sp, accuracy);
            speedups.put(z, sp);
        }
        for (int w : fcWidths) {
            Graph g = ModelZoo.fc(64, w, 4);
            status("fc " + g.name());
            SimulatedCosts sc = new SimulatedCosts(g, sim, 10);
            double[] sp = new double[tpus.size() + 1];
            sp[0] = sc.latencyNs(0, g.size());
            for (int q = 0; q < tpus.size(); q++) {
                int k = tpus.get(q);
                if (k > g.size()) { sp[q + 1] = Double.NaN; continue; }
                PartitionResult r = new Partitioner(PartitionModel.of(g), k, cfg, null, sc).run(Method.EXACT);
                sp[q + 1] = sp[0] / r.bottleneckNs();
            }
            speedups.put(g.name(), sp);
        }
        status(null);
        double totalSec = (System.nanoTime() - t0) / 1e9;

        // ---- aggregate ------------------------------------------------------------------------
        Map<String, Map<String, Agg>> groups = new LinkedHashMap<>();
        for (String grp : List.of("nasbench", "zoo", "all")) {
            Map<String, Agg> m = new LinkedHashMap<>();
            for (String v : VARIANTS) m.put(v, new Agg());
            for (Row r : rows) if (grp.equals("all") || r.group().equals(grp)) m.get(r.method()).add(r);
            Agg prof = m.get("profile"), fine = m.get(PROFILE_FINE);
            for (Agg a : m.values()) a.relativeTo(prof, fine);
            if (m.get("exact").n > 0) groups.put(grp, m);
        }
        // predict timing: the first network's runs (cold JIT: every k takes its own code paths the first time) apart;
        // warm = every later run (max and median), k <= 4 only; each run is the fastest of 1 + PREDICT_REPEATS.
        // Wall time and, beside it, thread CPU time (what the search costs when the machine is not shared).
        List<Double> warm = new ArrayList<>(), warmCpu = new ArrayList<>();
        double firstPredictMs = Double.NaN;
        String firstModel = null;
        String slowest = null;
        double slowestCpu = -1;
        for (Row r : rows) {
            if (!r.method().equals("predict") || r.k() > 4) continue;
            if (firstModel == null) firstModel = r.model();
            if (r.model().equals(firstModel) && r.group().equals(rows.get(0).group())) {
                firstPredictMs = Double.isNaN(firstPredictMs) ? r.computeNs() / 1e6 : Math.max(firstPredictMs, r.computeNs() / 1e6);
                continue;
            }
            warm.add(r.computeNs() / 1e6);
            warmCpu.add(r.cpuNs() / 1e6);
            predictMsMax.merge(r.group(), r.computeNs() / 1e6, Math::max);
            if (r.cpuNs() > slowestCpu) {
                slowestCpu = r.cpuNs();
                slowest = r.model() + " (" + r.ops() + " ops) k=" + r.k();
            }
        }
        double[] wallMs = medianMax(warm), cpuMs = medianMax(warmCpu);
        double warmMedian = wallMs[0], warmMax = wallMs[1], cpuMedian = cpuMs[0], cpuMax = cpuMs[1];

        if (json) {
            ObjectNode o = Json.object();
            o.put("device_kind", kind);
            o.put("predictor", quick ? "quick" : XgbPredictor.FAMILY);
            o.put("predictor_training", predictorLabel);
            o.put("predictor_zoo_leave_one_out", zooLoo);
            if (trainerHeldOut != null) o.put("predictor_trainer_heldout", trainerHeldOut);
            ObjectNode acc = o.putObject("predictor_heldout_accuracy");
            for (var e : accuracy.entrySet()) {
                if (e.getValue().n == 0) continue;
                ObjectNode ao = acc.putObject(e.getKey());
                ao.put("segments", e.getValue().n);
                ao.put("mape", e.getValue().mape());
                ao.put("acc10", e.getValue().acc10());
            }
            o.put("nasbench_networks", evalSpecs.size());
            o.put("nasbench_source", specs != null ? specs.toString() : "NasBenchSampler.sample(" + evalSpecs.size() + ", " + seed + ")");
            o.putPOJO("zoo", zooNames);
            o.putPOJO("tpus", tpus);
            o.put("compile_seconds_per_segment", compileSeconds);
            o.put("hybrid_candidates", candidates);
            o.put("hybrid_error", cfg.hybridError());
            o.put("runtime_seconds", totalSec);
            o.put("training_seconds", trainSec);
            o.put("xgboost_fit_seconds", fitSec[0]);
            ObjectNode gs = o.putObject("groups");
            for (var e : groups.entrySet()) {
                ObjectNode go = gs.putObject(e.getKey());
                for (var me : e.getValue().entrySet()) {
                    Agg a = me.getValue();
                    ObjectNode mo = a.ratiosJson(go.putObject(me.getKey()));
                    mo.put("instances", a.n);
                    mo.put("within_1pct", a.within1);
                    mo.put("segments_profiled", a.profiled);
                    mo.put("probes", a.probes);
                    mo.put("profiled_segments_vs_profile_fine_probes", a.profiledVsFineProbes);
                    mo.put("compute_ms_mean", a.computeNs / a.n / 1e6);
                    mo.put("device_seconds", a.deviceNs / 1e9);
                }
            }
            ObjectNode methods = o.putObject("methods");
            for (var me : groups.get("all").entrySet()) me.getValue().ratiosJson(methods.putObject(me.getKey()));
            ObjectNode pm = o.putObject("predict_compute_ms_max");
            predictMsMax.forEach(pm::put);
            o.put("predict_first_network_max_ms", firstPredictMs);
            o.put("predict_warm_median_ms", warmMedian);
            o.put("predict_warm_max_ms", warmMax);
            o.put("predict_cpu_warm_median_ms", cpuMedian);
            o.put("predict_cpu_warm_max_ms", cpuMax);
            o.put("predict_cpu_warm_max_run", slowest);
            ArrayNode sp = o.putArray("speedup_over_one_tpu");
            for (var e : speedups.entrySet()) {
                ObjectNode so = sp.addObject();
                so.put("model", e.getKey());
                so.put("one_tpu_ms", e.getValue()[0] / 1e6);
                for (int q = 0; q < tpus.size(); q++) so.put("k" + tpus.get(q), e.getValue()[q + 1]);
            }
            printJson(o);
            return 0;
        }
        var out = out();
        out.printf(Locale.ROOT, "Partition search on %s: %d NASBench-101 networks (%s) + %d zoo models, k = %s%n", kind,
                evalSpecs.size(), specs != null ? specs : "sampler seed " + seed, zooNames.size(), tpus);
        out.printf(Locale.ROOT, "measured = median of 10 simulated invokes; predicted = %s,%n  never trained on an evaluated network%n", predictorLabel);
        for (var e : accuracy.entrySet()) {
            Accuracy a = e.getValue();
            if (a.n == 0) continue;
            out.printf(Locale.ROOT, "predictor held-out accuracy [%s]: MAPE %.2f%%, acc10 %.1f%% over all %d segments of the evaluated networks%n",
                    e.getKey(), a.mape(), 100 * a.acc10(), a.n);
        }
        if (trainerHeldOut != null) out.printf(Locale.ROOT, "  (trainer's held-out figure, 100 sampled segments of each of %d validation NASBench nets, neither trained on nor evaluated: %s)%n",
                VALIDATION_NETWORKS, trainerHeldOut);
        out.printf(Locale.ROOT, "device time per profiled segment = %.1f s compile + (1 warm-up + 10) invokes; hybrid M = %d, prior error = %.1f%%%n"
                + "'vs profile' = segments profiled / the segments Coral's baseline profiled; 'vs its probes' = / its latency requests (cache hits included)%n%n",
                compileSeconds, candidates, 100 * cfg.hybridError());
        for (var e : groups.entrySet()) {
            out.println("[" + e.getKey() + "] bottleneck / exact optimum, and cost relative to Coral's profiling baseline");
            Table t = new Table("method", "n", "geo-mean", "worst", "<=1.01x", "profiled", "per run", "probes", "vs profile", "vs its probes",
                    "solve vs profile", "vs @10us", "vs its probes", "solve vs @10us", "compute ms/run");
            for (var me : e.getValue().entrySet()) {
                Agg a = me.getValue();
                t.row(me.getKey(), a.n, Table.fixed(a.geomean(), 4) + "x", Table.fixed(a.worst, 4) + "x",
                        Table.fixed(100.0 * a.within1 / a.n, 1) + "%", a.profiled, Table.fixed((double) a.profiled / a.n, 1), a.probes,
                        pct(a.profiledVsProfile), pct(a.profiledVsProbes), pct(a.solveVsProfile),
                        pct(a.profiledVsFine), pct(a.profiledVsFineProbes), pct(a.solveVsFine),
                        Table.fixed(a.computeNs / a.n / 1e6, 2));
            }
            t.print(out);
            out.println();
        }
        predictMsMax.forEach((g, ms) -> out.printf(Locale.ROOT, "predict: max compute %.2f ms per run after the first (%s)%n", ms, g));
        out.printf(Locale.ROOT, "predict, k <= 4: first network (cold JIT) max %.2f ms; later runs median %.2f ms, max %.2f ms%n",
                firstPredictMs, warmMedian, warmMax);
        out.printf(Locale.ROOT, "predict, k <= 4, thread CPU time (unaffected by other load): later runs median %.2f ms, max %.2f ms (%s)%n",
                cpuMedian, cpuMax, slowest);
        out.println();
        out.println("Speedup of the best pipeline (exact, throughput) over one Edge TPU");
        List<String> hdr = new ArrayList<>(List.of("model", "one TPU ms"));
        for (int k : tpus) hdr.add(k + " TPUs");
        Table st = new Table(hdr.toArray(new String[0]));
        for (var e : speedups.entrySet()) {
            List<Object> cells = new ArrayList<>();
            cells.add(e.getKey());
            cells.add(Table.fixed(e.getValue()[0] / 1e6, 2));
            for (int q = 0; q < tpus.size(); q++) cells.add(Table.fixed(e.getValue()[q + 1], 2) + "x");
            st.row(cells.toArray());
        }
        st.print(out);
        out.printf(Locale.ROOT, "%nbench runtime %.1f s (of which predictor training %.1f s%s); zoo build ms: %s%n", totalSec, trainSec,
                String.format(Locale.ROOT, ", XGBoost fits %.1f s", fitSec[0]), buildMs);
        return 0;
    }

    /** Runs every method on one network for each k; fills the speedup row when given. */
    private void evaluate(String group, Graph g, SimulatedCosts measured, CostModel p, PartitionConfig cfg,
                          List<Row> rows, double[] speedup, Map<String, Accuracy> accuracy) {
        PartitionModel pm = PartitionModel.of(g);
        if (speedup != null) speedup[0] = measured.latencyNs(0, g.size());
        for (int q = 0; q < tpus.size(); q++) {
            int k = tpus.get(q);
            if (k > g.size()) continue;
            SegmentCostSource pred = p.lazyForModel(g);
            Partitioner part = new Partitioner(pm, k, cfg, pred, measured);
            PartitionResult exact = part.run(Method.EXACT);
            if (speedup != null) speedup[q + 1] = speedup[0] / exact.bottleneckNs();
            for (String v : VARIANTS) {
                PartitionResult r;
                long cpu0 = CPU.getCurrentThreadCpuTime();
                if (v.equals(PROFILE_FINE)) {
                    r = new Partitioner(pm, k, cfg.withDiffThresholdNs(FINE_THRESHOLD_NS), pred, measured).run(Method.PROFILE);
                } else {
                    Method m = Method.parse(v);
                    // a fresh lazy predictor per run, so that predicting every segment counts in the run's compute time
                    r = m == Method.EXACT ? exact : m.needsPrediction()
                            ? new Partitioner(pm, k, cfg, p.lazyForModel(g), measured).run(m) : part.run(m);
                }
                double cpu = CPU.getCurrentThreadCpuTime() - cpu0;
                if (v.equals("predict")) {
                    // a search's time in steady state: the fastest of this run and PREDICT_REPEATS more, each from a fresh
                    // predictor source (nothing carried over); the answer is the same every time (deterministic)
                    for (int rep = 0; rep < PREDICT_REPEATS; rep++) {
                        long c0 = CPU.getCurrentThreadCpuTime();
                        PartitionResult again = new Partitioner(pm, k, cfg, p.lazyForModel(g), measured).run(Method.PREDICT);
                        cpu = Math.min(cpu, CPU.getCurrentThreadCpuTime() - c0);
                        if (again.cost().computeNs() < r.cost().computeNs()) r = again;
                    }
                }
                rows.add(new Row(group, g.name(), g.size(), k, v, r.bottleneckNs() / exact.bottleneckNs(),
                        r.cost().segmentsProfiled(), r.cost().probes(), r.cost().computeNs(), r.cost().deviceTimeNs(), cpu));
            }
        }
        // held-out accuracy over every segment (all are measured anyway: exact needs them); after the runs, so the first predict run stays cold
        int n = g.size();
        double[][] t = p.lazyForModel(g).allLatenciesNs(n);
        Accuracy ga = accuracy.get(group), all = accuracy.get("all");
        for (int i = 0; i < n; i++) for (int j = i + 1; j <= n; j++) {
            double m = measured.latencyNs(i, j);
            ga.add(t[i][j], m);
            all.add(t[i][j], m);
        }
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

    /** A lazy cost source of a trained {@link LatencyPredictor} (fresh per run, so its predicting counts in the run). */
    static SegmentCostSource lazy(LatencyPredictor p, Graph g) { return PredictedCosts.of(p, g); }

    /** Aggregates of one method over instances. */
    static final class Agg {
        int n, within1;
        double logSum, worst = 1, computeNs, deviceNs, profiledVsProfile = Double.NaN, solveVsProfile = Double.NaN,
                profiledVsFine = Double.NaN, solveVsFine = Double.NaN, profiledVsProbes = Double.NaN, profiledVsFineProbes = Double.NaN;
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

        double geomean() { return n == 0 ? Double.NaN : Math.exp(logSum / n); }

        /** The figures the issue names per method (quality and cost relative to Coral's baseline) into {@code mo}. */
        ObjectNode ratiosJson(ObjectNode mo) {
            mo.put("geomean_ratio", geomean());
            mo.put("worst_ratio", worst);
            mo.put("profiled_segments_vs_profile", profiledVsProfile);
            mo.put("solve_time_vs_profile", solveVsProfile);
            mo.put("profiled_segments_vs_profile_fine", profiledVsFine);
            mo.put("solve_time_vs_profile_fine", solveVsFine);
            mo.put("profiled_segments_vs_profile_probes", profiledVsProbes);
            return mo;
        }

        void relativeTo(Agg prof, Agg fine) {
            profiledVsProfile = prof.profiled == 0 ? Double.NaN : (double) profiled / prof.profiled;
            double ps = prof.computeNs + prof.deviceNs;
            solveVsProfile = ps == 0 ? Double.NaN : (computeNs + deviceNs) / ps;
            profiledVsProbes = prof.probes == 0 ? Double.NaN : (double) profiled / prof.probes;
            profiledVsFineProbes = fine.probes == 0 ? Double.NaN : (double) profiled / fine.probes;
            profiledVsFine = fine.profiled == 0 ? Double.NaN : (double) profiled / fine.profiled;
            double fs = fine.computeNs + fine.deviceNs;
            solveVsFine = fs == 0 ? Double.NaN : (computeNs + deviceNs) / fs;
        }
    }

    /** {median, max} of {@code v} (sorted in place); NaN when empty. */
    static double[] medianMax(List<Double> v) {
        if (v.isEmpty()) return new double[] {Double.NaN, Double.NaN};
        java.util.Collections.sort(v);
        return new double[] {v.get(v.size() / 2), v.get(v.size() - 1)};
    }

    static String pct(double f) {
        if (!Double.isFinite(f)) return "-";
        return f >= 10 ? Table.fixed(f, 1) + "x" : Table.fixed(100 * f, f < 0.01 ? 3 : 1) + "%";
    }

    private void status(String s) {
        if (json) return;
        var err = err();
        if (s == null) err.print("\r" + " ".repeat(100) + "\r");
        else err.print("\r" + String.format(Locale.ROOT, "%-100s", s.length() > 100 ? s.substring(0, 100) : s));
        err.flush();
    }
}
