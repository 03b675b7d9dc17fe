package io.pipefarm.agent.runner;

import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.runner.RunError;
import io.pipefarm.proto.runner.RunReply;
import io.pipefarm.proto.runner.RunRequest;
import io.pipefarm.proto.runner.RunnerHello;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-isolated execution of segments: one runner child per instance (the agent keeps one per
 * device). {@link #run(RunRequest)} always returns a reply; native crashes and hangs become error
 * replies of kind CRASH / TIMEOUT, and the next request transparently starts a fresh child.
 * Requests are serialized (one device, one job at a time). Thread-safe.
 */
public final class RunnerClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunnerClient.class);

    private final RunnerConfig config;
    private final AtomicLong ids = new AtomicLong(1);
    private RunnerProcess current;
    private int starts;
    private boolean closed;

    public RunnerClient(RunnerConfig config) {
        this.config = config;
    }

    /** A fresh request id (the client does not require callers to use these). */
    public long nextRequestId() {
        return ids.getAndIncrement();
    }

    /**
     * Runs {@code req} in the child, waiting at most {@code req.timeout_ms} (or the configured default)
     * for the reply; child start-up time is not counted.
     */
    public synchronized RunReply run(RunRequest req) throws InterruptedException {
        if (closed) {
            return error(req, ErrorKind.ERROR_KIND_UNAVAILABLE, "runner client " + config.name() + " is closed");
        }
        if (current == null || !current.isUsable()) {
            if (current != null) {
                current.close();
                log.info("restarting runner {} (previous pid {} is gone)", config.name(), current.pid());
            }
            current = null;
            try {
                starts++;
                current = RunnerProcess.start(config);
            } catch (RunnerProcess.StartException e) {
                return RunReply.newBuilder()
                        .setRequestId(req.getRequestId())
                        .setError(e.error())
                        .build();
            }
        }
        Duration timeout = req.getTimeoutMs() > 0 ? Duration.ofMillis(req.getTimeoutMs()) : config.defaultJobTimeout();
        return current.call(req, timeout);
    }

    /** Starts the child now if it is not running (e.g. to learn the runtime version early). */
    public synchronized Optional<RunnerHello> ensureStarted() throws InterruptedException {
        if (closed) return Optional.empty();
        if (current == null || !current.isUsable()) {
            if (current != null) current.close();
            current = null;
            try {
                starts++;
                current = RunnerProcess.start(config);
            } catch (RunnerProcess.StartException e) {
                log.warn("runner {} failed to start: {}", config.name(), e.getMessage());
                return Optional.empty();
            }
        }
        return Optional.of(current.hello());
    }

    /** Pid of the current child, if one is running. */
    public synchronized Optional<Long> pid() {
        return current != null && current.isUsable() ? Optional.of(current.pid()) : Optional.empty();
    }

    /** How many children were started so far (1 + restarts). */
    public synchronized int starts() {
        return starts;
    }

    public RunnerConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (current != null) {
            current.close();
            current = null;
        }
    }

    private static RunReply error(RunRequest req, ErrorKind kind, String message) {
        return RunReply.newBuilder()
                .setRequestId(req.getRequestId())
                .setError(RunError.newBuilder().setKind(kind).setMessage(message))
                .build();
    }
}
