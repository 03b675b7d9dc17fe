package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.bench.PartitionExperiment;
import io.pipefarm.bench.PartitionExperiment.MethodStats;
import io.pipefarm.bench.PartitionExperiment.PredictTiming;
import io.pipefarm.bench.PartitionExperiment.Speedup;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.cli.ui.Table;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.model.zoo.NasBenchSampler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipefarm bench partition}: runs {@link PartitionExperiment} and prints a table or JSON. */
@Command(
        name = "partition",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Seed experiment: partition NASBench-101 networks and the zoo over 2-4 simulated Edge TPUs with",
            "every method; bottleneck vs the exact optimum, profiling and solve time vs Coral's profiling baseline."
        })
public final class PartitionBench extends BaseCommand {

    @Option(
            names = "--specs",
            paramLabel = "FILE",
            description = "JSON file of NASBench-101 cell specs (default: the seeded sampler)")
    Path specs;

    @Option(
            names = "--networks",
            paramLabel = "N",
            defaultValue = "120",
            description = "NASBench-101 networks to evaluate (default ${DEFAULT-VALUE})")
    int networks;

    @Option(
            names = "--tpus",
            paramLabel = "K,...",
            split = ",",
            defaultValue = "2,3,4",
            description = "pipeline lengths (default ${DEFAULT-VALUE})")
    List<Integer> tpus;

    @Option(
            names = "--zoo",
            paramLabel = "M,...",
            split = ",",
            description = "zoo models (default: all; 'none' to skip)")
    List<String> zoo;

    @Option(
            names = "--seed",
            defaultValue = "101",
            description = "seed of the evaluated NASBench-101 sample (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--predictor",
            defaultValue = "xgboost",
            description =
                    "cost predictor: xgboost (the farm's predictor as the coordinator trains it) or quick (its quick training preset; 'standin' is an alias) (default ${DEFAULT-VALUE})")
    String predictor;

    @Option(
            names = "--train-networks",
            defaultValue = "30",
            description = "NASBench-101 training networks of the predictor (default ${DEFAULT-VALUE})")
    int trainNetworks;

    @Option(
            names = "--train-segments",
            defaultValue = "300",
            description = "random segments profiled per training network (default ${DEFAULT-VALUE})")
    int trainSegments;

    @Option(
            names = "--zoo-loo",
            defaultValue = "true",
            negatable = true,
            fallbackValue = "true",
            description =
                    "retrain per zoo model without it (leave-one-out); --no-zoo-loo: one model on NASBench + FC only (default ${DEFAULT-VALUE})")
    boolean zooLoo;

    @Option(
            names = "--candidates",
            defaultValue = "8",
            description = "hybrid: candidates verified per round (default ${DEFAULT-VALUE})")
    int candidates;

    @Option(
            names = "--hybrid-error",
            paramLabel = "E",
            description =
                    "hybrid: relative error of the predictor assumed before anything is profiled (default: from the predictor's error on the validation networks, see PartitionConfig.hybridErrorFromMape)")
    Double hybridError;

    @Option(
            names = "--compile-seconds",
            defaultValue = "2.0",
            description = "modelled edgetpu_compiler time per profiled segment (default ${DEFAULT-VALUE})")
    double compileSeconds;

    @Option(
            names = "--fc-widths",
            split = ",",
            defaultValue = "1580,2020,2620",
            description = "hidden widths of the FC networks (64 inputs, 4 hidden layers) of the speedup table")
    List<Integer> fcWidths;

    @Override
    protected int run() throws IOException {
        for (int k : tpus) if (k < 1) throw CliException.usage("--tpus values must be >= 1, got " + k);
        if (networks < 0) throw CliException.usage("--networks must be >= 0");
        if (trainSegments < 1) throw CliException.usage("--train-segments must be >= 1");
        // "standin" names what the quick preset replaced, so that old command lines keep working
        boolean quick = switch (predictor.toLowerCase(Locale.ROOT)) {
            case "xgboost", "xgb" -> false;
            case "quick", "standin", "stand-in" -> true;
            default -> throw CliException.usage("unknown --predictor '" + predictor + "': use xgboost or quick");
        };
        List<CellSpec> evalSpecs = specs != null ? CellSpecJson.read(specs) : NasBenchSampler.sample(networks, seed);
        if (specs != null && networks < evalSpecs.size()) evalSpecs = evalSpecs.subList(0, networks);
        List<String> zooNames =
                zoo == null ? ModelZoo.names() : zoo.size() == 1 && zoo.get(0).equals("none") ? List.of() : zoo;
        for (String z : zooNames) ModelZoo.info(z);
        PartitionExperiment.Result r = PartitionExperiment.run(
                new PartitionExperiment.Options(
                        evalSpecs,
                        tpus,
                        zooNames,
                        quick,
                        trainNetworks,
                        trainSegments,
                        zooLoo,
                        candidates,
                        hybridError,
                        compileSeconds,
                        fcWidths),
                this::status);
        status(null);
        String source =
                specs != null ? specs.toString() : "NasBenchSampler.sample(" + evalSpecs.size() + ", " + seed + ")";
        if (json) {
            printJson(json(r, evalSpecs.size(), source));
            return 0;
        }
        print(r, evalSpecs.size(), specs != null ? specs.toString() : "sampler seed " + seed);
        return 0;
    }

    private ObjectNode json(PartitionExperiment.Result r, int nasbench, String source) {
        ObjectNode o = Json.object();
        o.put("device_kind", r.deviceKind());
        o.put("predictor", r.predictor());
        o.put("predictor_training", r.predictorTraining());
        o.put("predictor_zoo_leave_one_out", r.zooLeaveOneOut());
        if (r.trainerHeldOut() != null) o.put("predictor_trainer_heldout", r.trainerHeldOut());
        ObjectNode acc = o.putObject("predictor_heldout_accuracy");
        r.accuracy().forEach((grp, a) -> {
            ObjectNode ao = acc.putObject(grp);
            ao.put("segments", a.segments());
            ao.put("mape", a.mape());
            ao.put("acc10", a.acc10());
        });
        o.put("nasbench_networks", nasbench);
        o.put("nasbench_source", source);
        o.putPOJO("zoo", new ArrayList<>(r.zooBuildMs().keySet()));
        o.putPOJO("tpus", tpus);
        o.put("compile_seconds_per_segment", compileSeconds);
        o.put("hybrid_candidates", candidates);
        o.put("hybrid_error", r.config().hybridError());
        o.put("runtime_seconds", r.runtimeSeconds());
        o.put("training_seconds", r.trainingSeconds());
        o.put("xgboost_fit_seconds", r.fitSeconds());
        ObjectNode gs = o.putObject("groups");
        r.groups().forEach((grp, methods) -> {
            ObjectNode go = gs.putObject(grp);
            methods.forEach((m, s) -> {
                ObjectNode mo = ratios(go.putObject(m), s);
                mo.put("instances", s.instances());
                mo.put("within_1pct", s.within1pct());
                mo.put("segments_profiled", s.segmentsProfiled());
                mo.put("probes", s.probes());
                mo.put("profiled_segments_vs_profile_fine_probes", s.profiledVsFineProbes());
                mo.put("compute_ms_mean", s.computeMsMean());
                mo.put("device_seconds", s.deviceSeconds());
            });
        });
        ObjectNode methods = o.putObject("methods");
        Map<String, MethodStats> all = r.groups().get("all");
        if (all != null) all.forEach((m, s) -> ratios(methods.putObject(m), s));
        PredictTiming p = r.predict();
        ObjectNode pm = o.putObject("predict_compute_ms_max");
        p.computeMsMaxByGroup().forEach(pm::put);
        o.put("predict_first_network_max_ms", p.firstNetworkMaxMs());
        o.put("predict_warm_median_ms", p.warmMedianMs());
        o.put("predict_warm_max_ms", p.warmMaxMs());
        o.put("predict_cpu_warm_median_ms", p.cpuWarmMedianMs());
        o.put("predict_cpu_warm_max_ms", p.cpuWarmMaxMs());
        o.put("predict_cpu_warm_max_run", p.cpuWarmMaxRun());
        ArrayNode sp = o.putArray("speedup_over_one_tpu");
        for (Speedup s : r.speedups()) {
            ObjectNode so = sp.addObject();
            so.put("model", s.model());
            so.put("one_tpu_ms", s.oneTpuNs() / 1e6);
            for (int q = 0; q < tpus.size(); q++)
                so.put("k" + tpus.get(q), s.speedups().get(q));
        }
        return o;
    }

    /** A method's quality and cost relative to Coral's baseline into {@code mo}. */
    private static ObjectNode ratios(ObjectNode mo, MethodStats s) {
        mo.put("geomean_ratio", s.geomeanRatio());
        mo.put("worst_ratio", s.worstRatio());
        mo.put("profiled_segments_vs_profile", s.profiledVsProfile());
        mo.put("solve_time_vs_profile", s.solveVsProfile());
        mo.put("profiled_segments_vs_profile_fine", s.profiledVsFine());
        mo.put("solve_time_vs_profile_fine", s.solveVsFine());
        mo.put("profiled_segments_vs_profile_probes", s.profiledVsProbes());
        return mo;
    }

    private void print(PartitionExperiment.Result r, int nasbench, String source) {
        PrintWriter out = out();
        out.printf(
                Locale.ROOT,
                "Partition search on %s: %d NASBench-101 networks (%s) + %d zoo models, k = %s%n",
                r.deviceKind(),
                nasbench,
                source,
                r.zooBuildMs().size(),
                tpus);
        out.printf(
                Locale.ROOT,
                "measured = median of 10 simulated invokes; predicted = %s,%n  never trained on an evaluated network%n",
                r.predictorTraining());
        r.accuracy()
                .forEach((grp, a) -> out.printf(
                        Locale.ROOT,
                        "predictor held-out accuracy [%s]: MAPE %.2f%%, acc10 %.1f%% over all %d segments of the evaluated networks%n",
                        grp,
                        a.mape(),
                        100 * a.acc10(),
                        a.segments()));
        if (r.trainerHeldOut() != null) {
            out.printf(
                    Locale.ROOT,
                    "  (trainer's held-out figure, 100 sampled segments of each validation NASBench net, neither trained on nor evaluated: %s)%n",
                    r.trainerHeldOut());
        }
        out.printf(
                Locale.ROOT,
                "device time per profiled segment = %.1f s compile + (1 warm-up + 10) invokes; hybrid M = %d, prior error = %.1f%%%n"
                        + "'vs profile' = segments profiled / the segments Coral's baseline profiled; 'vs its probes' = / its latency requests (cache hits included)%n%n",
                compileSeconds,
                candidates,
                100 * r.config().hybridError());
        r.groups().forEach((grp, methods) -> {
            out.println("[" + grp + "] bottleneck / exact optimum, and cost relative to Coral's profiling baseline");
            Table t = new Table(
                    "method",
                    "n",
                    "geo-mean",
                    "worst",
                    "<=1.01x",
                    "profiled",
                    "per run",
                    "probes",
                    "vs profile",
                    "vs its probes",
                    "solve vs profile",
                    "vs @10us",
                    "vs its probes",
                    "solve vs @10us",
                    "compute ms/run");
            methods.forEach((m, s) -> t.row(
                    m,
                    s.instances(),
                    Table.fixed(s.geomeanRatio(), 4) + "x",
                    Table.fixed(s.worstRatio(), 4) + "x",
                    Table.fixed(100.0 * s.within1pct() / s.instances(), 1) + "%",
                    s.segmentsProfiled(),
                    Table.fixed((double) s.segmentsProfiled() / s.instances(), 1),
                    s.probes(),
                    pct(s.profiledVsProfile()),
                    pct(s.profiledVsProbes()),
                    pct(s.solveVsProfile()),
                    pct(s.profiledVsFine()),
                    pct(s.profiledVsFineProbes()),
                    pct(s.solveVsFine()),
                    Table.fixed(s.computeMsMean(), 2)));
            t.print(out);
            out.println();
        });
        PredictTiming p = r.predict();
        p.computeMsMaxByGroup()
                .forEach((g, ms) ->
                        out.printf(Locale.ROOT, "predict: max compute %.2f ms per run after the first (%s)%n", ms, g));
        out.printf(
                Locale.ROOT,
                "predict, k <= 4: first network (cold JIT) max %.2f ms; later runs median %.2f ms, max %.2f ms%n",
                p.firstNetworkMaxMs(),
                p.warmMedianMs(),
                p.warmMaxMs());
        out.printf(
                Locale.ROOT,
                "predict, k <= 4, thread CPU time (unaffected by other load): later runs median %.2f ms, max %.2f ms (%s)%n",
                p.cpuWarmMedianMs(),
                p.cpuWarmMaxMs(),
                p.cpuWarmMaxRun());
        out.println();
        out.println("Speedup of the best pipeline (exact, throughput) over one Edge TPU");
        List<String> hdr = new ArrayList<>(List.of("model", "one TPU ms"));
        for (int k : tpus) hdr.add(k + " TPUs");
        Table st = new Table(hdr.toArray(new String[0]));
        for (Speedup s : r.speedups()) {
            List<Object> cells = new ArrayList<>();
            cells.add(s.model());
            cells.add(Table.fixed(s.oneTpuNs() / 1e6, 2));
            for (double x : s.speedups()) cells.add(Table.fixed(x, 2) + "x");
            st.row(cells.toArray());
        }
        st.print(out);
        out.printf(
                Locale.ROOT,
                "%nbench runtime %.1f s (of which predictor training %.1f s, XGBoost fits %.1f s); zoo build ms: %s%n",
                r.runtimeSeconds(),
                r.trainingSeconds(),
                r.fitSeconds(),
                r.zooBuildMs());
    }

    static String pct(double f) {
        if (!Double.isFinite(f)) return "-";
        return f >= 10 ? Table.fixed(f, 1) + "x" : Table.fixed(100 * f, f < 0.01 ? 3 : 1) + "%";
    }

    private void status(String s) {
        if (json) return;
        PrintWriter err = err();
        if (s == null) err.print("\r" + " ".repeat(100) + "\r");
        else err.print("\r" + String.format(Locale.ROOT, "%-100s", s.length() > 100 ? s.substring(0, 100) : s));
        err.flush();
    }
}
