package io.pipefarm.model.graph;

import java.util.Arrays;
import java.util.Objects;

/** The per-type attributes of an {@link Op}. Tensor-valued parameters (axes, paddings) are inputs. */
public sealed interface OpOptions {

    record Conv(int strideH, int strideW, int dilationH, int dilationW, Padding padding, Activation activation)
            implements OpOptions {}

    record DepthwiseConv(
            int strideH,
            int strideW,
            int dilationH,
            int dilationW,
            int depthMultiplier,
            Padding padding,
            Activation activation)
            implements OpOptions {}

    record Pool(int filterH, int filterW, int strideH, int strideW, Padding padding, Activation activation)
            implements OpOptions {}

    record FullyConnected(Activation activation, boolean keepNumDims) implements OpOptions {}

    /** ADD and MUL. */
    record Elementwise(Activation activation) implements OpOptions {}

    record Concat(int axis, Activation activation) implements OpOptions {}

    /** MEAN; the axes are a constant int32 input. */
    record Reduce(boolean keepDims) implements OpOptions {}

    record Reshape(int[] newShape) implements OpOptions {
        public Reshape {
            newShape = newShape.clone();
        }

        @Override
        public int[] newShape() {
            return newShape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reshape r && Arrays.equals(newShape, r.newShape);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(newShape);
        }
    }

    record Softmax(float beta) implements OpOptions {}

    /** Ops without attributes: PAD, LOGISTIC, TANH, SLICE, HARD_SWISH. */
    record None() implements OpOptions {}

    /**
     * An operator the IR does not know, kept verbatim: its builtin code (or custom code), its
     * version, and its options table as the raw flatbuffer bytes it was read from.
     */
    record Opaque(
            int builtinCode, String customCode, int version, int optionsType, byte[] rawOptions, byte[] customOptions)
            implements OpOptions {
        public String label() {
            return customCode != null && !customCode.isEmpty() ? "custom:" + customCode : "builtin:" + builtinCode;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Opaque p
                    && builtinCode == p.builtinCode
                    && version == p.version
                    && optionsType == p.optionsType
                    && Objects.equals(customCode, p.customCode)
                    && Arrays.equals(rawOptions, p.rawOptions)
                    && Arrays.equals(customOptions, p.customOptions);
        }

        @Override
        public int hashCode() {
            return builtinCode * 31 + Objects.hashCode(customCode);
        }
    }
}
