package io.pipefarm.agent.device;

import io.pipefarm.proto.farm.ErrorKind;
import java.util.Map;

/** What running one segment under a profile spec gave: timed samples, or an error of a known kind. */
public sealed interface RunOutcome {

    /**
     * Per-invocation latencies in nanoseconds, in order, plus the runtime versions in effect; and, where the runtime
     * measures it, each invocation's CPU time on the thread that ran it (same order; empty otherwise).
     */
    record Measured(long[] samplesNs, Map<String, String> versions, long[] threadCpuNs) implements RunOutcome {
        public Measured {
            if (samplesNs.length == 0) throw new IllegalArgumentException("a measurement needs at least one sample");
            if (threadCpuNs.length != 0 && threadCpuNs.length != samplesNs.length) {
                throw new IllegalArgumentException(
                        threadCpuNs.length + " thread CPU times for " + samplesNs.length + " samples");
            }
            samplesNs = samplesNs.clone();
            versions = Map.copyOf(versions);
            threadCpuNs = threadCpuNs.clone();
        }

        public Measured(long[] samplesNs, Map<String, String> versions) {
            this(samplesNs, versions, new long[0]);
        }

        @Override
        public long[] samplesNs() {
            return samplesNs.clone();
        }

        @Override
        public long[] threadCpuNs() {
            return threadCpuNs.clone();
        }
    }

    record Failed(ErrorKind kind, String message) implements RunOutcome {}
}
