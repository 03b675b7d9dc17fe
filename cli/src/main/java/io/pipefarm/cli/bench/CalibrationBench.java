package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.model.sim.CalibrationReport;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.ui.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/**
 * {@code pipefarm bench calibration}: the simulated Edge TPU against the published figures of
 * {@code reference/edgetpu.md}: every model with a published latency on both links, the fully
 * connected host-memory streaming sweep, the model-switch cost, and the calibration targets checked.
 */
@Command(name = "calibration", mixinStandardHelpOptions = true,
        description = {"Simulated Edge TPU vs published figures: model latencies (USB and Dev Board), the fully",
            "connected streaming sweep (cliff and ms per streamed MiB), and the model-switch cost."})
public final class CalibrationBench extends BaseCommand {
    /** Tolerance of a model latency (issue 4): +-15%. */
    public static final double MODEL_TOLERANCE_PCT = 15.0;
    /** The first spill must make the FC model at least this much slower. */
    public static final double MIN_CLIFF = 20.0;
    /** Published cost per streamed MiB, ms. */
    public static final double PUBLISHED_MS_PER_MIB = 2.75;
    /** The model whose switch cost is compared with the published one. */
    public static final String SWITCH_MODEL = "inception_v1";

    /** The targets of the calibration and what the simulator gives. */
    public record Checks(double maxModelErrorPct, boolean modelsWithinTolerance, int lastFitHidden, int firstSpillHidden,
                         double cliff, double msPerStreamedMiB, double switchMs) {
        public boolean cliffOk() { return cliff >= MIN_CLIFF; }
        public boolean slopeOk() { return Math.abs(msPerStreamedMiB - PUBLISHED_MS_PER_MIB) <= 0.25 * PUBLISHED_MS_PER_MIB; }
        public boolean switchOk() { return Math.abs(switchMs - CalibrationReport.PUBLISHED_SWITCH_MS) <= 0.30 * CalibrationReport.PUBLISHED_SWITCH_MS; }
    }

    @Override
    protected int run() {
        CalibrationReport r = CalibrationReport.run();
        Checks c = checks(r);
        if (json) {
            printJson(toJson(r, c));
            return 0;
        }
        out().print(r.toTable());
        out().println();
        out().println("Calibration targets (issue 4)");
        out().printf(Locale.ROOT, "  model latencies within +-%.0f%%:   max |error| %.1f%%  %s%n", MODEL_TOLERANCE_PCT,
                c.maxModelErrorPct(), ok(c.modelsWithinTolerance()));
        out().printf(Locale.ROOT, "  FC cliff (hidden %d -> %d):     %.1fx slower (>= %.0fx)  %s%n", c.lastFitHidden(),
                c.firstSpillHidden(), c.cliff(), MIN_CLIFF, ok(c.cliffOk()));
        out().printf(Locale.ROOT, "  FC cost per streamed MiB:         %.2f ms (published about %.2f)  %s%n",
                c.msPerStreamedMiB(), PUBLISHED_MS_PER_MIB, ok(c.slopeOk()));
        out().printf(Locale.ROOT, "  model switch (%s, USB):  %.2f ms extra (published %.2f, one measurement)  %s%n",
                SWITCH_MODEL, c.switchMs(), CalibrationReport.PUBLISHED_SWITCH_MS, ok(c.switchOk()));
        return 0;
    }

    private static String ok(boolean b) {
        return b ? "ok" : "OFF";
    }

    /** Computes the targets from a report. */
    public static Checks checks(CalibrationReport r) {
        double maxErr = r.maxModelErrorPct();
        List<CalibrationReport.FcRow> fc = r.fcSweep();
        CalibrationReport.FcRow lastFit = null, firstSpill = null;
        for (CalibrationReport.FcRow row : fc) {
            if (row.streamedMiB() == 0) lastFit = row;
            else if (firstSpill == null) firstSpill = row;
        }
        double cliff = lastFit != null && firstSpill != null ? firstSpill.simulatedMs() / lastFit.simulatedMs() : Double.NaN;
        // least-squares slope of simulated ms over streamed MiB, over the points that stream
        List<double[]> pts = new ArrayList<>();
        for (CalibrationReport.FcRow row : fc) if (row.streamedMiB() > 0) pts.add(new double[] {row.streamedMiB(), row.simulatedMs()});
        double slope = Double.NaN;
        if (pts.size() >= 2) {
            double mx = pts.stream().mapToDouble(p -> p[0]).average().orElse(0);
            double my = pts.stream().mapToDouble(p -> p[1]).average().orElse(0);
            double sxy = 0, sxx = 0;
            for (double[] p : pts) {
                sxy += (p[0] - mx) * (p[1] - my);
                sxx += (p[0] - mx) * (p[0] - mx);
            }
            slope = sxx == 0 ? Double.NaN : sxy / sxx;
        }
        double switchMs = r.models().stream()
                .filter(m -> m.model().equals(SWITCH_MODEL) && m.deviceKind().endsWith("usb"))
                .mapToDouble(CalibrationReport.ModelRow::switchMs).findFirst().orElse(Double.NaN);
        return new Checks(maxErr, maxErr <= MODEL_TOLERANCE_PCT, lastFit == null ? -1 : lastFit.hidden(),
                firstSpill == null ? -1 : firstSpill.hidden(), cliff, slope, switchMs);
    }

    static ObjectNode toJson(CalibrationReport r, Checks c) {
        ObjectNode o = Json.object();
        ArrayNode models = o.putArray("models");
        for (CalibrationReport.ModelRow m : r.models()) {
            ObjectNode n = models.addObject();
            n.put("model", m.model());
            n.put("kind", m.deviceKind());
            n.put("simulated_ms", m.simulatedMs());
            n.put("published_ms", m.publishedMs());
            n.put("error_pct", m.errorPct());
            n.put("gmacs", m.gmacs());
            n.put("param_mib", m.paramMiB());
            n.put("streamed_mib", m.streamedMiB());
            n.put("switch_ms", m.switchMs());
        }
        ObjectNode fc = o.putObject("fc_sweep");
        fc.put("inputs", CalibrationReport.FC_INPUTS);
        fc.put("depth", CalibrationReport.FC_DEPTH);
        fc.put("kind", r.usbConfig().deviceKind());
        fc.put("param_cache_bytes", r.usbConfig().paramCacheBytes());
        ArrayNode rows = fc.putArray("rows");
        for (CalibrationReport.FcRow f : r.fcSweep()) {
            ObjectNode n = rows.addObject();
            n.put("hidden", f.hidden());
            n.put("param_mib", f.paramMiB());
            n.put("on_chip_mib", f.onChipMiB());
            n.put("streamed_mib", f.streamedMiB());
            n.put("simulated_ms", f.simulatedMs());
            num(n, "published_ms", f.publishedMs());
            num(n, "published_on_chip_mib", f.publishedOnChipMiB());
            num(n, "published_off_chip_mib", f.publishedOffChipMiB());
            num(n, "error_pct", f.errorPct());
        }
        ObjectNode sw = o.putObject("model_switch");
        sw.put("model", SWITCH_MODEL);
        num(sw, "simulated_ms", c.switchMs());
        sw.put("published_ms", CalibrationReport.PUBLISHED_SWITCH_MS);
        ObjectNode ch = o.putObject("checks");
        ch.put("max_model_error_pct", c.maxModelErrorPct());
        ch.put("model_tolerance_pct", MODEL_TOLERANCE_PCT);
        ch.put("models_ok", c.modelsWithinTolerance());
        ch.put("fc_last_fit_hidden", c.lastFitHidden());
        ch.put("fc_first_spill_hidden", c.firstSpillHidden());
        num(ch, "fc_cliff", c.cliff());
        ch.put("fc_cliff_ok", c.cliffOk());
        num(ch, "fc_ms_per_streamed_mib", c.msPerStreamedMiB());
        ch.put("published_ms_per_streamed_mib", PUBLISHED_MS_PER_MIB);
        ch.put("fc_slope_ok", c.slopeOk());
        ch.put("switch_ok", c.switchOk());
        return o;
    }

    private static void num(ObjectNode n, String key, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) n.putNull(key);
        else n.put(key, v);
    }
}
