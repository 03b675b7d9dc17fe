package io.pipefarm.model.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor of a {@link Graph}: an activation (no data) or a constant (weights, biases, shape
 * parameters). {@code data} is shared, never copied: callers must not modify it. {@code quant} may be
 * null for unquantised tensors (e.g. int32 shape or axis constants).
 */
public record Tensor(int id, String name, DType type, int[] shape, Quant quant, byte[] data) {

    public Tensor {
        if (name == null || type == null || shape == null)
            throw new IllegalArgumentException("tensor needs name, type, shape");
        shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor " + name + " has a negative dimension");
            n *= d;
        }
        // The record's fields are not assigned yet inside the compact constructor: count from the parameter.
        if (data != null && data.length != n * type.bytes()) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.length + " data bytes for shape "
                    + Arrays.toString(shape) + " of " + type);
        }
    }

    public boolean isConstant() {
        return data != null;
    }

    public long elements() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public long byteSize() {
        return elements() * type.bytes();
    }

    /** Dimension {@code i}, counting from the end when negative. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Same tensor under another id (used when slicing a graph). */
    public Tensor withId(int newId) {
        return new Tensor(newId, name, type, shape, quant, data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && id == t.id
                && name.equals(t.name)
                && type == t.type
                && Arrays.equals(shape, t.shape)
                && Objects.equals(quant, t.quant)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * id + name.hashCode();
    }

    @Override
    public String toString() {
        return "Tensor[" + id + " " + name + " " + type + Arrays.toString(shape) + (isConstant() ? " const" : "") + "]";
    }
}
