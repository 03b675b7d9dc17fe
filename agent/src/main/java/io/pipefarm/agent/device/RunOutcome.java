package io.pipefarm.agent.device;

import io.pipefarm.proto.farm.ErrorKind;
import java.util.Map;

/** What running one segment under a profile spec gave: timed samples, or an error of a known kind. */
public sealed interface RunOutcome {

    /** Per-invocation latencies in nanoseconds, in order, plus the runtime versions in effect. */
    record Measured(long[] samplesNs, Map<String, String> versions) implements RunOutcome {
        public Measured {
            if (samplesNs.length == 0) throw new IllegalArgumentException("a measurement needs at least one sample");
            samplesNs = samplesNs.clone();
            versions = Map.copyOf(versions);
        }
        @Override public long[] samplesNs() { return samplesNs.clone(); }
    }

    record Failed(ErrorKind kind, String message) implements RunOutcome {}
}
