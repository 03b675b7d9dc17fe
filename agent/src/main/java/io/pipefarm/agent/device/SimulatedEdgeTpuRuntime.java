package io.pipefarm.agent.device;

import io.pipefarm.agent.profile.ProfileStatistics;
import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.device.DeviceKind.Link;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.sim.EdgeTpuSimConfig;
import io.pipefarm.model.sim.SimulatedDevice;
import io.pipefarm.model.tflite.TfliteFormatException;
import io.pipefarm.model.tflite.TfliteReader;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Simulated Edge TPUs (kinds {@code sim-edgetpu-usb} / {@code sim-edgetpu-pci}): a device kind of
 * their own, never reported as real hardware. Each device reads the segment .tflite, times it with
 * the calibrated model of {@link io.pipefarm.model.sim.EdgeTpuSimulator}, and (with a time scale
 * above 0) also occupies wall time in proportion, so a farm of simulated devices paces like one with
 * hardware.
 */
public final class SimulatedEdgeTpuRuntime implements DeviceRuntime {
    private final List<DeviceInfo> devices = new ArrayList<>();
    private final Map<String, SimulatedDevice> sims = new ConcurrentHashMap<>();
    private final double timeScale;

    /**
     * @param kinds one entry per device, e.g. {@code ["sim-edgetpu-usb", "sim-edgetpu-usb", "sim-edgetpu-pci"]}
     * @param timeScale wall time spent per simulated second (0 = as fast as possible)
     */
    public SimulatedEdgeTpuRuntime(List<String> kinds, double timeScale) {
        if (timeScale < 0) throw new IllegalArgumentException("time scale must be >= 0");
        this.timeScale = timeScale;
        int i = 0;
        for (String kind : kinds) {
            DeviceKind k = DeviceKind.parse(kind);
            if (!k.isSimulated()) {
                throw new IllegalArgumentException(
                        "'" + kind + "' is not a simulated Edge TPU kind (use sim-edgetpu-usb or sim-edgetpu-pci)");
            }
            EdgeTpuSimConfig cfg = EdgeTpuSimConfig.forKind(k.name());
            String id = "sim" + i++;
            sims.put(id, new SimulatedDevice(id, cfg));
            devices.add(new DeviceInfo(
                    id,
                    k.name(),
                    name(),
                    Map.of("simulator", "pipefarm-edgetpu-sim-1"),
                    Map.of("simulated", "true", "link", k.link().orElseThrow() == Link.USB ? "usb3" : "pcie-gen2-x1")));
        }
    }

    @Override
    public String name() {
        return "sim-edgetpu";
    }

    @Override
    public List<DeviceInfo> discover() {
        return List.copyOf(devices);
    }

    @Override
    public RunOutcome profile(DeviceInfo device, String segmentKey, byte[] segment, ProfileSpec spec) {
        SimulatedDevice sim = sims.get(device.id());
        if (sim == null)
            return new RunOutcome.Failed(ErrorKind.ERROR_KIND_UNAVAILABLE, "no simulated device " + device.id());
        Graph g;
        try {
            g = TfliteReader.read(segment);
        } catch (TfliteFormatException e) {
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_BAD_INPUT, "segment " + segmentKey + ": " + e.getMessage());
        }
        if (!g.opaqueOps().isEmpty()) {
            return new RunOutcome.Failed(
                    ErrorKind.ERROR_KIND_LOAD,
                    "segment " + segmentKey + " has ops the simulator cannot model: "
                            + g.opaqueOps().stream()
                                    .map(o -> o.label())
                                    .distinct()
                                    .toList());
        }
        long simulated = 0;
        for (int w = 0; w < Math.max(0, spec.getWarmupRuns()); w++) simulated += sim.run(g, segmentKey);
        int min = Math.max(1, spec.getTimedRuns());
        int max = spec.getTargetRelError() > 0
                ? Math.max(min, spec.getMaxRuns() > 0 ? spec.getMaxRuns() : 10 * min)
                : min;
        long budgetNs = spec.getTimeBudgetMs() > 0 ? spec.getTimeBudgetMs() * 1_000_000L : Long.MAX_VALUE;
        long[] samples = new long[max];
        int n = 0;
        while (n < max) {
            samples[n] = sim.run(g, segmentKey);
            simulated += samples[n];
            n++;
            if (n >= min
                    && (spec.getTargetRelError() <= 0
                            || ProfileStatistics.relativeHalfWidth(samples, n) <= spec.getTargetRelError())) break;
            if (simulated >= budgetNs) break;
        }
        if (timeScale > 0) LockSupport.parkNanos((long) (simulated * timeScale));
        return new RunOutcome.Measured(Arrays.copyOf(samples, n), device.versions());
    }
}
