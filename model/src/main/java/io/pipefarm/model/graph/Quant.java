package io.pipefarm.model.graph;

import java.util.Arrays;

/**
 * Affine quantisation: real = scale * (q - zeroPoint). Per-tensor when there is one scale,
 * per-channel along {@code axis} otherwise. Arrays are copied in and out: the value is immutable.
 */
public final class Quant {
    private final float[] scales;
    private final long[] zeroPoints;
    private final int axis;

    public Quant(float[] scales, long[] zeroPoints, int axis) {
        if (scales.length == 0 || scales.length != zeroPoints.length) {
            throw new IllegalArgumentException("quantisation needs as many zero points as scales (>= 1)");
        }
        this.scales = scales.clone();
        this.zeroPoints = zeroPoints.clone();
        this.axis = axis;
    }

    public static Quant perTensor(float scale, long zeroPoint) {
        return new Quant(new float[] {scale}, new long[] {zeroPoint}, 0);
    }

    public float[] scales() {
        return scales.clone();
    }

    public long[] zeroPoints() {
        return zeroPoints.clone();
    }

    public float scale(int i) {
        return scales[i];
    }

    public long zeroPoint(int i) {
        return zeroPoints[i];
    }

    public int count() {
        return scales.length;
    }

    public int axis() {
        return axis;
    }

    public boolean perChannel() {
        return scales.length > 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quant q
                && axis == q.axis
                && Arrays.equals(scales, q.scales)
                && Arrays.equals(zeroPoints, q.zeroPoints);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(scales) + Arrays.hashCode(zeroPoints) + axis;
    }

    @Override
    public String toString() {
        return perChannel()
                ? "Quant[per-channel x" + scales.length + " axis " + axis + "]"
                : "Quant[scale " + scales[0] + " zp " + zeroPoints[0] + "]";
    }
}
