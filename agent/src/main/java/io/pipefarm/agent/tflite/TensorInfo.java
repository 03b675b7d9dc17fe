package io.pipefarm.agent.tflite;

import java.util.List;

/**
 * Descriptor of an interpreter input or output tensor.
 *
 * @param index     position among the interpreter's inputs (or outputs)
 * @param name      tensor name from the model
 * @param type      element type
 * @param shape     dimensions (immutable)
 * @param byteSize  bytes of the tensor's data
 * @param scale     per-tensor quantization scale (0 if not quantized)
 * @param zeroPoint per-tensor quantization zero point
 */
public record TensorInfo(
        int index, String name, TensorType type, List<Integer> shape, long byteSize, float scale, int zeroPoint) {
    public TensorInfo {
        shape = List.copyOf(shape);
        name = name == null ? "" : name;
    }

    /** Number of elements (product of the shape; 1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
