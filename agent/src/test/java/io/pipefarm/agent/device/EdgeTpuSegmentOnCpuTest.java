package io.pipefarm.agent.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteWriter;
import io.pipefarm.model.zoo.ModelZoo;
import io.pipefarm.proto.farm.ErrorKind;
import io.pipefarm.proto.farm.ProfileSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A segment compiled for the Edge TPU, sent to a CPU kind, fails with a clear bad-input error. */
class EdgeTpuSegmentOnCpuTest {

    @Test
    void cpuDeviceRefusesAnEdgeTpuSegment() {
        Graph base = ModelZoo.fc(64, 32, 2);
        List<Tensor> ts = new ArrayList<>(base.tensors());
        int out = base.outputs()[0];
        Tensor o = base.tensor(out);
        ts.add(new Tensor(ts.size(), "tpu_out", o.type(), o.shape(), o.quant(), null));
        List<Op> ops = new ArrayList<>();
        ops.add(new Op(
                0,
                OpType.OPAQUE,
                base.inputs(),
                new int[] {ts.size() - 1},
                new OpOptions.Opaque(32, "edgetpu-custom-op", 1, 0, null, new byte[] {1, 2, 3}),
                1));
        Graph compiled = new Graph("compiled", ts, ops, base.inputs(), new int[] {ts.size() - 1});
        byte[] bytes = new TfliteWriter().write(compiled);
        try (TfliteCpuRuntime cpu = new TfliteCpuRuntime()) {
            List<DeviceInfo> devices = cpu.discover();
            assertTrue(!devices.isEmpty(), "the TFLite CPU runtime is available here");
            RunOutcome r = cpu.profile(
                    devices.get(0),
                    "k",
                    bytes,
                    ProfileSpec.newBuilder().setWarmupRuns(1).setTimedRuns(2).build());
            RunOutcome.Failed f = assertInstanceOf(RunOutcome.Failed.class, r);
            assertEquals(ErrorKind.ERROR_KIND_BAD_INPUT, f.kind());
            assertTrue(f.message().contains("compiled for the Edge TPU"), f.message());
        }
    }
}
