package io.pipefarm.coordinator.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The hybrid method (DESIGN.md §8): predict all, then profile lazily only what can still change the answer.
 * Profiling a segment costs device time; predicting one is free but off by the predictor's error. The search trusts
 * the predictor within a relative error {@code e}: an unprofiled stage predicted at {@code p} lies in
 * {@code [p(1-e), p(1+e)]}, so most candidates are ruled out or settled without profiling all their stages.
 * <ol>
 *   <li>rank the M ({@link PartitionConfig#hybridCandidates()}) best partitions under the current costs: measured
 *       where a segment has been profiled, else predicted x the calibration (median measured/predicted ratio of
 *       this model's profiled segments, when {@link PartitionConfig#hybridCalibrate()});</li>
 *   <li>walk them in rank order; a candidate whose optimistic bottleneck (the largest lower bound of its stages)
 *       cannot beat the best settled candidate is skipped. A candidate is settled when every unprofiled stage's
 *       upper bound stays below its largest measured stage: its bottleneck is then known without profiling the
 *       rest. Otherwise the stages that could still be its bottleneck are profiled: for the first candidate all of
 *       them together (see {@link SegmentCostSource#prefetch}), later the most expensive one, then everything is
 *       re-ranked;</li>
 *   <li>it stops when no ranked candidate can beat the best settled one.</li>
 * </ol>
 * {@code e} starts at {@link PartitionConfig#hybridError()} (the predictor's expected error) and grows to the
 * largest relative error of the calibrated predictions seen on this model's profiled segments. No segment is
 * profiled twice. The number of rankings is capped; when the cap is hit before any candidate settled, the best
 * ranked one is profiled whole. One search per instance.
 */
final class HybridSearch {

    /** Measured stage cost of {@code [i, j)} in ns (profiles it: the expensive part). */
    interface Profiler {
        double stageNs(int i, int j);
    }

    /** Lets the measured source profile several segments together. */
    interface Prefetcher {
        void prefetch(List<int[]> ranges);
    }

    /**
     * @param best     the best settled partition, with measured stage costs
     * @param settled  how many times a settled candidate became the best so far
     * @param rankings how many times the candidates were ranked
     */
    record Outcome(Candidate best, int settled, int rankings) {}

    /** A candidate's bounds under the current costs. */
    private record Bounds(double lowerBottleneckNs, double maxMeasuredNs, double endToEndNs) {}

    private final String modelName;
    private final int ops;
    private final int stages;
    private final PartitionConfig config;
    /** Predicted stage cost of every segment, {@code [i][j]}. */
    private final double[][] predictedNs;

    private final Profiler profiler;
    private final Prefetcher prefetcher;

    /** Measured stage cost of the profiled segments; NaN for the others. */
    private final double[][] measuredNs;
    /** The profiled segments in profiling order. */
    private final List<int[]> profiled = new ArrayList<>();
    /** Multiplies predictions to bring them to this model's measured scale. */
    private double calibration = 1.0;
    /** The relative error {@code e} the predictions are trusted within. */
    private double errorBound;

    private Candidate best;
    private int settled;
    private int rankings;

    HybridSearch(
            String modelName,
            int ops,
            int stages,
            PartitionConfig config,
            double[][] predictedNs,
            Profiler profiler,
            Prefetcher prefetcher) {
        this.modelName = modelName;
        this.ops = ops;
        this.stages = stages;
        this.config = config;
        this.predictedNs = predictedNs;
        this.profiler = profiler;
        this.prefetcher = prefetcher;
        this.measuredNs = new double[ops + 1][ops + 1];
        for (double[] row : measuredNs) Arrays.fill(row, Double.NaN);
        this.errorBound = config.hybridError();
    }

    Outcome run() {
        int maxRankings = Math.max(4 * stages * config.hybridCandidates(), 16);
        for (int step = 0; step < maxRankings; step++) {
            List<Candidate> ranked = PartitionDp.best(ops, stages, currentCosts(), config.hybridCandidates());
            rankings++;
            if (ranked.isEmpty()) break;
            List<int[]> next = nextToProfile(ranked);
            if (next == null) break; // nothing ranked can beat the best settled partition
            profile(next);
        }
        if (best == null) profileBestRanked();
        if (!Double.isFinite(best.bottleneckNs())) {
            throw new IllegalArgumentException("no valid partition of " + modelName + " into " + stages
                    + " stages: every candidate has a stage that cannot run");
        }
        return new Outcome(best, settled, rankings);
    }

    /**
     * Walks the ranked candidates, settling those whose bottleneck is known; returns the segments to profile next
     * (null when no ranked candidate can beat the best settled one).
     */
    private List<int[]> nextToProfile(List<Candidate> ranked) {
        for (Candidate c : ranked) {
            int[][] ranges = c.ranges(ops);
            Bounds b = bounds(ranges);
            if (best != null && !(b.lowerBottleneckNs() < best.bottleneckNs()))
                continue; // cannot beat the best settled one
            // the unprofiled stages that could still be this candidate's bottleneck
            List<int[]> open = new ArrayList<>();
            int[] costliest = null;
            double costliestNs = -1;
            for (int[] r : ranges) {
                if (isProfiled(r)) continue;
                double predicted = calibrated(r);
                double upper = predicted * (1 + errorBound);
                if (upper > b.maxMeasuredNs() && upper >= b.lowerBottleneckNs()) {
                    open.add(r);
                    if (predicted > costliestNs) {
                        costliestNs = predicted;
                        costliest = r;
                    }
                }
            }
            if (open.isEmpty()) { // settled: its bottleneck is its largest measured stage
                Candidate known = new Candidate(c.cuts(), b.maxMeasuredNs(), b.endToEndNs());
                if (best == null || Candidate.ORDER.compare(known, best) < 0) {
                    best = known;
                    settled++;
                }
                continue;
            }
            return best == null ? open : List.of(costliest);
        }
        return null;
    }

    private Bounds bounds(int[][] ranges) {
        double lower = 0, maxMeasured = Double.NEGATIVE_INFINITY, sum = 0;
        for (int[] r : ranges) {
            if (isProfiled(r)) {
                double v = measuredNs[r[0]][r[1]];
                lower = Math.max(lower, v);
                maxMeasured = Math.max(maxMeasured, v);
                sum += v;
            } else {
                double predicted = calibrated(r);
                lower = Math.max(lower, predicted * (1 - errorBound));
                sum += predicted;
            }
        }
        return new Bounds(lower, maxMeasured, sum);
    }

    private void profile(List<int[]> ranges) {
        if (ranges.size() > 1) prefetcher.prefetch(ranges);
        for (int[] r : ranges) {
            measuredNs[r[0]][r[1]] = profiler.stageNs(r[0], r[1]);
            profiled.add(r);
        }
        if (config.hybridCalibrate()) calibration = medianRatio();
        errorBound = Math.max(config.hybridError(), maxRelativeError());
    }

    /** The step cap was hit before any candidate was settled: measures the best ranked one. */
    private void profileBestRanked() {
        Candidate top = PartitionDp.optimal(ops, stages, currentCosts());
        if (top == null)
            throw new IllegalArgumentException("no valid partition of " + modelName + " into " + stages + " stages");
        for (int[] r : top.ranges(ops)) if (!isProfiled(r)) measuredNs[r[0]][r[1]] = profiler.stageNs(r[0], r[1]);
        best = Candidate.evaluate(top.cuts(), ops, StageCosts.of(measuredNs));
        settled++;
    }

    private boolean isProfiled(int[] r) {
        return !Double.isNaN(measuredNs[r[0]][r[1]]);
    }

    private double calibrated(int[] r) {
        return predictedNs[r[0]][r[1]] * calibration;
    }

    /** Measured stage costs where profiled, else predicted x the calibration. */
    private StageCosts currentCosts() {
        double cal = calibration;
        return (i, j) -> Double.isNaN(measuredNs[i][j]) ? predictedNs[i][j] * cal : measuredNs[i][j];
    }

    /** Largest |measured / (predicted x calibration) - 1| over the profiled segments with finite values. */
    private double maxRelativeError() {
        double e = 0;
        for (int[] s : profiled) {
            double a = measuredNs[s[0]][s[1]], b = predictedNs[s[0]][s[1]] * calibration;
            if (Double.isFinite(a) && b > 0 && Double.isFinite(b)) e = Math.max(e, Math.abs(a / b - 1));
        }
        return e;
    }

    /** Median measured / predicted over the profiled segments with finite values (1 when none). */
    private double medianRatio() {
        double[] r = new double[profiled.size()];
        int m = 0;
        for (int[] s : profiled) {
            double a = measuredNs[s[0]][s[1]], b = predictedNs[s[0]][s[1]];
            if (Double.isFinite(a) && b > 0 && Double.isFinite(b)) r[m++] = a / b;
        }
        if (m == 0) return 1.0;
        Arrays.sort(r, 0, m);
        return m % 2 == 1 ? r[m / 2] : (r[m / 2 - 1] + r[m / 2]) / 2;
    }
}
