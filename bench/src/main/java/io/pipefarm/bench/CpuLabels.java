package io.pipefarm.bench;

import io.pipefarm.agent.device.DeviceInfo;
import io.pipefarm.agent.device.RunOutcome;
import io.pipefarm.agent.device.TfliteCpuRuntime;
import io.pipefarm.agent.profile.ProfileStatistics;
import io.pipefarm.bench.PredictorExperiment.Net;
import io.pipefarm.coordinator.predictor.Sample;
import io.pipefarm.model.segment.Segment;
import io.pipefarm.model.segment.Segmenter;
import io.pipefarm.proto.farm.ProfileSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Latency labels of segments on the real TFLite CPU runtime, profiled through the agent's own
 * {@link TfliteCpuRuntime} (a crash-isolated runner child, one interpreter thread), made to survive a shared,
 * drifting machine: {@link CpuOptions#passes()} interleaved passes visit every segment once each, in a new
 * seeded random order (fresh interpreter, one warm-up, at least {@link CpuOptions#runs()} timed runs and more for
 * short segments); a pass's figure is the median run, by default of the runner's thread CPU time (which leaves
 * out the time other processes held the core); the label is the minimum of the per-pass medians, because
 * interference only adds time. Some segments are measured twice in every pass, and the spread between their two
 * labels is the reported noise floor (also for one pass's median, back to back, and with the other clock).
 */
public final class CpuLabels {
    /** At most this many timed runs per segment and pass. */
    public static final int MAX_RUNS = 41;
    /** Short segments are timed until their runs add up to about this much. */
    static final long MIN_TIMED_NANOS = 10_000_000L;

    private static final int WALL = 0, THREAD = 1;

    private CpuLabels() {}

    /**
     * @param trainNets      NASBench networks to train on, the first of the training sample
     * @param holdoutNets    held-out NASBench networks, the first of the held-out ones
     * @param segmentsPerNet random segments per network, half of them short
     * @param zoo            zoo models added to the training data
     * @param runs           at least this many timed runs per segment and pass (1..{@link #MAX_RUNS})
     * @param wallClock      label with the wall clock instead of the thread CPU time
     * @param passes         interleaved passes over all segments
     * @param noiseSegments  segments measured a second time in every pass
     * @param saveLabels     write every segment's per-pass medians (TSV) here, or null
     * @param loadLabels     take the per-pass medians from such a file instead of profiling, or null
     */
    public record CpuOptions(
            int trainNets,
            int holdoutNets,
            int segmentsPerNet,
            List<String> zoo,
            int runs,
            boolean wallClock,
            int passes,
            int noiseSegments,
            Path saveLabels,
            Path loadLabels) {
        public CpuOptions {
            if (runs < 1
                    || runs > MAX_RUNS
                    || segmentsPerNet < 1
                    || trainNets < 2
                    || holdoutNets < 1
                    || noiseSegments < 0
                    || passes < 1) {
                throw new IllegalArgumentException("CPU runs must be 1.." + MAX_RUNS
                        + "; segments per net, held-out nets, passes >= 1; " + "train nets >= 2, noise segments >= 0");
            }
            zoo = List.copyOf(zoo);
        }

        public String clock() {
            return wallClock ? "wall" : "thread";
        }
    }

    /** Run-to-run spread of medians: |m2 - m1| / m1 of segments profiled twice; fractions. */
    public record Noise(
            int segments,
            double medianRelDiff,
            double p90RelDiff,
            double maxRelDiff,
            double within10,
            double within5,
            double medianSignedDiff) {}

    /**
     * The labelled samples and how they were made; noise of the chosen clock (labels, one pass, back to back) and
     * of the labels with the other clock.
     */
    record Outcome(
            List<Sample> samples,
            Set<String> heldOutArchitectures,
            String tfliteVersion,
            double profileSeconds,
            List<Double> passSeconds,
            int skipped,
            Noise noise,
            Noise singlePass,
            Noise backToBack,
            Noise otherClock) {
        Outcome {
            samples = List.copyOf(samples);
            heldOutArchitectures = Collections.unmodifiableSet(new TreeSet<>(heldOutArchitectures));
            passSeconds = List.copyOf(passSeconds);
        }
    }

    /** Thrown when the TFLite CPU runtime cannot run here. */
    public static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /** Profiles (or loads) the labels of {@code nets}' sampled segments. */
    static Outcome profile(List<Net> nets, CpuOptions o, long seed, Consumer<String> progress) throws IOException {
        long c0 = System.nanoTime();
        List<long[]> segs = new ArrayList<>(); // {net index, i, j}
        Set<String> heldArchs = new TreeSet<>();
        Random crnd = new Random(seed + 7);
        for (int ni = 0; ni < nets.size(); ni++) {
            Net net = nets.get(ni);
            if (net.heldOut()) heldArchs.add(net.arch());
            for (long c : segments(net.graph().size(), o.segmentsPerNet(), crnd))
                segs.add(new long[] {ni, c >>> 32, (int) c});
        }
        int ns = segs.size();
        // Noise subset, evenly spread: profiled a second time in every pass at another (random) point of it,
        // so two independent labels of the same protocol can be compared.
        int nNoise = Math.min(o.noiseSegments(), ns);
        int[] noiseOf = new int[ns];
        Arrays.fill(noiseOf, -1);
        int[] noiseSeg = new int[nNoise];
        for (int k = 0; k < nNoise; k++) {
            noiseSeg[k] = (int) ((long) k * ns / nNoise);
            noiseOf[noiseSeg[k]] = k;
        }
        // [clock: WALL, THREAD][segment][pass]
        double[][][] med = new double[2][ns][o.passes()];
        double[][][] medB = new double[2][nNoise][o.passes()];
        double[][] now = new double[2][nNoise];
        boolean[] bad = new boolean[ns];
        String[] keys = new String[ns];
        double[] passSeconds = new double[o.passes()];
        String version = null;
        if (o.loadLabels() != null) {
            loadLabels(o.loadLabels(), nets, segs, keys, med, medB, bad);
        } else {
            Segmenter segmenter = new Segmenter();
            Random order = new Random(seed + 13);
            ProfileSpec spec = ProfileSpec.newBuilder()
                    .setWarmupRuns(1)
                    .setTimedRuns(o.runs())
                    .setMinTimedNs(MIN_TIMED_NANOS)
                    .setMaxRuns(MAX_RUNS)
                    .setThreads(1)
                    .build();
            try (TfliteCpuRuntime runtime = new TfliteCpuRuntime(List.of(1))) {
                List<DeviceInfo> devices = runtime.discover();
                if (devices.isEmpty())
                    throw new Unavailable("the TFLite CPU runtime does not load on this machine (see the log for why)");
                DeviceInfo device = devices.get(0);
                version = device.versions().get(TfliteCpuRuntime.VERSION_KEY);
                for (int p = 0; p < o.passes(); p++) {
                    long p0 = System.nanoTime();
                    List<Integer> jobs = new ArrayList<>(ns + nNoise);
                    for (int s = 0; s < ns; s++) jobs.add(s);
                    for (int k = 0; k < nNoise; k++) jobs.add(-1 - k);
                    Collections.shuffle(jobs, order);
                    int done = 0;
                    for (int job : jobs) {
                        if (done++ % 25 == 0) {
                            progress.accept(String.format(
                                    Locale.ROOT,
                                    "profiling on CPU, pass %d/%d (%d/%d, %.0f s)",
                                    p + 1,
                                    o.passes(),
                                    done,
                                    jobs.size(),
                                    (System.nanoTime() - c0) / 1e9));
                        }
                        int s = job >= 0 ? job : noiseSeg[-1 - job];
                        if (bad[s]) continue;
                        long[] sg = segs.get(s);
                        Segment seg = segmenter.segment(nets.get((int) sg[0]).graph(), (int) sg[1], (int) sg[2]);
                        keys[s] = seg.key();
                        double[] m = medians(runtime.profile(device, seg.key(), seg.bytes(), spec));
                        if (m == null) {
                            bad[s] = true;
                            continue;
                        }
                        if (job < 0) {
                            for (int ck = 0; ck < 2; ck++) medB[ck][-1 - job][p] = m[ck];
                            continue;
                        }
                        for (int ck = 0; ck < 2; ck++) med[ck][s][p] = m[ck];
                        if (p == 0 && noiseOf[s] >= 0) {
                            // back-to-back reference (first pass only): the same segment again right away
                            double[] again = medians(runtime.profile(device, seg.key(), seg.bytes(), spec));
                            if (again != null)
                                for (int ck = 0; ck < 2; ck++) now[ck][noiseOf[s]] = (again[ck] - m[ck]) / m[ck];
                        }
                    }
                    passSeconds[p] = (System.nanoTime() - p0) / 1e9;
                }
            }
        }
        int clock = o.wallClock() ? WALL : THREAD;
        List<Sample> data = new ArrayList<>();
        int skipped = 0;
        for (int s = 0; s < ns; s++) {
            if (bad[s]) {
                skipped++;
                continue;
            }
            long[] sg = segs.get(s);
            Net net = nets.get((int) sg[0]);
            data.add(new Sample(
                    net.arch(), keys[s], net.features().segment((int) sg[1], (int) sg[2]), low(med[clock][s])));
        }
        // Noise floor of the protocol: label A (min over passes) vs label B (min over the second measurements);
        // and of a single measurement: pass 1 vs pass 2 medians (minutes apart), and back to back.
        Noise[][] nz = new Noise[2][3];
        for (int ck = 0; ck < 2; ck++) {
            List<Double> relLabel = new ArrayList<>(), relPass = new ArrayList<>(), relNow = new ArrayList<>();
            for (int k = 0; k < nNoise; k++) {
                int s = noiseSeg[k];
                if (bad[s]) continue;
                double a = low(med[ck][s]), b = low(medB[ck][k]);
                relLabel.add((b - a) / a);
                if (o.passes() >= 2) relPass.add((med[ck][s][1] - med[ck][s][0]) / med[ck][s][0]);
                if (o.loadLabels() == null) relNow.add(now[ck][k]);
            }
            nz[ck][0] = noise(relLabel.stream().mapToDouble(Double::doubleValue).toArray());
            nz[ck][1] = noise(relPass.stream().mapToDouble(Double::doubleValue).toArray());
            nz[ck][2] = noise(relNow.stream().mapToDouble(Double::doubleValue).toArray());
        }
        if (o.saveLabels() != null) saveLabels(o.saveLabels(), nets, segs, keys, med, medB, bad, noiseSeg);
        List<Double> ps = new ArrayList<>();
        for (double x : passSeconds) ps.add(x);
        return new Outcome(
                data,
                heldArchs,
                version,
                (System.nanoTime() - c0) / 1e9,
                ps,
                skipped,
                nz[clock][0],
                nz[clock][1],
                nz[clock][2],
                nz[1 - clock][0]);
    }

    /** {wall, thread CPU} medians of a measurement in ns; null when it failed or has no thread CPU times. */
    private static double[] medians(RunOutcome o) {
        if (!(o instanceof RunOutcome.Measured m) || m.threadCpuNs().length == 0) return null;
        return new double[] {
            ProfileStatistics.of(m.samplesNs()).getMedianNs(),
            ProfileStatistics.of(m.threadCpuNs()).getMedianNs()
        };
    }

    /**
     * {@code count} distinct segments {@code (i << 32 | j)} of an {@code n}-op model: half with uniform
     * {@code i < j}, half short (length log-uniform in {@code [1, n]}) so small segments are covered.
     */
    static Set<Long> segments(int n, int count, Random rnd) {
        Set<Long> chosen = new TreeSet<>();
        int want = Math.min(count, n * (n + 1) / 2);
        while (chosen.size() < want) {
            int i, j;
            if ((chosen.size() & 1) == 0) {
                i = rnd.nextInt(n);
                j = i + 1 + rnd.nextInt(n - i);
            } else {
                int len = Math.max(1, Math.min(n, (int) Math.floor(Math.exp(rnd.nextDouble() * Math.log(n + 1)))));
                i = rnd.nextInt(n - len + 1);
                j = i + len;
            }
            chosen.add((long) i << 32 | j);
        }
        return chosen;
    }

    /** The label of a segment: the minimum of its per-pass medians (interference only adds time). */
    static double low(double[] perPass) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : perPass) if (x > 0) m = Math.min(m, x);
        return m;
    }

    /** Spread of signed relative differences {@code (m2 - m1) / m1} of segments profiled twice. */
    static Noise noise(double[] signed) {
        if (signed.length == 0)
            return new Noise(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double[] sg = signed.clone();
        Arrays.sort(sg);
        double[] s = new double[sg.length];
        for (int k = 0; k < s.length; k++) s[k] = Math.abs(sg[k]);
        Arrays.sort(s);
        int w10 = 0, w5 = 0;
        for (double r : s) {
            if (r <= 0.10) w10++;
            if (r <= 0.05) w5++;
        }
        return new Noise(
                s.length,
                s[(s.length - 1) / 2],
                s[(int) Math.ceil(0.9 * s.length) - 1],
                s[s.length - 1],
                (double) w10 / s.length,
                (double) w5 / s.length,
                sg[(sg.length - 1) / 2]);
    }

    private static void saveLabels(
            Path file,
            List<Net> nets,
            List<long[]> segs,
            String[] keys,
            double[][][] med,
            double[][][] medB,
            boolean[] bad,
            int[] noiseSeg)
            throws IOException {
        int[] noiseOf = new int[segs.size()];
        Arrays.fill(noiseOf, -1);
        for (int k = 0; k < noiseSeg.length; k++) noiseOf[noiseSeg[k]] = k;
        StringBuilder b = new StringBuilder(
                "# arch\ti\tj\tkey\tper-pass median wall ns\tper-pass median thread CPU ns\t[the same, second measurements of noise segments]\n");
        for (int s = 0; s < segs.size(); s++) {
            long[] sg = segs.get(s);
            b.append(nets.get((int) sg[0]).arch())
                    .append('\t')
                    .append(sg[1])
                    .append('\t')
                    .append(sg[2])
                    .append('\t')
                    .append(bad[s] ? "-" : keys[s]);
            for (int ck = 0; ck < 2; ck++) b.append('\t').append(csv(med[ck][s]));
            if (noiseOf[s] >= 0) for (int ck = 0; ck < 2; ck++) b.append('\t').append(csv(medB[ck][noiseOf[s]]));
            b.append('\n');
        }
        Files.writeString(file, b);
    }

    private static String csv(double[] v) {
        StringBuilder b = new StringBuilder();
        for (int p = 0; p < v.length; p++) b.append(p == 0 ? "" : ",").append(v[p]);
        return b.toString();
    }

    private static void loadLabels(
            Path file,
            List<Net> nets,
            List<long[]> segs,
            String[] keys,
            double[][][] med,
            double[][][] medB,
            boolean[] bad)
            throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(file)) if (!l.startsWith("#") && !l.isBlank()) lines.add(l);
        if (lines.size() != segs.size())
            throw new IllegalArgumentException(
                    file + " has " + lines.size() + " segments, this sampling has " + segs.size());
        int nb = 0;
        for (int s = 0; s < segs.size(); s++) {
            String[] f = lines.get(s).split("\t");
            long[] sg = segs.get(s);
            if (f.length < 6
                    || !f[0].equals(nets.get((int) sg[0]).arch())
                    || Long.parseLong(f[1]) != sg[1]
                    || Long.parseLong(f[2]) != sg[2]) {
                throw new IllegalArgumentException(file + " line " + (s + 1) + " is not the sampled segment "
                        + nets.get((int) sg[0]).arch() + " [" + sg[1] + ", " + sg[2]
                        + "); use the same sampling options");
            }
            bad[s] = f[3].equals("-");
            keys[s] = f[3];
            for (int ck = 0; ck < 2; ck++) parse(file, f[4 + ck], med[ck][s]);
            if (f.length > 7 && nb < medB[0].length) {
                for (int ck = 0; ck < 2; ck++) parse(file, f[6 + ck], medB[ck][nb]);
                nb++;
            }
        }
    }

    private static void parse(Path file, String csv, double[] into) {
        String[] m = csv.split(",");
        if (m.length != into.length)
            throw new IllegalArgumentException(file + " has " + m.length + " passes, not " + into.length + " as asked");
        for (int p = 0; p < m.length; p++) into[p] = Double.parseDouble(m[p]);
    }
}
