package io.pipefarm.coordinator.partition;

import io.pipefarm.model.device.DeviceKind;
import io.pipefarm.model.device.DeviceKind.Link;

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
 * @param hybridError             hybrid: the predictor's relative error it assumes before it has profiled anything
 *                                (it grows to the error seen on the model's profiled segments); callers that know
 *                                the predictor's held-out error pass it here (default 2 %)
 */
public record PartitionConfig(
        long onChipCacheBytes,
        double linkBytesPerSec,
        double compileSecondsPerSegment,
        int warmupRuns,
        int timedRuns,
        long diffThresholdNs,
        int searchStep,
        int hybridCandidates,
        int hybridRounds,
        boolean hybridCalibrate,
        long seed,
        double hybridError) {

    public static final long MIB = 1024L * 1024L;
    /** 7.625 MiB, the usable parameter cache the compiler reports. */
    public static final long DEFAULT_CACHE_BYTES = 7_995_392L;
    /** The hybrid's prior relative error of a predictor of unknown accuracy. */
    public static final double DEFAULT_HYBRID_ERROR = 0.02;

    public PartitionConfig {
        if (onChipCacheBytes < 0) throw new IllegalArgumentException("onChipCacheBytes must be >= 0");
        if (!(linkBytesPerSec > 0)) throw new IllegalArgumentException("linkBytesPerSec must be > 0");
        if (!(compileSecondsPerSegment >= 0))
            throw new IllegalArgumentException("compileSecondsPerSegment must be >= 0");
        if (warmupRuns < 0 || timedRuns < 1)
            throw new IllegalArgumentException("need warmupRuns >= 0 and timedRuns >= 1");
        if (diffThresholdNs < 1) throw new IllegalArgumentException("diffThresholdNs must be >= 1");
        if (searchStep < 1) throw new IllegalArgumentException("searchStep must be >= 1");
        if (hybridCandidates < 1) throw new IllegalArgumentException("hybridCandidates must be >= 1");
        if (hybridRounds < 1) throw new IllegalArgumentException("hybridRounds must be >= 1");
        if (!(hybridError >= 0 && hybridError < 1)) throw new IllegalArgumentException("hybridError must be in [0, 1)");
    }

    /** Defaults for a device kind: link rate by its link (USB unless PCIe), everything else as Coral's tools. */
    public static PartitionConfig forKind(String kind) {
        boolean pcie = DeviceKind.tryParse(kind).flatMap(DeviceKind::link).orElse(Link.USB) == Link.PCIE;
        double link = pcie ? 430.0e6 : 300.0e6;
        return new PartitionConfig(
                DEFAULT_CACHE_BYTES, link, 2.0, 1, 10, 1_000_000L, 1, 8, 2, true, 1L, DEFAULT_HYBRID_ERROR);
    }

    /**
     * The hybrid's prior error for a predictor with this held-out MAPE (percent): about the 95th percentile of
     * its absolute percentage errors when they are roughly half-normal (p95 ~ 2.5 x mean), within [0.5 %, 50 %].
     */
    public static double hybridErrorFromMape(double mapePercent) {
        if (!(mapePercent >= 0)) return DEFAULT_HYBRID_ERROR;
        return Math.min(0.5, Math.max(0.005, 2.5 * mapePercent / 100));
    }

    public static PartitionConfig defaults() {
        return forKind("edgetpu-usb");
    }

    public PartitionConfig withHybrid(int candidates, int rounds) {
        return new PartitionConfig(
                onChipCacheBytes,
                linkBytesPerSec,
                compileSecondsPerSegment,
                warmupRuns,
                timedRuns,
                diffThresholdNs,
                searchStep,
                candidates,
                rounds,
                hybridCalibrate,
                seed,
                hybridError);
    }

    public PartitionConfig withHybridError(double e) {
        return new PartitionConfig(
                onChipCacheBytes,
                linkBytesPerSec,
                compileSecondsPerSegment,
                warmupRuns,
                timedRuns,
                diffThresholdNs,
                searchStep,
                hybridCandidates,
                hybridRounds,
                hybridCalibrate,
                seed,
                e);
    }

    public PartitionConfig withSeed(long s) {
        return new PartitionConfig(
                onChipCacheBytes,
                linkBytesPerSec,
                compileSecondsPerSegment,
                warmupRuns,
                timedRuns,
                diffThresholdNs,
                searchStep,
                hybridCandidates,
                hybridRounds,
                hybridCalibrate,
                s,
                hybridError);
    }

    public PartitionConfig withCompileSeconds(double s) {
        return new PartitionConfig(
                onChipCacheBytes,
                linkBytesPerSec,
                s,
                warmupRuns,
                timedRuns,
                diffThresholdNs,
                searchStep,
                hybridCandidates,
                hybridRounds,
                hybridCalibrate,
                seed,
                hybridError);
    }

    public PartitionConfig withDiffThresholdNs(long d) {
        return new PartitionConfig(
                onChipCacheBytes,
                linkBytesPerSec,
                compileSecondsPerSegment,
                warmupRuns,
                timedRuns,
                d,
                searchStep,
                hybridCandidates,
                hybridRounds,
                hybridCalibrate,
                seed,
                hybridError);
    }

    public PartitionConfig withCacheBytes(long b) {
        return new PartitionConfig(
                b,
                linkBytesPerSec,
                compileSecondsPerSegment,
                warmupRuns,
                timedRuns,
                diffThresholdNs,
                searchStep,
                hybridCandidates,
                hybridRounds,
                hybridCalibrate,
                seed,
                hybridError);
    }
}
