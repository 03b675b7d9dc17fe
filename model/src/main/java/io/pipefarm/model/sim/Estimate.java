package io.pipefarm.model.sim;

import io.pipefarm.model.graph.OpType;
import java.util.List;

/**
 * The noise-free latency of one invoke of a segment on a simulated Edge TPU, with its parts.
 * {@code latencyNs = invokeOverheadNs + transferNs + opOverheadNs + opsNs + spillNs}, where
 * {@code opsNs} sums per op the larger of its compute and its parameter streaming (they overlap), so
 * {@code opsNs >= computeNs} and {@code opsNs >= streamNs}.
 *
 * @param deviceKind          the simulated device kind
 * @param latencyNs           total time of one warm invoke (parameters cached, no model switch)
 * @param computeNs           sum of the ops' compute times
 * @param streamNs            sum of the ops' parameter streaming times (0 when everything is cached)
 * @param opsNs               sum over ops of max(compute, stream)
 * @param opOverheadNs        per-op fixed costs
 * @param invokeOverheadNs    per-invoke fixed cost
 * @param spillNs             fixed cost of host-memory streaming (0 when nothing streams)
 * @param transferNs          input and output tensors over the link
 * @param onChipParamBytes    parameter bytes held in the parameter cache
 * @param streamedParamBytes  parameter bytes streamed from host memory on every invoke
 * @param inputBytes          bytes of the segment's input tensors
 * @param outputBytes         bytes of the segment's output tensors
 * @param macs                multiply-accumulates of all ops
 * @param hostOps             ops run on the host CPU (from the first op the Edge TPU cannot run onwards)
 * @param ops                 per-op breakdown, in execution order
 */
public record Estimate(
        String deviceKind,
        long latencyNs,
        long computeNs,
        long streamNs,
        long opsNs,
        long opOverheadNs,
        long invokeOverheadNs,
        long spillNs,
        long transferNs,
        long onChipParamBytes,
        long streamedParamBytes,
        long inputBytes,
        long outputBytes,
        long macs,
        int hostOps,
        List<OpEstimate> ops) {

    public Estimate {
        ops = List.copyOf(ops);
    }

    /** Input plus output bytes sent over the link per invoke. */
    public long transferBytes() {
        return inputBytes + outputBytes;
    }

    /** All parameter bytes (cached plus streamed). */
    public long paramBytes() {
        return onChipParamBytes + streamedParamBytes;
    }

    /** Fixed costs: per invoke, per op, and the streaming setup. */
    public long overheadNs() {
        return invokeOverheadNs + opOverheadNs + spillNs;
    }

    public double latencyMillis() {
        return latencyNs / 1e6;
    }

    /** True when every parameter fits in the cache. */
    public boolean fitsOnChip() {
        return streamedParamBytes == 0;
    }

    /**
     * One op of the estimate.
     *
     * @param index              op position in the segment
     * @param type               op type
     * @param macs               multiply-accumulates
     * @param utilisation        achieved fraction of the peak (0 for ops not timed by MACs)
     * @param computeNs          compute time
     * @param onChipParamBytes   bytes of its constant inputs in the cache (first use only)
     * @param streamedParamBytes bytes of its constant inputs streamed on every invoke (first use only)
     * @param streamNs           streaming time of those bytes
     * @param onHost             true when the op runs on the host CPU
     */
    public record OpEstimate(
            int index,
            OpType type,
            long macs,
            double utilisation,
            long computeNs,
            long onChipParamBytes,
            long streamedParamBytes,
            long streamNs,
            boolean onHost) {
        /** The op's contribution to the latency, without its fixed per-op cost. */
        public long timeNs() {
            return Math.max(computeNs, streamNs);
        }
    }
}
