package io.pipefarm.agent.runner;

import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.runner.RunError;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import io.pipefarm.proto.runner.RunnerCommand;
import io.pipefarm.proto.runner.RunnerEvent;
import io.pipefarm.proto.runner.RunnerHello;
import io.pipefarm.proto.runner.Shutdown;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One runner child JVM ({@link RunnerMain}) and the pipes to it. Not restartable: once the child has
 * died or was killed, {@link #isUsable()} is false and a new one must be started ({@link RunnerClient}
 * does that). Calls are serialized.
 */
public final class RunnerProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunnerProcess.class);
    private static final Object EOF = new Object();

    private final RunnerConfig config;
    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private volatile Throwable readFailure;
    private RunnerHello hello;
    private boolean broken;

    private RunnerProcess(RunnerConfig config, Process process) {
        this.config = config;
        this.process = process;
        this.stdin = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        String tag = config.name() + "/" + process.pid();
        this.stdoutReader = new Thread(() -> readEvents(process.getInputStream()), "runner-out-" + tag);
        this.stderrReader = new Thread(() -> readStderr(process.getErrorStream(), tag), "runner-err-" + tag);
        stdoutReader.setDaemon(true);
        stderrReader.setDaemon(true);
        stdoutReader.start();
        stderrReader.start();
    }

    /** Failure to start a child (no hello within the start timeout, or it died first). */
    public static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient RunError error;

        StartException(RunError error) {
            super(error.getMessage());
            this.error = error;
        }

        /** The failure as a runner error (kind UNAVAILABLE). */
        public RunError error() {
            return error;
        }
    }

    /** Starts a child and waits for its hello. */
    public static RunnerProcess start(RunnerConfig config) throws StartException {
        Process p;
        try {
            p = new ProcessBuilder(config.command())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectOutput(ProcessBuilder.Redirect.PIPE)
                    .redirectError(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            throw new StartException(RunError.newBuilder()
                    .setKind(ErrorKind.ERROR_KIND_UNAVAILABLE)
                    .setMessage(
                            "cannot start runner process " + config.command().get(0) + ": " + e.getMessage())
                    .build());
        }
        RunnerProcess rp = new RunnerProcess(config, p);
        try {
            Object ev = rp.events.poll(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (ev instanceof RunnerEvent && ((RunnerEvent) ev).hasHello()) {
                rp.hello = ((RunnerEvent) ev).getHello();
                log.debug("runner {} started, pid {}, TFLite {}", config.name(), p.pid(), rp.hello.getRuntimeVersion());
                return rp;
            }
            String why = ev == null
                    ? "no hello within " + config.startTimeout().toMillis() + " ms"
                    : ev == EOF ? "it exited before saying hello" : "unexpected first message " + ev;
            rp.kill();
            RunError.Builder err = rp.exitDetails(RunError.newBuilder().setKind(ErrorKind.ERROR_KIND_UNAVAILABLE));
            throw new StartException(err.setMessage("runner " + config.name() + " failed to start: " + why
                            + describeExit(err) + tailSuffix(err))
                    .build());
        } catch (InterruptedException e) {
            rp.kill();
            Thread.currentThread().interrupt();
            throw new StartException(RunError.newBuilder()
                    .setKind(ErrorKind.ERROR_KIND_UNAVAILABLE)
                    .setMessage("interrupted while starting runner")
                    .build());
        }
    }

    public RunnerHello hello() {
        return hello;
    }

    public long pid() {
        return process.pid();
    }

    /** True while the child is alive and no call has failed on it. */
    public synchronized boolean isUsable() {
        return !broken && process.isAlive();
    }

    /**
     * Sends {@code req} and waits for its reply at most {@code timeout}. Never throws for child
     * failures: a dead child gives an error reply of kind CRASH (exit code, signal, stderr tail), a
     * child that does not answer in time is killed and gives kind TIMEOUT. After either, this process
     * is no longer usable.
     */
    public synchronized RunReply call(RunRequest req, Duration timeout) throws InterruptedException {
        RunReply.Builder reply =
                RunReply.newBuilder().setRequestId(req.getRequestId()).setRunnerPid(pid());
        if (broken || !process.isAlive()) {
            return crashed(reply, "runner was not running when the request was sent");
        }
        try {
            RunnerCommand.newBuilder().setRun(req).build().writeDelimitedTo(stdin);
            stdin.flush();
        } catch (IOException e) {
            return crashed(reply, "runner stopped reading requests (" + e.getMessage() + ")");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Object ev = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (ev == null) {
                broken = true;
                kill();
                RunError.Builder err = exitDetails(RunError.newBuilder().setKind(ErrorKind.ERROR_KIND_TIMEOUT));
                return reply.setError(err.setMessage(
                                "no reply within " + timeout.toMillis() + " ms; runner pid " + pid() + " was killed"))
                        .build();
            }
            if (ev == EOF) {
                return crashed(reply, "runner died while running the request");
            }
            RunnerEvent event = (RunnerEvent) ev;
            if (event.hasReply() && event.getReply().getRequestId() == req.getRequestId()) {
                return event.getReply();
            }
            log.warn("runner {}: ignoring unexpected message {}", config.name(), event.getEventCase());
        }
    }

    private RunReply crashed(RunReply.Builder reply, String what) throws InterruptedException {
        broken = true;
        if (!process.waitFor(5, TimeUnit.SECONDS)) kill();
        RunError.Builder err = exitDetails(RunError.newBuilder().setKind(ErrorKind.ERROR_KIND_CRASH));
        String msg = what + describeExit(err) + tailSuffix(err);
        log.warn("runner {} pid {} crashed: {}", config.name(), pid(), msg);
        return reply.setError(err.setMessage(msg)).build();
    }

    /** Fills exit code / signal (if exited) and the stderr tail. */
    private RunError.Builder exitDetails(RunError.Builder err) {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                int code = process.exitValue();
                err.setExitCode(code);
                if (code > 128 && code < 128 + 65) err.setSignal(code - 128);
            }
            stderrReader.join(1000); // let it drain what the child wrote before dying
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return err.setStderrTail(stderrTail());
    }

    private static String describeExit(RunError.Builder err) {
        if (err.getSignal() != 0) {
            return " (killed by signal " + err.getSignal() + signalName(err.getSignal()) + ", exit value "
                    + err.getExitCode() + ")";
        }
        return err.getExitCode() != 0 || !err.getStderrTail().isEmpty() ? " (exit code " + err.getExitCode() + ")" : "";
    }

    private static String tailSuffix(RunError.Builder err) {
        String tail = err.getStderrTail().strip();
        if (tail.isEmpty()) return "";
        String[] lines = tail.split("\n");
        StringBuilder sb = new StringBuilder("; stderr tail: ");
        if (tail.contains("A fatal error has been detected")) {
            // JVM crash report: keep the informative lines, not the boilerplate at its end
            boolean takeNext = false;
            for (String line : lines) {
                String l = line.strip();
                boolean keep = takeNext
                        || l.matches("#\\s+SIG\\w+.*")
                        || l.startsWith("# Problematic frame:")
                        || l.startsWith("# /")
                        || l.contains("error report file");
                takeNext = l.startsWith("# Problematic frame:");
                if (keep) sb.append(l).append(" | ");
            }
            if (sb.toString().endsWith(" | ")) {
                sb.setLength(sb.length() - 3);
                return sb.toString();
            }
        }
        for (int i = Math.max(0, lines.length - 8); i < lines.length; i++) {
            sb.append(lines[i].strip()).append(i < lines.length - 1 ? " | " : "");
        }
        return sb.toString();
    }

    static String signalName(int sig) {
        switch (sig) {
            case 4:
                return " SIGILL";
            case 6:
                return " SIGABRT";
            case 7:
                return " SIGBUS";
            case 8:
                return " SIGFPE";
            case 9:
                return " SIGKILL";
            case 11:
                return " SIGSEGV";
            case 15:
                return " SIGTERM";
            default:
                return "";
        }
    }

    /** Last lines the child wrote to stderr. */
    public String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    /** Kills the child at once (SIGKILL) and waits for it. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the child to exit, then kills it if it has not within a second. */
    @Override
    public synchronized void close() {
        broken = true;
        if (process.isAlive()) {
            try {
                RunnerCommand.newBuilder()
                        .setShutdown(Shutdown.getDefaultInstance())
                        .build()
                        .writeDelimitedTo(stdin);
                stdin.close();
                if (!process.waitFor(1, TimeUnit.SECONDS)) kill();
            } catch (IOException e) {
                kill();
            } catch (InterruptedException e) {
                kill();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void readEvents(InputStream raw) {
        try (InputStream in = new BufferedInputStream(raw, 1 << 16)) {
            while (true) {
                RunnerEvent ev = RunnerEvent.parseDelimitedFrom(in);
                if (ev == null) break;
                events.add(ev);
            }
        } catch (IOException | RuntimeException e) {
            readFailure = e;
            log.debug("runner {}: protocol stream ended: {}", config.name(), e.toString());
        } finally {
            events.add(EOF);
        }
    }

    private void readStderr(InputStream raw, String tag) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                synchronized (stderrTail) {
                    stderrTail.addLast(line.length() > 500 ? line.substring(0, 500) + "..." : line);
                    while (stderrTail.size() > config.stderrTailLines()) stderrTail.removeFirst();
                }
                log.debug("[runner {}] {}", tag, line);
            }
        } catch (IOException e) {
            // child gone
        }
    }

    /** Why the protocol stream ended, if it ended with an error (e.g. garbage on the child's stdout). */
    Throwable readFailure() {
        return readFailure;
    }
}
