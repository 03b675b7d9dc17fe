package io.pipefarm.agent.edgetpu;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code edgetpu_compiler} on a segment and parses its report.
 *
 * <p>Where the compiler is: system property {@value #PROPERTY} or environment variable {@value #ENV}
 * (a path), else {@value #BINARY} on {@code PATH}. It is run as
 * {@code edgetpu_compiler -s --out_dir DIR SEGMENT.tflite}; the output is {@code DIR/<stem>_edgetpu.tflite}
 * and its operation log {@code DIR/<stem>_edgetpu.log}.
 */
public final class EdgeTpuCompiler {
    public static final String PROPERTY = "pipefarm.edgetpu.compiler";
    public static final String ENV = "PIPEFARM_EDGETPU_COMPILER";
    public static final String BINARY = "edgetpu_compiler";
    public static final String INSTALL_HINT = "install the edgetpu-compiler package from Coral's apt repository "
            + "(deb https://packages.cloud.google.com/apt coral-edgetpu-stable main; 'sudo apt-get install edgetpu-compiler'; "
            + "x86_64 Linux only, so compile on an x86_64 host and ship the compiled segment to ARM64 agents), "
            + "or set -D" + PROPERTY + " / " + ENV + " to the compiler's path";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private final Path executable;
    private final Duration timeout;
    private final List<String> extraArgs;

    /** A compiled segment: its bytes, where they were written, and the compiler's report. */
    public record Result(byte[] compiled, Path outputFile, CompilerReport report, String stdout) {
        public Result {
            compiled = compiled.clone();
        }

        @Override
        public byte[] compiled() {
            return compiled.clone();
        }
    }

    public EdgeTpuCompiler(Path executable, Duration timeout, List<String> extraArgs) {
        this.executable = Objects.requireNonNull(executable, "executable");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** The configured or PATH compiler with default settings. @throws EdgeTpuCompilerException MISSING */
    public static EdgeTpuCompiler find() throws EdgeTpuCompilerException {
        Optional<Path> p = locate();
        if (p.isEmpty()) throw new EdgeTpuCompilerException(EdgeTpuCompilerException.Kind.MISSING, missingMessage());
        return new EdgeTpuCompiler(p.get(), DEFAULT_TIMEOUT, List.of());
    }

    public Path executable() {
        return executable;
    }

    /** The configured compiler if it is executable, else {@value #BINARY} on PATH. */
    public static Optional<Path> locate() {
        String configured = configured();
        if (configured != null) {
            Path p = Paths.get(configured).toAbsolutePath();
            return Files.isExecutable(p) && !Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        return onPath(BINARY, System.getenv("PATH"));
    }

    static Optional<Path> onPath(String name, String path) {
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Paths.get(dir, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return Optional.of(p.toAbsolutePath());
        }
        return Optional.empty();
    }

    private static String configured() {
        String c = System.getProperty(PROPERTY);
        if (c == null || c.isBlank()) c = System.getenv(ENV);
        return c == null || c.isBlank() ? null : c.trim();
    }

    /** "found at /usr/bin/edgetpu_compiler" or "not found ... (how to install)". */
    public static String describeLocation() {
        return locate().map(p -> "found at " + p).orElseGet(EdgeTpuCompiler::missingMessage);
    }

    static String missingMessage() {
        String configured = configured();
        if (configured != null) {
            return BINARY + " configured as " + configured + " (" + PROPERTY + " / " + ENV
                    + ") is not an executable file; " + INSTALL_HINT;
        }
        return BINARY + " not found on PATH; " + INSTALL_HINT;
    }

    /** {@code edgetpu_compiler --version}, e.g. {@code "Edge TPU Compiler version 16.0.384591198"}. */
    public String version() throws EdgeTpuCompilerException {
        Run r = run(List.of(executable.toString(), "--version"), Duration.ofSeconds(30));
        if (r.exit != 0)
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.FAILED,
                    BINARY + " --version failed (exit code " + r.exit + "): " + tail(r.output, 5));
        return r.output.strip();
    }

    /**
     * Compiles a segment file into {@code outDir} (created if needed).
     *
     * @throws EdgeTpuCompilerException FAILED (with the compiler's last lines) or TIMEOUT
     */
    public Result compile(Path segment, Path outDir) throws EdgeTpuCompilerException {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.FAILED, "cannot create " + outDir + ": " + e, e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.add("-s");
        cmd.add("--out_dir");
        cmd.add(outDir.toAbsolutePath().toString());
        cmd.addAll(extraArgs);
        cmd.add(segment.toAbsolutePath().toString());
        Run r = run(cmd, timeout);
        String stem = segment.getFileName().toString().replaceFirst("\\.tflite$", "");
        Path output = outDir.resolve(stem + "_edgetpu.tflite");
        Path log = outDir.resolve(stem + "_edgetpu.log");
        if (r.exit != 0 || !Files.isRegularFile(output)) {
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.FAILED,
                    BINARY + " could not compile "
                            + segment.getFileName()
                            + (r.exit != 0
                                    ? " (exit code " + r.exit + ")"
                                    : " (no " + output.getFileName() + " written)")
                            + ": " + tail(r.output, 8));
        }
        CompilerReport report;
        try {
            String logText = Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : null;
            report = CompilerReport.parse(r.output, logText);
            return new Result(Files.readAllBytes(output), output, report, r.output);
        } catch (IllegalArgumentException | IOException e) {
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.FAILED,
                    BINARY + " compiled " + segment.getFileName() + " but its report cannot be read: " + e.getMessage(),
                    e);
        }
    }

    /** Compiles segment bytes in a temporary directory (deleted afterwards); {@code name} is the file stem. */
    public Result compile(byte[] segment, String name) throws EdgeTpuCompilerException {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pipefarm-edgetpu-");
            String stem = name == null || name.isBlank() ? "segment" : name.replaceAll("[^A-Za-z0-9_.-]", "_");
            Path in = dir.resolve(stem + ".tflite");
            Files.write(in, segment);
            return compile(in, dir.resolve("out"));
        } catch (IOException e) {
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.FAILED, "cannot stage the segment for " + BINARY + ": " + e, e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    private record Run(int exit, String output) {}

    private static Run run(List<String> cmd, Duration timeout) throws EdgeTpuCompilerException {
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            throw new EdgeTpuCompilerException(
                    EdgeTpuCompilerException.Kind.MISSING,
                    "cannot run " + cmd.get(0) + ": " + e.getMessage() + "; " + INSTALL_HINT,
                    e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread drain = new Thread(
                () -> {
                    try (InputStream in = p.getInputStream()) {
                        in.transferTo(out);
                    } catch (IOException ignored) {
                        // process gone
                    }
                },
                "edgetpu-compiler-output");
        drain.setDaemon(true);
        drain.start();
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the process already exited
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new EdgeTpuCompilerException(
                        EdgeTpuCompilerException.Kind.TIMEOUT,
                        BINARY + " did not finish within " + timeout.toSeconds() + " s");
            }
            drain.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new EdgeTpuCompilerException(EdgeTpuCompilerException.Kind.TIMEOUT, "interrupted while compiling", e);
        }
        synchronized (out) {
            return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        }
    }

    private static String tail(String s, int lines) {
        List<String> all = s.lines().filter(l -> !l.isBlank()).toList();
        String t = String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size()))
                .strip();
        return t.isEmpty() ? "(no output)" : t;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }
}
