package io.pipefarm.agent.edgetpu;

import io.pipefarm.model.graph.DType;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.graph.Op;
import io.pipefarm.model.graph.OpOptions;
import io.pipefarm.model.graph.OpType;
import io.pipefarm.model.graph.Quant;
import io.pipefarm.model.graph.Tensor;
import io.pipefarm.model.tflite.TfliteWriter;
import java.util.List;

/** Test models shaped like edgetpu_compiler output: one edgetpu-custom-op (the executable is fake). */
public final class CompiledModels {
    private CompiledModels() {}

    /** input [1,8] int8 -> edgetpu-custom-op -> [1,8]; the custom options stand in for the executable. */
    public static byte[] compiledSegment() {
        Quant q = Quant.perTensor(0.05f, 0);
        List<Tensor> ts = List.of(
                new Tensor(0, "x", DType.INT8, new int[] {1, 8}, q, null),
                new Tensor(1, "y", DType.INT8, new int[] {1, 8}, q, null));
        byte[] executable = new byte[64];
        for (int i = 0; i < executable.length; i++) executable[i] = (byte) (i * 7);
        List<Op> ops = List.of(new Op(
                0,
                OpType.OPAQUE,
                new int[] {0},
                new int[] {1},
                new OpOptions.Opaque(32, EdgeTpuSegments.CUSTOM_OP, 1, 0, null, executable),
                1));
        return new TfliteWriter().write(new Graph("seg_edgetpu", ts, ops, new int[] {0}, new int[] {1}));
    }
}
