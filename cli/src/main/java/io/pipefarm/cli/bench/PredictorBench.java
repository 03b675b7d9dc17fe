package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.bench.CpuLabels;
import io.pipefarm.bench.CpuLabels.CpuOptions;
import io.pipefarm.bench.CpuLabels.Noise;
import io.pipefarm.bench.PredictorExperiment;
import io.pipefarm.bench.PredictorExperiment.CpuInfo;
import io.pipefarm.bench.PredictorExperiment.FamilyResult;
import io.pipefarm.bench.PredictorExperiment.KindResult;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.command.CliException;
import io.pipefarm.cli.farm.FarmLogs;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipefarm bench predictor}: runs {@link PredictorExperiment} and prints a table or JSON. */
@Command(
        name = "predictor",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Latency predictor accuracy on held-out architectures (simulated Edge TPU data; real TFLite CPU with --cpu).",
            "JSON: per device kind acc10, mape, spearman (of the served family) and per family; train_seconds (the longest single training of a family on one kind; train_seconds_total: all);",
            "predict_us_per_segment (the slowest family; _served: the served ones);",
            "for cpu-x86_64-t1 also noise (spread between two independent labels of the same segments) and per-pass timing."
        })
public final class PredictorBench extends BaseCommand {

    @Option(
            names = "--holdout-specs",
            paramLabel = "FILE",
            description = "NASBench-101 cell specs (JSON) to hold out; default: a disjoint seeded sample")
    Path holdoutSpecs;

    @Option(
            names = "--train-nets",
            defaultValue = "100",
            description = "NASBench networks to train on (default ${DEFAULT-VALUE})")
    int trainNets;

    @Option(
            names = "--holdout-nets",
            defaultValue = "20",
            description = "held-out NASBench networks when no --holdout-specs (default ${DEFAULT-VALUE})")
    int holdoutNets;

    @Option(
            names = "--segments-per-net",
            defaultValue = "200",
            description = "random segments profiled per network (default ${DEFAULT-VALUE})")
    int segmentsPerNet;

    @Option(
            names = "--zoo",
            split = ",",
            defaultValue = "mobilenet_v1,mobilenet_v2,inception_v1,squeezenet,efficientnet_edgetpu_s",
            description = "zoo models added to the training data (default ${DEFAULT-VALUE}; 'none' to skip)")
    List<String> zoo;

    @Option(
            names = "--kinds",
            split = ",",
            defaultValue = "sim-edgetpu-usb,sim-edgetpu-pci",
            description = "device kinds: simulated ones and/or " + PredictorExperiment.CPU_KIND
                    + " (real TFLite CPU, 1 thread) (default ${DEFAULT-VALUE})")
    List<String> kinds;

    @Option(
            names = "--cpu",
            description = "also profile on the real TFLite CPU runtime (kind " + PredictorExperiment.CPU_KIND + ")")
    boolean cpu;

    @Option(
            names = "--cpu-train-nets",
            defaultValue = "70",
            description =
                    "CPU: NASBench networks to train on, the first of the training sample; more data, better held-out accuracy (40: 90.8 %% acc10, 70: 94.0 %% on one split) (default ${DEFAULT-VALUE})")
    int cpuTrainNets;

    @Option(
            names = "--cpu-holdout-nets",
            defaultValue = "10",
            description = "CPU: held-out NASBench networks, the first of the held-out ones (default ${DEFAULT-VALUE})")
    int cpuHoldoutNets;

    @Option(
            names = "--cpu-segments-per-net",
            defaultValue = "40",
            description = "CPU: random segments per network, half of them short (default ${DEFAULT-VALUE})")
    int cpuSegmentsPerNet;

    @Option(
            names = "--cpu-zoo",
            split = ",",
            defaultValue = "mobilenet_v1,mobilenet_v2,squeezenet",
            description = "CPU: zoo models added to the training data (default ${DEFAULT-VALUE}; 'none' to skip)")
    List<String> cpuZoo;

    @Option(
            names = "--cpu-runs",
            defaultValue = "5",
            description =
                    "CPU: at least this many timed runs per segment and pass after 1 warm-up (short segments get more, up to 41 or ~10 ms); the pass's figure is their median (default ${DEFAULT-VALUE})")
    int cpuRuns;

    @Option(
            names = "--cpu-clock",
            defaultValue = "thread",
            description =
                    "CPU: what a run's latency is: 'thread' (the profiling thread's CPU time: leaves out time other processes held the core) or 'wall' (default ${DEFAULT-VALUE})")
    String cpuClock;

    @Option(
            names = "--cpu-passes",
            defaultValue = "3",
            description =
                    "CPU: interleaved passes over all segments (each in a new random order); the label is the minimum of a segment's per-pass medians (default ${DEFAULT-VALUE})")
    int cpuPasses;

    @Option(
            names = "--cpu-noise-segments",
            defaultValue = "40",
            description =
                    "CPU: segments measured a second time in every pass (elsewhere in it) to measure the noise floor of the labels (default ${DEFAULT-VALUE})")
    int cpuNoiseSegments;

    @Option(
            names = "--cpu-save-labels",
            paramLabel = "FILE",
            description = "CPU: write every segment's per-pass medians (TSV) here")
    Path cpuSaveLabels;

    @Option(
            names = "--cpu-load-labels",
            paramLabel = "FILE",
            description =
                    "CPU: take the per-pass medians from a file written by --cpu-save-labels with the same sampling options instead of profiling (for model work)")
    Path cpuLoadLabels;

    @Option(
            names = "--cpu-save-features",
            paramLabel = "FILE",
            hidden = true,
            description = "CPU: write every sample's architecture, label and aggregates (TSV) here")
    Path cpuSaveFeatures;

    @Option(
            names = "--families",
            split = ",",
            defaultValue = "xgboost,transformer",
            description = "model families (default ${DEFAULT-VALUE})")
    List<String> families;

    @Option(
            names = "--transformer-max-seconds",
            paramLabel = "S",
            description = "wall-time cap of Transformer training per kind (default: the trainer's, 240)")
    Integer transformerMaxSeconds;

    @Option(
            names = "--runs",
            defaultValue = "15",
            description = "timed runs per segment, the median is the label (default ${DEFAULT-VALUE})")
    int runs;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "seed of sampling and training (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--plot-dir",
            paramLabel = "DIR",
            description = "write predicted-vs-measured SVG scatter plots here")
    Path plotDir;

    @Option(
            names = "--artifact-dir",
            paramLabel = "DIR",
            description = "write the served predictor artifact of each kind here")
    Path artifactDir;

    @Override
    protected int run() throws Exception {
        if (segmentsPerNet < 1 || runs < 1 || trainNets < 2)
            throw CliException.usage("--segments-per-net, --runs must be >= 1 and --train-nets >= 2");
        List<String> simKinds = new ArrayList<>();
        for (String k : kinds) if (!k.equals(PredictorExperiment.CPU_KIND) && !simKinds.contains(k)) simKinds.add(k);
        boolean doCpu = cpu || kinds.contains(PredictorExperiment.CPU_KIND);
        CpuOptions cpuOptions = null;
        if (doCpu) {
            FarmLogs.quiet(); // the runner's start-up lines are not news in a bench's output
            if (!cpuClock.equals("wall") && !cpuClock.equals("thread"))
                throw CliException.usage("--cpu-clock must be 'thread' or 'wall'");
            try {
                cpuOptions = new CpuOptions(
                        cpuTrainNets,
                        cpuHoldoutNets,
                        cpuSegmentsPerNet,
                        none(cpuZoo),
                        cpuRuns,
                        cpuClock.equals("wall"),
                        cpuPasses,
                        cpuNoiseSegments,
                        cpuSaveLabels,
                        cpuLoadLabels);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--cpu-runs must be 1.." + CpuLabels.MAX_RUNS
                        + "; --cpu-segments-per-net, --cpu-holdout-nets, --cpu-passes >= 1; "
                        + "--cpu-train-nets >= 2, --cpu-noise-segments >= 0");
            }
        }
        List<CellSpec> held = null;
        if (holdoutSpecs != null) {
            if (!Files.isReadable(holdoutSpecs))
                throw CliException.usage("cannot read --holdout-specs " + holdoutSpecs);
            held = CellSpecJson.read(holdoutSpecs);
        }
        PredictorExperiment.Options o = new PredictorExperiment.Options(
                held,
                trainNets,
                holdoutNets,
                segmentsPerNet,
                none(zoo),
                simKinds,
                cpuOptions,
                cpuSaveFeatures,
                families,
                transformerMaxSeconds,
                runs,
                seed,
                plotDir,
                artifactDir);
        PredictorExperiment.Result r;
        try {
            r = PredictorExperiment.run(o, json ? s -> {} : this::status);
        } catch (CpuLabels.Unavailable e) {
            throw new CliException(
                    1,
                    "the TFLite CPU runtime is not available for " + PredictorExperiment.CPU_KIND + ": "
                            + e.getMessage());
        } finally {
            if (!json) status(null);
        }
        if (json) printJson(json(r));
        else print(r, !simKinds.isEmpty());
        return 0;
    }

    private static List<String> none(List<String> names) {
        return names.size() == 1 && names.get(0).equals("none") ? List.of() : names;
    }

    private static ObjectNode json(PredictorExperiment.Result r) {
        ObjectNode out = Json.object();
        ObjectNode perKind = out.putObject("kinds");
        for (KindResult kr : r.kinds()) {
            ObjectNode k = perKind.putObject(kr.kind());
            k.put("served", kr.served());
            k.put("acc10", kr.acc10());
            k.put("mape", kr.mape());
            k.put("spearman", kr.spearman());
            k.put("rmse_ns", kr.rmseNs());
            k.put("heldout_segments", kr.heldoutSegments());
            k.put("train_segments", kr.trainSegments());
            k.put("heldout_architectures", kr.heldoutArchitectures());
            CpuInfo c = kr.cpu();
            if (c != null) {
                k.put("tflite_version", c.tfliteVersion());
                k.put("profile_seconds", c.profileSeconds());
                k.put("min_runs_per_segment", c.minRunsPerSegment());
                k.put("passes", c.passes());
                ArrayNode ps = k.putArray("pass_seconds");
                for (double x : c.passSeconds()) ps.add(x);
                if (c.labelsLoadedFrom() != null)
                    k.put("labels_loaded_from", c.labelsLoadedFrom().toString());
                k.put("skipped_segments", c.skippedSegments());
                putNoise(k.putObject("noise"), c.noise());
                k.put("clock", c.clock());
                putNoise(k.putObject("noise_single_pass"), c.noiseSinglePass());
                putNoise(
                        k.putObject(c.clock().equals("wall") ? "noise_thread_clock" : "noise_wall_clock"),
                        c.noiseOtherClock());
                putNoise(k.putObject("noise_back_to_back"), c.noiseBackToBack());
            }
            ObjectNode fam = k.putObject("families");
            for (FamilyResult fr : kr.families()) {
                ObjectNode f = fam.putObject(fr.family());
                f.put("train_seconds", fr.trainSeconds());
                if (!fr.ok()) {
                    f.put("error", fr.error());
                    continue;
                }
                f.put("acc10", fr.acc10());
                f.put("mape", fr.mape());
                f.put("spearman", fr.spearman());
                f.put("rmse_ns", fr.rmseNs());
                f.put("predict_us_per_segment", fr.predictUsPerSegment());
            }
        }
        out.put("train_seconds", r.trainSeconds());
        out.put("train_seconds_total", r.trainSecondsTotal());
        out.put("predict_us_per_segment", r.predictUsPerSegment());
        out.put("predict_us_per_segment_served", r.predictUsPerSegmentServed());
        out.put("profile_seconds", r.profileSeconds());
        out.put("train_segments_per_kind", r.trainSegmentsPerKind());
        out.put("heldout_segments_per_kind", r.heldoutSegmentsPerKind());
        out.put("train_architectures", r.trainArchitectures());
        out.put("heldout_architectures", r.heldoutArchitectures());
        out.put("threads", r.threads());
        return out;
    }

    private void print(PredictorExperiment.Result r, boolean simulated) {
        PrintWriter w = out();
        w.printf(
                Locale.ROOT,
                "%-18s %-12s %8s %8s %9s %10s %10s%n",
                "kind",
                "family",
                "acc10",
                "mape",
                "spearman",
                "train s",
                "pred us");
        for (KindResult kr : r.kinds()) {
            for (FamilyResult f : kr.families()) {
                if (!f.ok()) {
                    w.printf(Locale.ROOT, "%-18s %-12s error: %s%n", kr.kind(), f.family(), f.error());
                    continue;
                }
                w.printf(
                        Locale.ROOT,
                        "%-18s %-12s %7.2f%% %7.2f%% %9.4f %10.1f %10.2f%s%n",
                        kr.kind(),
                        f.family(),
                        100 * f.acc10(),
                        f.mape(),
                        f.spearman(),
                        f.trainSeconds(),
                        f.predictUsPerSegment(),
                        f.family().equals(kr.served()) ? "  (served)" : "");
            }
        }
        if (simulated) {
            w.printf(
                    Locale.ROOT,
                    "simulated: %d training architectures, %d held out; %d training and %d held-out segments per kind; profiling %.1f s%n",
                    r.trainArchitectures(),
                    r.heldoutArchitectures(),
                    r.trainSegmentsPerKind(),
                    r.heldoutSegmentsPerKind(),
                    r.profileSeconds());
        }
        for (KindResult kr : r.kinds()) {
            CpuInfo c = kr.cpu();
            if (c == null) continue;
            w.printf(
                    Locale.ROOT,
                    "%s (TFLite %s, 1 thread, min over %d interleaved passes of the median of >= %d runs): %d training and %d held-out segments (%d held-out architectures), %d skipped; profiling %.1f s%n",
                    kr.kind() + " " + c.clock() + " clock",
                    c.tfliteVersion(),
                    c.passes(),
                    c.minRunsPerSegment(),
                    kr.trainSegments(),
                    kr.heldoutSegments(),
                    kr.heldoutArchitectures(),
                    c.skippedSegments(),
                    c.profileSeconds());
            printNoise(w, "noise floor of the labels (two independent min-over-passes labels)", c.noise());
            printNoise(w, "noise floor of one pass's median (pass 2 vs pass 1)", c.noiseSinglePass());
            printNoise(w, "noise floor of one median, re-profiled right away", c.noiseBackToBack());
            printNoise(
                    w,
                    "noise floor of the labels with the " + (c.clock().equals("wall") ? "thread CPU-time" : "wall")
                            + " clock instead",
                    c.noiseOtherClock());
        }
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

    private static void printNoise(PrintWriter w, String what, Noise n) {
        if (n.segments() == 0) return;
        w.printf(
                Locale.ROOT,
                "%s %s (%d segments): |m2-m1|/m1 median %.2f%%, p90 %.2f%%, max %.2f%%, median signed %+.2f%%; within 10%%: %.1f%%, within 5%%: %.1f%%%n",
                PredictorExperiment.CPU_KIND,
                what,
                n.segments(),
                100 * n.medianRelDiff(),
                100 * n.p90RelDiff(),
                100 * n.maxRelDiff(),
                100 * n.medianSignedDiff(),
                100 * n.within10(),
                100 * n.within5());
    }

    private void status(String s) {
        if (s == null) err().print("\r\033[K");
        else err().print("\r\033[K" + s);
        err().flush();
    }
}
