package io.pipefarm.model.sim;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.FcNetwork;
import io.pipefarm.model.zoo.ModelZoo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The simulated Edge TPU against the published figures of {@code reference/edgetpu.md}: whole-model
 * latencies of four zoo models on both links, the fully connected host-memory streaming sweep, and the
 * model-switch cost. Data for {@code pipefarm bench calibration}; {@link #toTable()} renders it.
 */
public final class CalibrationReport {

    /** A published whole-model latency [coral.ai/docs/edgetpu/benchmarks]: USB Accelerator and Dev Board (PCIe). */
    public record Published(String model, double usbMs, double pciMs) {}

    public static final List<Published> PUBLISHED = List.of(
            new Published("mobilenet_v1", 2.4, 2.4),
            new Published("mobilenet_v2", 2.6, 2.6),
            new Published("inception_v1", 3.4, 4.1),
            new Published("efficientnet_edgetpu_s", 5.1, 5.5));

    /** One point of the published FC sweep [Villarrubia et al., PDP 2023]: 64 inputs, 4 hidden layers. */
    public record PublishedFc(int hidden, double onChipMiB, double offChipMiB, double ms) {}

    public static final List<PublishedFc> PUBLISHED_FC = List.of(
            new PublishedFc(1580, 7.43, 0, 0.22),
            new PublishedFc(1620, 5.34, 2.57, 7.42),
            new PublishedFc(1980, 7.73, 3.75, 10.63),
            new PublishedFc(2020, 4.19, 7.89, 21.83),
            new PublishedFc(2620, 6.88, 13.11, 36.03));

    /** FC sweep: inputs and depth of the published networks. */
    public static final int FC_INPUTS = 64, FC_DEPTH = 4;

    /** Hidden widths the sweep table shows: the published points and a few in between. */
    public static final int[] FC_HIDDEN = {1000, 1400, 1580, 1600, 1620, 1800, 1980, 2020, 2300, 2620};

    /** Published extra time per model switch [google-coral/coralmicro #48]: 13.1 ms interleaved - 2.33 ms alone. */
    public static final double PUBLISHED_SWITCH_MS = 13.1 - 2.33;

    /** A zoo model on one link. */
    public record ModelRow(
            String model,
            String deviceKind,
            double simulatedMs,
            double publishedMs,
            double errorPct,
            double gmacs,
            double paramMiB,
            double streamedMiB,
            double switchMs) {}

    /** A point of the FC sweep (USB). Published fields are NaN where there is no published point. */
    public record FcRow(
            int hidden,
            double paramMiB,
            double onChipMiB,
            double streamedMiB,
            double simulatedMs,
            double publishedMs,
            double publishedOnChipMiB,
            double publishedOffChipMiB,
            double errorPct) {
        public boolean published() {
            return !Double.isNaN(publishedMs);
        }
    }

    private final List<ModelRow> models;
    private final List<FcRow> fc;
    private final EdgeTpuSimConfig usb;
    private final EdgeTpuSimConfig pci;

    private CalibrationReport(List<ModelRow> models, List<FcRow> fc, EdgeTpuSimConfig usb, EdgeTpuSimConfig pci) {
        this.models = List.copyOf(models);
        this.fc = List.copyOf(fc);
        this.usb = usb;
        this.pci = pci;
    }

    public List<ModelRow> models() {
        return models;
    }

    public List<FcRow> fcSweep() {
        return fc;
    }

    public EdgeTpuSimConfig usbConfig() {
        return usb;
    }

    public EdgeTpuSimConfig pciConfig() {
        return pci;
    }

    /** The report for the presets, with the zoo's graphs. */
    public static CalibrationReport run() {
        return run(EdgeTpuSimConfig.usb(), EdgeTpuSimConfig.pci());
    }

    public static CalibrationReport run(EdgeTpuSimConfig usb, EdgeTpuSimConfig pci) {
        return run(usb, pci, ModelZoo::build, h -> FcNetwork.build(FC_INPUTS, h, FC_DEPTH, ModelZoo.SEED));
    }

    /** The report with graphs from elsewhere (tests, other sources of the same architectures). */
    public static CalibrationReport run(
            EdgeTpuSimConfig usb, EdgeTpuSimConfig pci, Function<String, Graph> models, IntFunction<Graph> fcNetwork) {
        EdgeTpuSimulator su = new EdgeTpuSimulator(usb);
        EdgeTpuSimulator sp = new EdgeTpuSimulator(pci);
        List<ModelRow> rows = new ArrayList<>();
        for (Published p : PUBLISHED) {
            Graph g = models.apply(p.model());
            rows.add(modelRow(su, g, p.model(), p.usbMs()));
            rows.add(modelRow(sp, g, p.model(), p.pciMs()));
        }
        List<FcRow> fcRows = new ArrayList<>();
        for (int h : FC_HIDDEN) {
            Estimate e = su.estimate(fcNetwork.apply(h));
            PublishedFc pf = PUBLISHED_FC.stream()
                    .filter(x -> x.hidden() == h)
                    .findFirst()
                    .orElse(null);
            double ms = e.latencyMillis();
            fcRows.add(new FcRow(
                    h,
                    mib(e.paramBytes()),
                    mib(e.onChipParamBytes()),
                    mib(e.streamedParamBytes()),
                    ms,
                    pf == null ? Double.NaN : pf.ms(),
                    pf == null ? Double.NaN : pf.onChipMiB(),
                    pf == null ? Double.NaN : pf.offChipMiB(),
                    pf == null ? Double.NaN : errorPct(ms, pf.ms())));
        }
        return new CalibrationReport(rows, fcRows, usb, pci);
    }

    private static ModelRow modelRow(EdgeTpuSimulator sim, Graph g, String name, double publishedMs) {
        Estimate e = sim.estimate(g);
        double ms = e.latencyMillis();
        return new ModelRow(
                name,
                sim.deviceKind(),
                ms,
                publishedMs,
                errorPct(ms, publishedMs),
                e.macs() / 1e9,
                mib(e.paramBytes()),
                mib(e.streamedParamBytes()),
                sim.reloadNanos(e) / 1e6);
    }

    static double errorPct(double simulated, double published) {
        return (simulated - published) / published * 100.0;
    }

    static double mib(long bytes) {
        return bytes / (double) EdgeTpuSimConfig.MIB;
    }

    /** Largest absolute error of the model rows, in percent. */
    public double maxModelErrorPct() {
        return models.stream().mapToDouble(r -> Math.abs(r.errorPct())).max().orElse(0);
    }

    /** A plain-text table of everything. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("Simulated Edge TPU vs published figures (reference/edgetpu.md)\n\n");
        sb.append(String.format(
                Locale.ROOT,
                "%-24s %-16s %8s %8s %8s %7s %8s %8s %9s%n",
                "model",
                "device",
                "sim ms",
                "pub ms",
                "error %",
                "GMACs",
                "par MiB",
                "str MiB",
                "switch ms"));
        for (ModelRow r : models) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%-24s %-16s %8.2f %8.2f %+8.1f %7.3f %8.2f %8.2f %9.2f%n",
                    r.model(),
                    r.deviceKind(),
                    r.simulatedMs(),
                    r.publishedMs(),
                    r.errorPct(),
                    r.gmacs(),
                    r.paramMiB(),
                    r.streamedMiB(),
                    r.switchMs()));
        }
        sb.append(String.format(
                Locale.ROOT,
                "published model switch: %.2f ms extra per switch (one measurement)%n",
                PUBLISHED_SWITCH_MS));
        sb.append(String.format(
                Locale.ROOT,
                "%nFC sweep (%d inputs, %d hidden layers, %s, cache %.3f MiB)%n",
                FC_INPUTS,
                FC_DEPTH,
                usb.deviceKind(),
                mib(usb.paramCacheBytes())));
        sb.append(String.format(
                Locale.ROOT,
                "%6s %8s %8s %8s %8s %8s %8s %8s %8s%n",
                "hidden",
                "par MiB",
                "on MiB",
                "str MiB",
                "sim ms",
                "pub on",
                "pub off",
                "pub ms",
                "error %"));
        for (FcRow r : fc) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%6d %8.2f %8.2f %8.2f %8.2f %8s %8s %8s %8s%n",
                    r.hidden(),
                    r.paramMiB(),
                    r.onChipMiB(),
                    r.streamedMiB(),
                    r.simulatedMs(),
                    opt(r.publishedOnChipMiB(), "%.2f"),
                    opt(r.publishedOffChipMiB(), "%.2f"),
                    opt(r.publishedMs(), "%.2f"),
                    opt(r.errorPct(), "%+.1f")));
        }
        return sb.toString();
    }

    private static String opt(double v, String fmt) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, fmt, v);
    }

    public static void main(String[] args) {
        System.out.print(run().toTable());
    }
}
