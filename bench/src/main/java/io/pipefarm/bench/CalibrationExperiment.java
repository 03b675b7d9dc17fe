package io.pipefarm.bench;

import io.pipefarm.model.sim.CalibrationReport;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated Edge TPU against the published figures of {@code reference/edgetpu.md}: every model with a
 * published latency on both links, the fully connected host-memory streaming sweep, the model-switch cost,
 * and the calibration targets checked.
 */
public final class CalibrationExperiment {
    /** Tolerance of a model latency: +-15%. */
    public static final double MODEL_TOLERANCE_PCT = 15.0;
    /** The first spill must make the FC model at least this much slower. */
    public static final double MIN_CLIFF = 20.0;
    /** Published cost per streamed MiB, ms. */
    public static final double PUBLISHED_MS_PER_MIB = 2.75;
    /** The model whose switch cost is compared with the published one. */
    public static final String SWITCH_MODEL = "inception_v1";

    private CalibrationExperiment() {}

    /** The targets of the calibration and what the simulator gives. */
    public record Checks(
            double maxModelErrorPct,
            boolean modelsWithinTolerance,
            int lastFitHidden,
            int firstSpillHidden,
            double cliff,
            double msPerStreamedMiB,
            double switchMs) {
        public boolean cliffOk() {
            return cliff >= MIN_CLIFF;
        }

        public boolean slopeOk() {
            return Math.abs(msPerStreamedMiB - PUBLISHED_MS_PER_MIB) <= 0.25 * PUBLISHED_MS_PER_MIB;
        }

        public boolean switchOk() {
            return Math.abs(switchMs - CalibrationReport.PUBLISHED_SWITCH_MS)
                    <= 0.30 * CalibrationReport.PUBLISHED_SWITCH_MS;
        }

        public boolean allOk() {
            return modelsWithinTolerance && cliffOk() && slopeOk() && switchOk();
        }
    }

    /** The simulator's report and the targets computed from it. */
    public record Result(CalibrationReport report, Checks checks) {}

    public static Result run() {
        CalibrationReport r = CalibrationReport.run();
        return new Result(r, checks(r));
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
        double cliff =
                lastFit != null && firstSpill != null ? firstSpill.simulatedMs() / lastFit.simulatedMs() : Double.NaN;
        // least-squares slope of simulated ms over streamed MiB, over the points that stream
        List<double[]> pts = new ArrayList<>();
        for (CalibrationReport.FcRow row : fc)
            if (row.streamedMiB() > 0) pts.add(new double[] {row.streamedMiB(), row.simulatedMs()});
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
                .mapToDouble(CalibrationReport.ModelRow::switchMs)
                .findFirst()
                .orElse(Double.NaN);
        return new Checks(
                maxErr,
                maxErr <= MODEL_TOLERANCE_PCT,
                lastFit == null ? -1 : lastFit.hidden(),
                firstSpill == null ? -1 : firstSpill.hidden(),
                cliff,
                slope,
                switchMs);
    }
}
