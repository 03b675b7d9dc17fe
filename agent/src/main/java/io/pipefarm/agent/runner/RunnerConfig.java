package io.pipefarm.agent.runner;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to start a runner child JVM. Defaults: the current JVM's {@code java} binary and classpath, a
 * small serial-GC heap, 60 s to start, 120 s per job when a request names no timeout.
 */
public final class RunnerConfig {
    private final String name;
    private final String javaCommand;
    private final String classpath;
    private final List<String> jvmArgs;
    private final Duration startTimeout;
    private final Duration defaultJobTimeout;
    private final int stderrTailLines;

    private RunnerConfig(Builder b) {
        this.name = b.name;
        this.javaCommand = b.javaCommand;
        this.classpath = b.classpath;
        this.jvmArgs = List.copyOf(b.jvmArgs);
        this.startTimeout = b.startTimeout;
        this.defaultJobTimeout = b.defaultJobTimeout;
        this.stderrTailLines = b.stderrTailLines;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static RunnerConfig defaults() {
        return builder().build();
    }

    /** Label used in logs (e.g. the device id). */
    public String name() {
        return name;
    }

    public String javaCommand() {
        return javaCommand;
    }

    public String classpath() {
        return classpath;
    }

    public List<String> jvmArgs() {
        return jvmArgs;
    }

    public Duration startTimeout() {
        return startTimeout;
    }

    public Duration defaultJobTimeout() {
        return defaultJobTimeout;
    }

    public int stderrTailLines() {
        return stderrTailLines;
    }

    /** The full child command line. */
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand);
        cmd.addAll(jvmArgs);
        for (String prop : new String[] {"pipefarm.tflite.library", "pipefarm.native.cache"}) {
            String v = System.getProperty(prop);
            if (v != null && jvmArgs.stream().noneMatch(a -> a.startsWith("-D" + prop + "="))) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(RunnerMain.class.getName());
        return cmd;
    }

    public static final class Builder {
        private String name = "runner";
        private String javaCommand =
                Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        private String classpath = System.getProperty("java.class.path");
        private final List<String> jvmArgs = new ArrayList<>(List.of(
                // JVM messages (warnings, crash summaries) must never reach the protocol stream
                "-XX:+DisplayVMOutputToStderr",
                "-Xlog:disable",
                "-Xlog:all=warning:stderr",
                "-XX:+UseSerialGC",
                "-Xss4m",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "pipefarm-runner-hs_err_pid%p.log"),
                "-Djava.awt.headless=true"));
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration defaultJobTimeout = Duration.ofSeconds(120);
        private int stderrTailLines = 40;

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name);
            return this;
        }

        public Builder javaCommand(String java) {
            this.javaCommand = Objects.requireNonNull(java);
            return this;
        }

        public Builder classpath(String cp) {
            this.classpath = Objects.requireNonNull(cp);
            return this;
        }
        /** Adds a JVM argument, e.g. {@code -Xmx1g} or {@code -Dpipefarm.runner.testHooks=true}. */
        public Builder addJvmArg(String arg) {
            this.jvmArgs.add(Objects.requireNonNull(arg));
            return this;
        }

        public Builder startTimeout(Duration d) {
            this.startTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder defaultJobTimeout(Duration d) {
            this.defaultJobTimeout = Objects.requireNonNull(d);
            return this;
        }

        public Builder stderrTailLines(int n) {
            this.stderrTailLines = Math.max(1, n);
            return this;
        }
        /** Enables the child's test hooks (tests only). */
        public Builder enableTestHooks() {
            return addJvmArg("-D" + RunnerMain.TEST_HOOKS_PROPERTY + "=true");
        }

        public RunnerConfig build() {
            return new RunnerConfig(this);
        }
    }
}
