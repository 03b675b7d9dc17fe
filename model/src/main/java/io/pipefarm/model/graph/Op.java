package io.pipefarm.model.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * One operator at position {@code index} of its graph's fixed order. {@code inputs} and
 * {@code outputs} are tensor ids; an input of -1 marks an absent optional input (TFLite's convention).
 * {@code version} is the operator version written to / read from TFLite's operator codes.
 */
public record Op(int index, OpType type, int[] inputs, int[] outputs, OpOptions options, int version) {

    public Op {
        Objects.requireNonNull(type, "op type");
        Objects.requireNonNull(options, "op options");
        inputs = inputs.clone();
        outputs = outputs.clone();
    }

    @Override
    public int[] inputs() {
        return inputs.clone();
    }

    @Override
    public int[] outputs() {
        return outputs.clone();
    }

    public int input(int i) {
        return inputs[i];
    }

    public int output(int i) {
        return outputs[i];
    }

    public int inputCount() {
        return inputs.length;
    }

    public int outputCount() {
        return outputs.length;
    }

    /** A readable label: the op type, or the custom/builtin code of an opaque op. */
    public String label() {
        return options instanceof OpOptions.Opaque o ? o.label() : type.shortName();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Op p
                && index == p.index
                && type == p.type
                && version == p.version
                && Arrays.equals(inputs, p.inputs)
                && Arrays.equals(outputs, p.outputs)
                && options.equals(p.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, type, Arrays.hashCode(inputs), Arrays.hashCode(outputs));
    }

    @Override
    public String toString() {
        return "Op[" + index + " " + label() + " in" + Arrays.toString(inputs) + " out" + Arrays.toString(outputs)
                + "]";
    }
}
