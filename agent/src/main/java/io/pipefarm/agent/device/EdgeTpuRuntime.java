package io.pipefarm.agent.device;

import io.pipefarm.agent.edgetpu.CompilerReport;
import io.pipefarm.agent.edgetpu.EdgeTpuCompiler;
import io.pipefarm.agent.edgetpu.EdgeTpuCompilerException;
import io.pipefarm.agent.edgetpu.EdgeTpuDelegates;
import io.pipefarm.agent.edgetpu.EdgeTpuDevice;
import io.pipefarm.agent.edgetpu.EdgeTpuLibrary;
import io.pipefarm.agent.edgetpu.EdgeTpuOptions;
import io.pipefarm.agent.edgetpu.EdgeTpuProbe;
import io.pipefarm.agent.edgetpu.EdgeTpuSegments;
import io.pipefarm.agent.runner.RunnerClient;
import io.pipefarm.agent.runner.RunnerConfig;
import io.pipefarm.model.tflite.TfliteFormatException;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real Edge TPUs through libedgetpu (DESIGN.md §6): kinds {@code edgetpu-usb} and {@code edgetpu-pci}.
 *
 * <p>Discovery runs {@link EdgeTpuProbe} in a short-lived child JVM (the agent never loads native
 * code): libedgetpu's version, its devices, and the TFLite version that hosts the delegate. No library
 * or no device gives no devices and one log line saying which and how to fix it ({@link #status()}).
 *
 * <p>Each device has its own crash-isolated runner child; a job runs there with runtime
 * {@code edgetpu:TYPE:PATH[?options]}: the child creates one delegate for the device (kept for its
 * life) and one interpreter per job. Segments must be compiled for the Edge TPU (they contain
 * {@value EdgeTpuSegments#CUSTOM_OP}); an uncompiled segment fails with COMPILE, unless the runtime was
 * given a compiler to compile on the agent ({@link Settings#compiler()}).
 */
public final class EdgeTpuRuntime implements DeviceRuntime {
    private static final Logger log = LoggerFactory.getLogger(EdgeTpuRuntime.class);

    public static final String NAME = "edgetpu";
    public static final String VERSION_KEY = "libedgetpu";
    public static final String TFLITE_VERSION_KEY = TfliteCpuRuntime.VERSION_KEY;
    public static final String COMPILER_VERSION_KEY = "edgetpu_compiler";
    public static final Duration DEFAULT_JOB_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);
    private static final int COMPILED_CACHE = 64;

    /**
     * @param probe           how devices are found (default: {@link EdgeTpuProbe} in a child JVM)
     * @param runnerConfigs   runner settings of a device, by device id
     * @param jobTimeout      hard limit of a job without a time budget
     * @param delegateOptions options of every delegate, e.g. {@code Performance=Max} (empty: libedgetpu's defaults)
     * @param compiler        when present, uncompiled segments are compiled on the agent with it
     */
    public record Settings(
            Supplier<EdgeTpuProbe> probe,
            Function<String, RunnerConfig> runnerConfigs,
            Duration jobTimeout,
            Map<String, String> delegateOptions,
            Optional<EdgeTpuCompiler> compiler) {
        public Settings {
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(runnerConfigs, "runnerConfigs");
            Objects.requireNonNull(jobTimeout, "jobTimeout");
            delegateOptions = Map.copyOf(EdgeTpuOptions.validate(delegateOptions));
            Objects.requireNonNull(compiler, "compiler");
        }

        public static Settings defaults() {
            return new Settings(
                    EdgeTpuRuntime::probeInChild,
                    EdgeTpuRuntime::defaultRunnerConfig,
                    DEFAULT_JOB_TIMEOUT,
                    Map.of(),
                    Optional.empty());
        }

        public Settings withProbe(Supplier<EdgeTpuProbe> p) {
            return new Settings(p, runnerConfigs, jobTimeout, delegateOptions, compiler);
        }

        public Settings withDelegateOptions(Map<String, String> o) {
            return new Settings(probe, runnerConfigs, jobTimeout, o, compiler);
        }

        public Settings withCompiler(Optional<EdgeTpuCompiler> c) {
            return new Settings(probe, runnerConfigs, jobTimeout, delegateOptions, c);
        }

        public Settings withRunnerConfigs(Function<String, RunnerConfig> r) {
            return new Settings(probe, r, jobTimeout, delegateOptions, compiler);
        }
    }

    private record Device(DeviceInfo info, EdgeTpuDevice tpu, RunnerClient runner) {}

    private final Settings settings;
    private final Map<String, Device> devices = new LinkedHashMap<>();

    private record Compiled(byte[] bytes, String compilerVersion) {}

    private final Map<String, Compiled> compiled = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Compiled> e) {
            return size() > COMPILED_CACHE;
        }
    };
    private List<DeviceInfo> discovered;
    private String status = "not probed yet";
    private boolean closed;

    public EdgeTpuRuntime() {
        this(Settings.defaults());
    }

    public EdgeTpuRuntime(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The default runner of a device: default child JVM, libedgetpu path forwarded when set as a property. */
    public static RunnerConfig defaultRunnerConfig(String deviceId) {
        RunnerConfig.Builder b = RunnerConfig.builder().name(deviceId).defaultJobTimeout(DEFAULT_JOB_TIMEOUT);
        String lib = System.getProperty(EdgeTpuLibrary.PROPERTY);
        if (lib != null && !lib.isBlank()) b.addJvmArg("-D" + EdgeTpuLibrary.PROPERTY + "=" + lib);
        return b.build();
    }

    /** {@link EdgeTpuProbe} in a child JVM started like a default runner. */
    public static EdgeTpuProbe probeInChild() {
        RunnerConfig rc = defaultRunnerConfig("edgetpu-probe");
        List<String> cmd = new ArrayList<>();
        cmd.add(rc.javaCommand());
        cmd.addAll(rc.jvmArgs());
        for (String prop : new String[] {"pipefarm.tflite.library", "pipefarm.native.cache"}) {
            String v = System.getProperty(prop);
            if (v != null) cmd.add("-D" + prop + "=" + v);
        }
        cmd.add("-cp");
        cmd.add(rc.classpath());
        return EdgeTpuProbe.inChild(cmd, PROBE_TIMEOUT);
    }

    /** What the last discovery found, or why it found nothing. */
    public synchronized String status() {
        return status;
    }

    @Override
    public synchronized List<DeviceInfo> discover() {
        if (closed) return List.of();
        if (discovered != null) return discovered;
        EdgeTpuProbe probe;
        try {
            probe = settings.probe().get();
        } catch (RuntimeException e) {
            probe = EdgeTpuProbe.unavailable("Edge TPU probe failed: " + e);
        }
        if (!probe.usable()) {
            status = "no Edge TPUs: " + probe.noDevicesReason();
            log.info("edgetpu: {}", status);
            discovered = List.of();
            return discovered;
        }
        String lib = probe.version().orElse("");
        String tflite = probe.tfliteVersion().orElse("");
        List<DeviceInfo> out = new ArrayList<>();
        for (EdgeTpuDevice tpu : probe.devices()) {
            String id = uniqueId(tpu.id());
            Map<String, String> versions = new LinkedHashMap<>();
            versions.put(VERSION_KEY, lib);
            if (!tflite.isEmpty()) versions.put(TFLITE_VERSION_KEY, tflite);
            Map<String, String> props = new LinkedHashMap<>();
            props.put("path", tpu.path());
            props.put("link", tpu.type() == EdgeTpuDevice.Type.USB ? "usb3" : "pcie-gen2-x1");
            props.put("library", probe.library());
            if (!settings.delegateOptions().isEmpty())
                props.put("options", EdgeTpuOptions.format(settings.delegateOptions()));
            DeviceInfo info = new DeviceInfo(id, tpu.kind(), NAME, versions, props);
            devices.put(
                    id,
                    new Device(
                            info, tpu, new RunnerClient(settings.runnerConfigs().apply(id))));
            out.add(info);
        }
        status = "libedgetpu " + EdgeTpuLibrary.shortVersion(lib) + " (" + probe.library() + "), TFLite " + tflite
                + ": " + out.stream().map(d -> d.id() + "=" + d.kind()).toList();
        log.info("edgetpu: {}", status);
        discovered = List.copyOf(out);
        return discovered;
    }

    private String uniqueId(String id) {
        if (!devices.containsKey(id)) return id;
        int k = 2;
        while (devices.containsKey(id + "-" + k)) k++;
        return id + "-" + k;
    }

    @Override
    public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
        Device d;
        synchronized (this) {
            if (closed) return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "edgetpu runtime is closed");
            d = device == null ? null : devices.get(device.id());
        }
        if (d == null) {
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_UNAVAILABLE,
                    "edgetpu has no device " + (device == null ? "null" : device.id()) + " (discover() first)");
        }
        if (segment == null || segment.length == 0) {
            return new RunOutcome.Failed(ErrorKind.ERROR_KIND_BAD_INPUT, "segment " + segmentKey + " has no bytes");
        }
        int threads = spec == null || spec.getThreads() <= 0 ? 1 : spec.getThreads();
        String bad = TfliteCpuRuntime.checkSpec(spec, threads);
        if (bad != null)
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_BAD_INPUT, bad + " (device " + d.info().id() + ")");

        Map<String, String> extraVersions = new LinkedHashMap<>();
        byte[] model = segment;
        RunOutcome.Failed notCompiled = checkCompiled(segmentKey, segment);
        if (notCompiled != null) {
            if (notCompiled.kind() != ErrorKind.ERROR_KIND_COMPILE
                    || settings.compiler().isEmpty()) return notCompiled;
            try {
                model = compileOnAgent(segmentKey, segment, extraVersions);
            } catch (EdgeTpuCompilerException e) {
                return new RunOutcome.Failed(
                        ErrorKind.ERROR_KIND_COMPILE, "segment " + segmentKey + ": " + e.getMessage());
            }
        }
        RunRequest req = TfliteCpuRuntime.request(
                        d.runner().nextRequestId(), segmentKey, model, spec, threads, settings.jobTimeout())
                .toBuilder()
                .setRuntime(EdgeTpuDelegates.runtimeName(d.tpu(), settings.delegateOptions()))
                .build();
        RunReply reply;
        try {
            reply = d.runner().run(req);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_UNAVAILABLE,
                    "interrupted while profiling on " + d.info().id());
        }
        RunOutcome o = TfliteCpuRuntime.outcome(reply, d.info());
        if (o instanceof RunOutcome.Measured m) {
            Map<String, String> v = new LinkedHashMap<>(m.versions());
            v.put(VERSION_KEY, d.info().versions().getOrDefault(VERSION_KEY, ""));
            v.putAll(extraVersions);
            return new RunOutcome.Measured(m.samplesNs(), v, m.threadCpuNs());
        }
        if (o instanceof RunOutcome.Failed f) {
            return new RunOutcome.Failed(
                    f.kind(), d.info().id() + " (" + d.tpu().spec() + "): " + f.message());
        }
        return o;
    }

    /**
     * Null when the segment is compiled for the Edge TPU; otherwise the failure to report: BAD_INPUT
     * for bytes that are not a TFLite model, COMPILE for a model without Edge TPU ops.
     */
    static RunOutcome.Failed checkCompiled(String segmentKey, byte[] segment) {
        try {
            if (EdgeTpuSegments.inspect(segment).compiled()) return null;
        } catch (TfliteFormatException e) {
            if (e.kind() != TfliteFormatException.Kind.UNSUPPORTED) {
                return new RunOutcome.Failed(
                        ErrorKind.ERROR_KIND_BAD_INPUT,
                        "segment " + segmentKey + " is not a valid TFLite model: " + e.getMessage());
            }
            if (EdgeTpuSegments.isCompiled(segment)) return null; // the delegate decides
        }
        return new RunOutcome.Failed(ErrorKind.ERROR_KIND_COMPILE, notCompiledMessage(segmentKey));
    }

    /** The COMPILE message of an uncompiled segment, naming where the compiler is or how to get it. */
    public static String notCompiledMessage(String segmentKey) {
        return "segment " + segmentKey + " is not compiled for the Edge TPU (no " + EdgeTpuSegments.CUSTOM_OP
                + "); run " + EdgeTpuCompiler.BINARY
                + " --out_dir DIR SEGMENT.tflite and profile the *_edgetpu.tflite output ("
                + EdgeTpuCompiler.describeLocation() + ")";
    }

    private byte[] compileOnAgent(String segmentKey, byte[] segment, Map<String, String> versions)
            throws EdgeTpuCompilerException {
        synchronized (compiled) {
            Compiled c = compiled.get(segmentKey);
            if (c != null) {
                if (!c.compilerVersion().isEmpty()) versions.put(COMPILER_VERSION_KEY, c.compilerVersion());
                return c.bytes();
            }
        }
        EdgeTpuCompiler compiler = settings.compiler().orElseThrow();
        EdgeTpuCompiler.Result r = compiler.compile(segment, "segment");
        CompilerReport rep = r.report();
        byte[] bytes = r.compiled();
        if (!EdgeTpuSegments.isCompiled(bytes)) {
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.FAILED,
                    EdgeTpuCompiler.BINARY + " mapped no op to the Edge TPU (" + rep.opsOnCpu() + " of "
                            + rep.totalOps() + " ops stay on the CPU)");
        }
        log.info(
                "edgetpu: compiled segment {}: {} of {} ops on the Edge TPU, {} B cached, {} B streamed",
                segmentKey,
                rep.opsOnEdgeTpu(),
                rep.totalOps(),
                rep.onChipCachedBytes(),
                rep.offChipStreamedBytes());
        if (!rep.compilerVersion().isEmpty()) versions.put(COMPILER_VERSION_KEY, rep.compilerVersion());
        synchronized (compiled) {
            compiled.put(segmentKey, new Compiled(bytes, rep.compilerVersion()));
        }
        return bytes;
    }

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
