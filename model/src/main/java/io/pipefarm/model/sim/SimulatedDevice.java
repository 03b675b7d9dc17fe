package io.pipefarm.model.sim;

import io.pipefarm.model.graph.Graph;
import java.util.Objects;

/**
 * One simulated Edge TPU with state: it remembers which model ran last, so that running a different
 * model first reloads the parameter cache (multi-tenant swapping), and it numbers its runs so that
 * samples are deterministic for a given seed and history. A fresh device has nothing loaded: its first
 * run pays the load like a real device's first (warm-up) invoke. Thread-safe (runs are serialised like
 * invokes on one physical device).
 */
public final class SimulatedDevice {
    private final String id;
    private final EdgeTpuSimulator simulator;
    private String loadedModelKey;
    private long runs;
    private long busyNanos;

    public SimulatedDevice(String id, EdgeTpuSimulator simulator) {
        this.id = Objects.requireNonNull(id, "id");
        this.simulator = Objects.requireNonNull(simulator, "simulator");
    }

    public SimulatedDevice(String id, EdgeTpuSimConfig config) {
        this(id, new EdgeTpuSimulator(config));
    }

    public String id() {
        return id;
    }

    public String deviceKind() {
        return simulator.deviceKind();
    }

    public EdgeTpuSimulator simulator() {
        return simulator;
    }

    /** Runs {@code segment} once under the key {@link EdgeTpuSimulator#modelKey(Graph)}; returns its simulated time. */
    public long run(Graph segment) {
        return run(segment, simulator.keyOf(segment));
    }

    /** Runs {@code segment} once under {@code modelKey} (e.g. the segment blob's SHA-256); returns nanoseconds. */
    public synchronized long run(Graph segment, String modelKey) {
        Objects.requireNonNull(modelKey, "modelKey");
        boolean reload = !modelKey.equals(loadedModelKey);
        long ns = simulator.sample(segment, modelKey, runs++, reload);
        loadedModelKey = modelKey;
        busyNanos += ns;
        return ns;
    }

    /** Key of the model whose parameters are in the cache, or null when nothing ran yet. */
    public synchronized String loadedModelKey() {
        return loadedModelKey;
    }

    /** Runs so far (the next run's index). */
    public synchronized long runCount() {
        return runs;
    }

    /** Sum of the simulated times of all runs. */
    public synchronized long busyNanos() {
        return busyNanos;
    }

    /** Forgets the loaded model (as after a device reset); run numbering continues. */
    public synchronized void unload() {
        loadedModelKey = null;
    }
}
