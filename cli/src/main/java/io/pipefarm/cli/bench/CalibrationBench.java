package io.pipefarm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.bench.CalibrationExperiment;
import io.pipefarm.bench.CalibrationExperiment.Checks;
import io.pipefarm.cli.command.BaseCommand;
import io.pipefarm.cli.ui.Json;
import io.pipefarm.model.sim.CalibrationReport;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code pipefarm bench calibration}: prints {@link CalibrationExperiment}. */
@Command(
        name = "calibration",
        mixinStandardHelpOptions = true,
        description = {
            "Simulated Edge TPU vs published figures: model latencies (USB and Dev Board), the fully",
            "connected streaming sweep (cliff and ms per streamed MiB), and the model-switch cost."
        })
public final class CalibrationBench extends BaseCommand {

    @Override
    protected int run() {
        CalibrationExperiment.Result res = CalibrationExperiment.run();
        CalibrationReport r = res.report();
        Checks c = res.checks();
        if (json) {
            printJson(toJson(r, c));
            return 0;
        }
        out().print(r.toTable());
        out().println();
        out().println("Calibration targets");
        out().printf(
                        Locale.ROOT,
                        "  model latencies within +-%.0f%%:   max |error| %.1f%%  %s%n",
                        CalibrationExperiment.MODEL_TOLERANCE_PCT,
                        c.maxModelErrorPct(),
                        ok(c.modelsWithinTolerance()));
        out().printf(
                        Locale.ROOT,
                        "  FC cliff (hidden %d -> %d):     %.1fx slower (>= %.0fx)  %s%n",
                        c.lastFitHidden(),
                        c.firstSpillHidden(),
                        c.cliff(),
                        CalibrationExperiment.MIN_CLIFF,
                        ok(c.cliffOk()));
        out().printf(
                        Locale.ROOT,
                        "  FC cost per streamed MiB:         %.2f ms (published about %.2f)  %s%n",
                        c.msPerStreamedMiB(),
                        CalibrationExperiment.PUBLISHED_MS_PER_MIB,
                        ok(c.slopeOk()));
        out().printf(
                        Locale.ROOT,
                        "  model switch (%s, USB):  %.2f ms extra (published %.2f, one measurement)  %s%n",
                        CalibrationExperiment.SWITCH_MODEL,
                        c.switchMs(),
                        CalibrationReport.PUBLISHED_SWITCH_MS,
                        ok(c.switchOk()));
        return 0;
    }

    private static String ok(boolean b) {
        return b ? "ok" : "OFF";
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
        sw.put("model", CalibrationExperiment.SWITCH_MODEL);
        num(sw, "simulated_ms", c.switchMs());
        sw.put("published_ms", CalibrationReport.PUBLISHED_SWITCH_MS);
        ObjectNode ch = o.putObject("checks");
        ch.put("max_model_error_pct", c.maxModelErrorPct());
        ch.put("model_tolerance_pct", CalibrationExperiment.MODEL_TOLERANCE_PCT);
        ch.put("models_ok", c.modelsWithinTolerance());
        ch.put("fc_last_fit_hidden", c.lastFitHidden());
        ch.put("fc_first_spill_hidden", c.firstSpillHidden());
        num(ch, "fc_cliff", c.cliff());
        ch.put("fc_cliff_ok", c.cliffOk());
        num(ch, "fc_ms_per_streamed_mib", c.msPerStreamedMiB());
        ch.put("published_ms_per_streamed_mib", CalibrationExperiment.PUBLISHED_MS_PER_MIB);
        ch.put("fc_slope_ok", c.slopeOk());
        ch.put("switch_ok", c.switchOk());
        return o;
    }

    private static void num(ObjectNode n, String key, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) n.putNull(key);
        else n.put(key, v);
    }
}
