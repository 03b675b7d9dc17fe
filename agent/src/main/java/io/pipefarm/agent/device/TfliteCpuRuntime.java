package io.pipefarm.agent.device;

import com.google.protobuf.ByteString;
import io.pipefarm.agent.edgetpu.EdgeTpuSegments;
import io.pipefarm.agent.runner.RunnerClient;
import io.pipefarm.agent.runner.RunnerConfig;
import io.pipefarm.agent.runner.SegmentExecutor;
import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import io.pipefarm.proto.runner.RunnerHello;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TFLite CPU runtime (DESIGN.md §6): one device per configured interpreter thread count, each
 * driven through its own crash-isolated runner child ({@link RunnerClient}); the native library is
 * never loaded into the agent's JVM.
 *
 * <p>Devices are {@code cpu0, cpu1, ...} of kind {@code cpu-<arch>-t<threads>} (arch {@code x86_64} or
 * {@code arm64}), e.g. {@code cpu-x86_64-t1}. The thread count is part of the kind, so it is the
 * device's, not the job's: a {@link ProfileSpec#getThreads()} of 0 or equal to the device's is
 * accepted, any other value fails the job with BAD_INPUT rather than storing a profile under the wrong
 * kind.
 *
 * <p>Inputs are pseudo-random bytes from a seed derived from the segment key, so a segment always
 * sees the same input data wherever it is profiled. When the native library cannot be loaded,
 * {@link #discover()} returns no devices and logs why.
 */
public final class TfliteCpuRuntime implements DeviceRuntime {
    private static final Logger log = LoggerFactory.getLogger(TfliteCpuRuntime.class);

    public static final String NAME = SegmentExecutor.RUNTIME_TFLITE_CPU;
    /** Key of the TFLite version in {@link DeviceInfo#versions()} and measured outcomes. */
    public static final String VERSION_KEY = "tflite";
    /** Hard limit of a job that sets no time budget. */
    public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofMinutes(10);

    private final List<Integer> threadCounts;
    private final Function<String, RunnerConfig> runnerConfigs;
    private final Duration jobTimeout;
    private final Map<String, Device> devices = new LinkedHashMap<>();
    private List<DeviceInfo> discovered;
    private boolean closed;

    private record Device(DeviceInfo info, int threads, RunnerClient runner) {}

    /** One device, one thread, default runner settings. */
    public TfliteCpuRuntime() {
        this(List.of(1));
    }

    /** One device per thread count, default runner settings. */
    public TfliteCpuRuntime(List<Integer> threadCounts) {
        this(
                threadCounts,
                id -> RunnerConfig.builder()
                        .name(id)
                        .defaultJobTimeout(DEFAULT_JOB_TIMEOUT)
                        .build(),
                DEFAULT_JOB_TIMEOUT);
    }

    /**
     * @param threadCounts  interpreter threads of each device, in device order (each {@code >= 1})
     * @param runnerConfigs the runner settings of a device, by device id
     * @param jobTimeout    hard limit of a job without a time budget (with one, the limit grows with it)
     */
    public TfliteCpuRuntime(
            List<Integer> threadCounts, Function<String, RunnerConfig> runnerConfigs, Duration jobTimeout) {
        Objects.requireNonNull(threadCounts, "threadCounts");
        if (threadCounts.isEmpty()) throw new IllegalArgumentException("tflite-cpu needs at least one thread count");
        for (Integer t : threadCounts) {
            if (t == null || t < 1)
                throw new IllegalArgumentException("thread counts must be >= 1, got " + threadCounts);
        }
        this.threadCounts = List.copyOf(threadCounts);
        this.runnerConfigs = Objects.requireNonNull(runnerConfigs, "runnerConfigs");
        this.jobTimeout = Objects.requireNonNull(jobTimeout, "jobTimeout");
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Starts the first device's runner to learn whether TFLite loads and its version; the other
     * runners start on their first job. Later calls return the same devices.
     */
    @Override
    public synchronized List<DeviceInfo> discover() {
        if (closed) return List.of();
        if (discovered != null) return discovered;
        RunnerClient probe = new RunnerClient(runnerConfigs.apply("cpu0"));
        Optional<RunnerHello> hello;
        try {
            hello = probe.ensureStarted();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            probe.close();
            log.warn("tflite-cpu discovery interrupted: no devices");
            return List.of();
        }
        if (hello.isEmpty() || hello.get().getRuntimeVersion().isEmpty()) {
            probe.close();
            log.warn(
                    "tflite-cpu: no devices, the TFLite runtime is unavailable: {}",
                    hello.map(h -> h.getRuntimeError().isEmpty() ? "(no reason given)" : h.getRuntimeError())
                            .orElse("the runner child did not start"));
            discovered = List.of();
            return discovered;
        }
        String version = hello.get().getRuntimeVersion();
        Map<String, String> props = hostProperties();
        List<DeviceInfo> out = new ArrayList<>();
        for (int k = 0; k < threadCounts.size(); k++) {
            String id = "cpu" + k;
            int threads = threadCounts.get(k);
            Map<String, String> p = new LinkedHashMap<>(props);
            p.put("threads", Integer.toString(threads));
            DeviceInfo info =
                    new DeviceInfo(id, DeviceKind.hostCpu(threads).name(), NAME, Map.of(VERSION_KEY, version), p);
            RunnerClient runner = k == 0 ? probe : new RunnerClient(runnerConfigs.apply(id));
            devices.put(id, new Device(info, threads, runner));
            out.add(info);
        }
        log.info(
                "tflite-cpu: TFLite {} from {}; devices {}",
                version,
                hello.get().getNativeLibrary(),
                out.stream().map(d -> d.id() + "=" + d.kind()).toList());
        discovered = List.copyOf(out);
        return discovered;
    }

    @Override
    public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
        Device d;
        synchronized (this) {
            d = device == null ? null : devices.get(device.id());
            if (closed) return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "tflite-cpu runtime is closed");
        }
        if (d == null) {
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_UNAVAILABLE,
                    "tflite-cpu has no device " + (device == null ? "null" : device.id()) + " (discover() first)");
        }
        if (segment == null || segment.length == 0) {
            return new RunOutcome.Failed(ErrorKind.ERROR_KIND_BAD_INPUT, "segment " + segmentKey + " has no bytes");
        }
        // A segment compiled for the Edge TPU cannot run on a CPU kind: say so instead of a TFLite error.
        var tpu = EdgeTpuSegments.cpuRejection(segmentKey, segment);
        if (tpu.isPresent()) return new RunOutcome.Failed(ErrorKind.ERROR_KIND_BAD_INPUT, tpu.get());
        String bad = checkSpec(spec, d.threads());
        if (bad != null)
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_BAD_INPUT,
                    bad + " (device " + d.info().id() + ", " + d.info().kind() + ")");

        RunRequest req = request(d.runner().nextRequestId(), segmentKey, segment, spec, d.threads(), jobTimeout);
        RunReply reply;
        try {
            reply = d.runner().run(req);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_UNAVAILABLE,
                    "interrupted while profiling on " + d.info().id());
        }
        return outcome(reply, d.info());
    }

    /** Why a spec cannot run on a device of {@code deviceThreads}, or null if it can. */
    static String checkSpec(ProfileSpec spec, int deviceThreads) {
        if (spec == null) return "no profile spec";
        if (spec.getWarmupRuns() < 0) return "warmup_runs must be >= 0, got " + spec.getWarmupRuns();
        if (spec.getTimedRuns() < 0) return "timed_runs must be >= 0, got " + spec.getTimedRuns();
        if (spec.getMaxRuns() < 0) return "max_runs must be >= 0, got " + spec.getMaxRuns();
        if (spec.getTimeBudgetMs() < 0) return "time_budget_ms must be >= 0, got " + spec.getTimeBudgetMs();
        double t = spec.getTargetRelError();
        if (Double.isNaN(t) || t < 0) return "target_rel_error must be >= 0, got " + t;
        if (spec.getThreads() < 0) return "threads must be >= 0, got " + spec.getThreads();
        if (spec.getMinTimedNs() < 0) return "min_timed_ns must be >= 0, got " + spec.getMinTimedNs();
        if (spec.getThreads() != 0 && spec.getThreads() != deviceThreads) {
            return "the spec asks for " + spec.getThreads() + " interpreter threads but this device runs "
                    + deviceThreads;
        }
        return null;
    }

    /**
     * The runner request of a job: the segment bytes, every input seeded from the segment key, the
     * spec's sampling rules; the time budget bounds the timed phase (soft) and sets the hard limit.
     */
    static RunRequest request(
            long requestId, String segmentKey, byte[] segment, ProfileSpec spec, int threads, Duration jobTimeout) {
        int timed = spec.getTimedRuns();
        if (timed == 0 && spec.getTargetRelError() == 0) timed = 1; // a profile needs a sample
        RunRequest.Builder b = RunRequest.newBuilder()
                .setRequestId(requestId)
                .setRuntime(NAME)
                .setModelBytes(ByteString.copyFrom(segment))
                .setRandomSeed(inputSeed(segmentKey))
                .setWarmupRuns(spec.getWarmupRuns())
                .setTimedRuns(timed)
                .setTargetRelError(spec.getTargetRelError())
                .setMaxRuns(spec.getMaxRuns())
                .setMinTimedNs(Math.max(0, spec.getMinTimedNs()))
                .setThreads(threads);
        long budget = spec.getTimeBudgetMs();
        long timeout = jobTimeout.toMillis();
        if (budget > 0) {
            b.setBudgetMs((int) Math.min(budget, Integer.MAX_VALUE));
            // the budget is soft (checked between runs; warm-up and loading come on top): allow slack
            timeout = Math.max(timeout, budget + Math.max(budget, 60_000L));
        }
        b.setTimeoutMs((int) Math.min(timeout, Integer.MAX_VALUE));
        return b.build();
    }

    /** The input seed of a segment: the first 8 bytes of its key's hex (the key is a SHA-256), else a hash of it. */
    public static long inputSeed(String segmentKey) {
        String k = segmentKey == null ? "" : segmentKey;
        if (k.length() >= 16 && k.substring(0, 16).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return Long.parseUnsignedLong(k.substring(0, 16), 16);
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(k.getBytes(StandardCharsets.UTF_8));
            long s = 0;
            for (int i = 0; i < 8; i++) s = (s << 8) | (h[i] & 0xFF);
            return s;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The outcome of a runner reply: its samples and version, or its error mapped by number. */
    static RunOutcome outcome(RunReply reply, DeviceInfo device) {
        if (reply.hasError()) {
            var err = reply.getError();
            ErrorKind kind = err.getKind();
            if (kind == ErrorKind.ERROR_KIND_UNSPECIFIED || kind == ErrorKind.UNRECOGNIZED) {
                kind = ErrorKind.ERROR_KIND_RUN;
            }
            StringBuilder msg =
                    new StringBuilder(err.getMessage().isEmpty() ? err.getKind().name() : err.getMessage());
            if (err.getSignal() != 0)
                msg.append(" (signal ").append(err.getSignal()).append(')');
            else if (err.getExitCode() != 0)
                msg.append(" (exit code ").append(err.getExitCode()).append(')');
            if (!err.getStderrTail().isBlank())
                msg.append("; runner stderr:\n").append(err.getStderrTail().strip());
            return new RunOutcome.Failed(kind, msg.toString());
        }
        if (reply.getTimingsNsCount() == 0) {
            return new RunOutcome.Failed(ErrorKind.ERROR_KIND_RUN, "the runner returned no timed samples");
        }
        long[] samples = new long[reply.getTimingsNsCount()];
        for (int i = 0; i < samples.length; i++) samples[i] = reply.getTimingsNs(i);
        long[] cpu = new long[reply.getThreadCpuNsCount() == samples.length ? samples.length : 0];
        for (int i = 0; i < cpu.length; i++) cpu[i] = reply.getThreadCpuNs(i);
        String version = reply.getRuntimeVersion().isEmpty()
                ? device.versions().getOrDefault(VERSION_KEY, "")
                : reply.getRuntimeVersion();
        Map<String, String> recorded = new LinkedHashMap<>(conditions());
        if (!version.isEmpty()) recorded.put(VERSION_KEY, version);
        return new RunOutcome.Measured(samples, recorded, cpu);
    }

    /**
     * The conditions of a measurement, kept with the profile: CPU governor and frequency of cpu0
     * where readable, and the 1-minute load average (a loaded host measures slow).
     */
    static Map<String, String> conditions() {
        Map<String, String> c = new LinkedHashMap<>();
        Path freq = Path.of("/sys/devices/system/cpu/cpu0/cpufreq");
        readLine(freq.resolve("scaling_governor")).ifPresent(v -> c.put("cond.governor", v));
        readLine(freq.resolve("scaling_cur_freq")).ifPresent(v -> c.put("cond.cur_freq_khz", v));
        readLine(Path.of("/proc/loadavg")).map(l -> l.split("\\s+")[0]).ifPresent(v -> c.put("cond.load1", v));
        return c;
    }

    /** CPU model, cores, and (where readable) governor and frequencies of cpu0. */
    static Map<String, String> hostProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        cpuModel().ifPresent(m -> p.put("cpu_model", m));
        p.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        p.put("arch", DeviceKind.hostArch());
        Path freq = Paths.get("/sys/devices/system/cpu/cpu0/cpufreq");
        readLine(freq.resolve("scaling_governor")).ifPresent(v -> p.put("governor", v));
        readLine(freq.resolve("scaling_cur_freq")).ifPresent(v -> p.put("cur_freq_khz", v));
        readLine(freq.resolve("scaling_min_freq")).ifPresent(v -> p.put("min_freq_khz", v));
        readLine(freq.resolve("scaling_max_freq")).ifPresent(v -> p.put("max_freq_khz", v));
        readLine(freq.resolve("cpuinfo_max_freq")).ifPresent(v -> p.put("cpuinfo_max_freq_khz", v));
        return p;
    }

    private static Optional<String> cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Paths.get("/proc/cpuinfo"), StandardCharsets.UTF_8);
            for (String key : new String[] {"model name", "Model", "Hardware", "cpu model", "Processor"}) {
                for (String line : lines) {
                    int c = line.indexOf(':');
                    if (c > 0 && line.substring(0, c).trim().equals(key)) {
                        String v = line.substring(c + 1).trim();
                        if (!v.isEmpty()) return Optional.of(v);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or not readable: no model
        }
        return Optional.empty();
    }

    private static Optional<String> readLine(Path p) {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Closes every device's runner; later profiles fail with UNAVAILABLE. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Device d : devices.values()) {
            try {
                d.runner().close();
            } catch (RuntimeException e) {
                log.warn("closing runner of {}: {}", d.info().id(), e.toString());
            }
        }
    }
}
