package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.agent.sim.EdgeTpuSimConfig;
import io.pipefarm.agent.sim.EdgeTpuSimulator;
import io.pipefarm.cli.BaseCommand;
import io.pipefarm.cli.CliException;
import io.pipefarm.cli.partition.SimulatedCosts;
import io.pipefarm.cli.partition.StandInPredictor;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.coordinator.partition.Method;
import io.pipefarm.coordinator.partition.PartitionConfig;
import io.pipefarm.coordinator.partition.PartitionModel;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.coordinator.partition.Partitioner;
import io.pipefarm.coordinator.partition.SegmentCostSource;
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
import java.util.Set;
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
 * Predicted latency = {@link StandInPredictor} (a linear regression on static segment features), fitted
 * to measured profiles of TRAINING networks only: a disjoint NASBench-101 sample, FC networks of other
 * widths, and for each zoo model the other zoo models (leave-one-out); the evaluated networks never.
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

    @Option(names = "--train-networks", defaultValue = "30", description = "NASBench-101 training networks of the stand-in predictor (default ${DEFAULT-VALUE})")
    int trainNetworks;

    @Option(names = "--candidates", defaultValue = "8", description = "hybrid: candidates verified per round (default ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--rounds", defaultValue = "2", description = "hybrid: verification rounds (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--slack", defaultValue = "0.0", description = "hybrid: verify candidates within this fraction of the best predicted bottleneck (default ${DEFAULT-VALUE})")
    double slack;

    @Option(names = "--compile-seconds", defaultValue = "2.0", description = "modelled edgetpu_compiler time per profiled segment (default ${DEFAULT-VALUE})")
    double compileSeconds;

    @Option(names = "--fc-widths", split = ",", defaultValue = "1580,2020,2620", description = "hidden widths of the FC networks (64 inputs, 4 hidden layers) of the speedup table")
    List<Integer> fcWidths;

    static final long TRAIN_SEED = 0x7EA1L;
    static final int[] FC_TRAIN_WIDTHS = {1000, 1800, 2300, 3000};
    static final List<Method> METHODS = List.of(Method.EXACT, Method.PREDICT, Method.HYBRID, Method.PROFILE,
            Method.EVEN, Method.GREEDY, Method.RANDOM);
    /** Coral's baseline with a finer --diff_threshold_ns, so that it searches on models faster than a few ms. */
    static final String PROFILE_FINE = "profile@10us";
    static final long FINE_THRESHOLD_NS = 10_000;
    static final List<String> VARIANTS = List.of("exact", "predict", "hybrid", "profile", PROFILE_FINE, "even", "greedy", "random");

    /** One (network, k, method) outcome. */
    record Row(String group, String model, int ops, int k, String method, double ratio, int profiled, long probes,
               double computeNs, double deviceNs) {
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
        PartitionConfig cfg = PartitionConfig.forKind(kind).withCompileSeconds(compileSeconds).withHybrid(candidates, rounds).withHybridSlack(slack);
        long cache = cfg.onChipCacheBytes();

        // ---- training data of the stand-in predictor ------------------------------------------
        long tTrain = System.nanoTime();
        Set<String> evalHashes = new HashSet<>();
        for (CellSpec s : evalSpecs) evalHashes.add(s.hash());
        List<CellSpec> trainSpecs = new ArrayList<>();
        for (CellSpec s : NasBenchSampler.sample(evalSpecs.size() + trainNetworks + 50, TRAIN_SEED)) {
            if (trainSpecs.size() >= trainNetworks) break;
            if (!evalHashes.contains(s.hash())) trainSpecs.add(s);
        }
        status("training the stand-in predictor on " + trainSpecs.size() + " NASBench-101 + " + FC_TRAIN_WIDTHS.length + " FC networks");
        StandInPredictor.Accumulator base = new StandInPredictor.Accumulator();
        for (CellSpec s : trainSpecs) {
            Graph g = ModelZoo.nasbench(s);
            base.addModel(g, new SimulatedCosts(g, sim, 10), cache, 1);
        }
        for (int w : FC_TRAIN_WIDTHS) {
            Graph g = ModelZoo.fc(64, w, 4);
            base.addModel(g, new SimulatedCosts(g, sim, 10), cache, 1);
        }
        Map<String, Graph> zooGraphs = new LinkedHashMap<>();
        Map<String, SimulatedCosts> zooCosts = new LinkedHashMap<>();
        Map<String, StandInPredictor.Accumulator> zooAcc = new LinkedHashMap<>();
        Map<String, Double> buildMs = new LinkedHashMap<>();
        for (String z : zooNames) {
            status("profiling all segments of " + z + " (zoo)");
            long b0 = System.nanoTime();
            Graph g = ModelZoo.build(z);
            buildMs.put(z, (System.nanoTime() - b0) / 1e6);
            SimulatedCosts sc = new SimulatedCosts(g, sim, 10);
            StandInPredictor.Accumulator a = new StandInPredictor.Accumulator();
            a.addModel(g, sc, cache, 1);
            zooGraphs.put(z, g);
            zooCosts.put(z, sc);
            zooAcc.put(z, a);
        }
        StandInPredictor.Accumulator all = base.copy();
        for (StandInPredictor.Accumulator a : zooAcc.values()) all.addAll(a);
        StandInPredictor nasPredictor = StandInPredictor.fit(kind, cache, all);
        double trainSec = (System.nanoTime() - tTrain) / 1e9;

        // ---- the experiment -------------------------------------------------------------------
        List<Row> rows = new ArrayList<>();
        Map<String, double[]> speedups = new LinkedHashMap<>();
        Map<String, Double> predictMsMax = new LinkedHashMap<>();
        int idx = 0;
        for (CellSpec s : evalSpecs) {
            idx++;
            Graph g = ModelZoo.nasbench(s);
            status("nasbench " + idx + "/" + evalSpecs.size() + " (" + g.size() + " ops)");
            evaluate("nasbench", g, new SimulatedCosts(g, sim, 10), nasPredictor, cfg, rows, null);
        }
        for (String z : zooNames) {
            status("zoo " + z);
            StandInPredictor.Accumulator loo = all.copy();
            loo.subtract(zooAcc.get(z));
            StandInPredictor p = StandInPredictor.fit(kind, cache, loo);
            double[] sp = new double[tpus.size() + 1];
            evaluate("zoo", zooGraphs.get(z), zooCosts.get(z), p, cfg, rows, sp);
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
        // predict timing: the first run (cold JIT) apart; warm = every later run (max and median), k <= 4 only
        List<Double> warm = new ArrayList<>();
        double firstPredictMs = Double.NaN;
        for (Row r : rows) {
            if (!r.method().equals("predict") || r.k() > 4) continue;
            if (Double.isNaN(firstPredictMs)) { firstPredictMs = r.computeNs() / 1e6; continue; }
            warm.add(r.computeNs() / 1e6);
            predictMsMax.merge(r.group(), r.computeNs() / 1e6, Math::max);
        }
        java.util.Collections.sort(warm);
        double warmMedian = warm.isEmpty() ? Double.NaN : warm.get(warm.size() / 2);
        double warmMax = warm.isEmpty() ? Double.NaN : warm.get(warm.size() - 1);

        if (json) {
            ObjectNode o = Json.object();
            o.put("device_kind", kind);
            o.put("predictor", StandInPredictor.FAMILY + " (stand-in; issue 5's predictor not used)");
            o.put("nasbench_networks", evalSpecs.size());
            o.put("nasbench_source", specs != null ? specs.toString() : "NasBenchSampler.sample(" + evalSpecs.size() + ", " + seed + ")");
            o.putPOJO("zoo", zooNames);
            o.putPOJO("tpus", tpus);
            o.put("compile_seconds_per_segment", compileSeconds);
            o.put("hybrid_candidates", candidates);
            o.put("hybrid_rounds", rounds);
            o.put("hybrid_slack", slack);
            o.put("runtime_seconds", totalSec);
            o.put("training_seconds", trainSec);
            ObjectNode gs = o.putObject("groups");
            for (var e : groups.entrySet()) {
                ObjectNode go = gs.putObject(e.getKey());
                for (var me : e.getValue().entrySet()) {
                    Agg a = me.getValue();
                    ObjectNode mo = go.putObject(me.getKey());
                    mo.put("instances", a.n);
                    mo.put("geomean_ratio", a.geomean());
                    mo.put("worst_ratio", a.worst);
                    mo.put("within_1pct", a.within1);
                    mo.put("segments_profiled", a.profiled);
                    mo.put("profiled_segments_vs_profile", a.profiledVsProfile);
                    mo.put("solve_time_vs_profile", a.solveVsProfile);
                    mo.put("profiled_segments_vs_profile_fine", a.profiledVsFine);
                    mo.put("solve_time_vs_profile_fine", a.solveVsFine);
                    mo.put("probes", a.probes);
                    mo.put("profiled_segments_vs_profile_probes", a.profiledVsProbes);
                    mo.put("profiled_segments_vs_profile_fine_probes", a.profiledVsFineProbes);
                    mo.put("compute_ms_mean", a.computeNs / a.n / 1e6);
                    mo.put("device_seconds", a.deviceNs / 1e9);
                }
            }
            ObjectNode methods = o.putObject("methods");
            for (var me : groups.get("all").entrySet()) {
                Agg a = me.getValue();
                ObjectNode mo = methods.putObject(me.getKey());
                mo.put("geomean_ratio", a.geomean());
                mo.put("worst_ratio", a.worst);
                mo.put("profiled_segments_vs_profile", a.profiledVsProfile);
                mo.put("solve_time_vs_profile", a.solveVsProfile);
                mo.put("profiled_segments_vs_profile_fine", a.profiledVsFine);
                mo.put("solve_time_vs_profile_fine", a.solveVsFine);
                mo.put("profiled_segments_vs_profile_probes", a.profiledVsProbes);
            }
            ObjectNode pm = o.putObject("predict_compute_ms_max");
            predictMsMax.forEach(pm::put);
            o.put("predict_first_run_ms", firstPredictMs);
            o.put("predict_warm_median_ms", warmMedian);
            o.put("predict_warm_max_ms", warmMax);
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
        out.printf(Locale.ROOT, "measured = median of 10 simulated invokes; predicted = STAND-IN linear regression on static segment features,%n"
                + "  fitted on %d training NASBench-101 nets + %d FC nets (+ the other zoo models for a zoo model), never on the evaluated one%n",
                trainSpecs.size(), FC_TRAIN_WIDTHS.length);
        out.printf(Locale.ROOT, "device time per profiled segment = %.1f s compile + (1 warm-up + 10) invokes; hybrid M = %d, rounds = %d, slack = %.1f%%%n"
                + "'vs profile' = segments profiled / the segments Coral's baseline profiled; 'vs its probes' = / its latency requests (cache hits included)%n%n",
                compileSeconds, candidates, rounds, 100 * slack);
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
        out.printf(Locale.ROOT, "predict, k <= 4: first run (cold JIT) %.2f ms; later runs median %.2f ms, max %.2f ms%n",
                firstPredictMs, warmMedian, warmMax);
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
        out.printf(Locale.ROOT, "%nbench runtime %.1f s (of which predictor training data %.1f s); zoo build ms: %s%n", totalSec, trainSec, buildMs);
        return 0;
    }

    /** Runs every method on one network for each k; fills the speedup row when given. */
    private void evaluate(String group, Graph g, SimulatedCosts measured, StandInPredictor p, PartitionConfig cfg,
                          List<Row> rows, double[] speedup) {
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
                if (v.equals(PROFILE_FINE)) {
                    r = new Partitioner(pm, k, cfg.withDiffThresholdNs(FINE_THRESHOLD_NS), pred, measured).run(Method.PROFILE);
                } else {
                    Method m = Method.parse(v);
                    // a fresh lazy predictor per run, so that predicting every segment counts in the run's compute time
                    r = m == Method.EXACT ? exact : m.needsPrediction()
                            ? new Partitioner(pm, k, cfg, p.lazyForModel(g), measured).run(m) : part.run(m);
                }
                rows.add(new Row(group, g.name(), g.size(), k, v, r.bottleneckNs() / exact.bottleneckNs(),
                        r.cost().segmentsProfiled(), r.cost().probes(), r.cost().computeNs(), r.cost().deviceTimeNs()));
            }
        }
    }

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
