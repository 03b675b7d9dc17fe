package io.pipefarm.coordinator.partition;

import java.util.Locale;

/**
 * Parameters of a partition search. Defaults follow Coral's tools and the published Edge TPU figures
 * ({@code reference/edgetpu.md}, {@code reference/coral-partitioner.md}).
 *
 * @param onChipCacheBytes        parameter cache of one Edge TPU (7.625 MiB)
 * @param linkBytesPerSec         host link rate used for crossing tensors when the cost source does not
 *                                include transfers (USB 3 effective ~300 MB/s; PCIe Gen2 x1 ~430 MB/s)
 * @param compileSecondsPerSegment modelled {@code edgetpu_compiler} time per profiled segment
 * @param warmupRuns              warm-up invokes per profiled segment (Coral: 1)
 * @param timedRuns               timed invokes per profiled segment (Coral: 10)
 * @param diffThresholdNs         Coral's {@code --diff_threshold_ns} (bisection stops below it)
 * @param searchStep              Coral's {@code --partition_search_step} (ops moved per step)
 * @param hybridCandidates        M: candidates the hybrid method verifies per round
 * @param hybridRounds            verification rounds of the hybrid method (1 = no iteration)
 * @param hybridCalibrate         between rounds, scale unmeasured predictions by the median measured/predicted ratio
 * @param seed                    seed of the random method
 * @param hybridSlack             hybrid: verify only candidates whose (current) bottleneck is within this
 *                                fraction of the best candidate's; 0 = only ties (default)
 */
public record PartitionConfig(long onChipCacheBytes, double linkBytesPerSec, double compileSecondsPerSegment,
                              int warmupRuns, int timedRuns, long diffThresholdNs, int searchStep,
                              int hybridCandidates, int hybridRounds, boolean hybridCalibrate, long seed,
                              double hybridSlack) {

    public static final long MIB = 1024L * 1024L;
    /** 7.625 MiB, the usable parameter cache the compiler reports. */
    public static final long DEFAULT_CACHE_BYTES = 7_995_392L;

    public PartitionConfig {
        if (onChipCacheBytes < 0) throw new IllegalArgumentException("onChipCacheBytes must be >= 0");
        if (!(linkBytesPerSec > 0)) throw new IllegalArgumentException("linkBytesPerSec must be > 0");
        if (!(compileSecondsPerSegment >= 0)) throw new IllegalArgumentException("compileSecondsPerSegment must be >= 0");
        if (warmupRuns < 0 || timedRuns < 1) throw new IllegalArgumentException("need warmupRuns >= 0 and timedRuns >= 1");
        if (diffThresholdNs < 1) throw new IllegalArgumentException("diffThresholdNs must be >= 1");
        if (searchStep < 1) throw new IllegalArgumentException("searchStep must be >= 1");
        if (hybridCandidates < 1) throw new IllegalArgumentException("hybridCandidates must be >= 1");
        if (hybridRounds < 1) throw new IllegalArgumentException("hybridRounds must be >= 1");
        if (!(hybridSlack >= 0)) throw new IllegalArgumentException("hybridSlack must be >= 0");
    }

    /** Defaults for a device kind: link rate by its name (usb / pci), everything else as Coral's tools. */
    public static PartitionConfig forKind(String kind) {
        String k = kind == null ? "" : kind.toLowerCase(Locale.ROOT);
        double link = k.contains("pci") ? 430.0e6 : 300.0e6;
        return new PartitionConfig(DEFAULT_CACHE_BYTES, link, 2.0, 1, 10, 1_000_000L, 1, 8, 2, true, 1L, 0.0);
    }

    public static PartitionConfig defaults() { return forKind("edgetpu-usb"); }

    public PartitionConfig withHybrid(int candidates, int rounds) {
        return new PartitionConfig(onChipCacheBytes, linkBytesPerSec, compileSecondsPerSegment, warmupRuns, timedRuns,
                diffThresholdNs, searchStep, candidates, rounds, hybridCalibrate, seed, hybridSlack);
    }

    public PartitionConfig withHybridSlack(double slack) {
        return new PartitionConfig(onChipCacheBytes, linkBytesPerSec, compileSecondsPerSegment, warmupRuns, timedRuns,
                diffThresholdNs, searchStep, hybridCandidates, hybridRounds, hybridCalibrate, seed, slack);
    }

    public PartitionConfig withSeed(long s) {
        return new PartitionConfig(onChipCacheBytes, linkBytesPerSec, compileSecondsPerSegment, warmupRuns, timedRuns,
                diffThresholdNs, searchStep, hybridCandidates, hybridRounds, hybridCalibrate, s, hybridSlack);
    }

    public PartitionConfig withCompileSeconds(double s) {
        return new PartitionConfig(onChipCacheBytes, linkBytesPerSec, s, warmupRuns, timedRuns,
                diffThresholdNs, searchStep, hybridCandidates, hybridRounds, hybridCalibrate, seed, hybridSlack);
    }

    public PartitionConfig withDiffThresholdNs(long d) {
        return new PartitionConfig(onChipCacheBytes, linkBytesPerSec, compileSecondsPerSegment, warmupRuns, timedRuns,
                d, searchStep, hybridCandidates, hybridRounds, hybridCalibrate, seed, hybridSlack);
    }

    public PartitionConfig withCacheBytes(long b) {
        return new PartitionConfig(b, linkBytesPerSec, compileSecondsPerSegment, warmupRuns, timedRuns,
                diffThresholdNs, searchStep, hybridCandidates, hybridRounds, hybridCalibrate, seed, hybridSlack);
    }
}
