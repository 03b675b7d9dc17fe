package io.pipefarm.coordinator.partition.service;

import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.Partition;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.proto.partition.PartitionDescriptor;
import io.pipefarm.proto.partition.SearchCost;
import io.pipefarm.proto.partition.Stage;
import java.io.IOException;
import java.util.List;

/**
 * A {@link PartitionResult} as a {@link PartitionDescriptor} (protobuf, partition.pb) and as its JSON
 * twin {@link Partition} (partition.json, the API's descriptor): the same fields, snake_case names.
 */
public final class Descriptors {
    private Descriptors() {}

    /** Coral's segment file name: {@code <model>_segment_<i>_of_<k>.tflite} (unsafe characters as '_'). */
    public static String segmentFileName(String model, int i, int k) {
        return model.replaceAll("[^A-Za-z0-9_.-]", "_") + "_segment_" + i + "_of_" + k + ".tflite";
    }

    /**
     * @param keys segment key per stage (or null / shorter: no keys)
     */
    public static PartitionDescriptor of(
            long id,
            String modelRef,
            int ops,
            PartitionResult r,
            String predictor,
            List<String> keys,
            long createdMs,
            long finishedMs) {
        PartitionDescriptor.Builder b = PartitionDescriptor.newBuilder()
                .setId(id)
                .setModel(r.model())
                .setModelRef(modelRef == null ? "" : modelRef)
                .setOps(ops)
                .setDeviceKind(r.deviceKind())
                .setMethod(r.method())
                .setObjectiveFrom(r.objectiveFrom())
                .setBottleneckNs(r.bottleneckNs())
                .setEndToEndNs(r.endToEndNs())
                .setThroughputPerS(r.throughputPerSec())
                .setPredictor(predictor == null ? "none" : predictor)
                .setCreatedEpochMs(createdMs)
                .setFinishedEpochMs(finishedMs);
        for (int c : r.cuts()) b.addCuts(c);
        int k = r.stageCount();
        for (PartitionResult.Stage s : r.stages()) {
            Stage.Builder sb = Stage.newBuilder()
                    .setIndex(s.index())
                    .setStart(s.start())
                    .setEnd(s.end())
                    .setPredictedNs(s.predictedNs())
                    .setMeasuredNs(s.measuredNs())
                    .setMeasuredBySearch(s.measuredBySearch())
                    .setParamBytes(s.paramBytes())
                    .setOnChipCacheBytes(s.cacheBytes())
                    .setInputBytes(s.inputBytes())
                    .setOutputBytes(s.outputBytes())
                    .setBytesAcrossCutAfter(s.cutBytesAfter())
                    .setFile(segmentFileName(r.model(), s.index(), k));
            if (keys != null && s.index() < keys.size()) sb.setSegmentKey(keys.get(s.index()));
            b.addStages(sb);
        }
        PartitionResult.SearchCost c = r.cost();
        b.setSearchCost(SearchCost.newBuilder()
                .setSegmentsProfiled(c.segmentsProfiled())
                .setProbes(c.probes())
                .setDeviceTimeNs(c.deviceTimeNs())
                .setComputeNs(c.computeNs())
                .setCandidates(c.candidates())
                .setRounds(c.rounds()));
        return b.build();
    }

    /** The descriptor back as a result (for charts). */
    public static PartitionResult result(PartitionDescriptor d) {
        List<PartitionResult.Stage> stages = d.getStagesList().stream()
                .map(s -> new PartitionResult.Stage(
                        s.getIndex(),
                        s.getStart(),
                        s.getEnd(),
                        s.getPredictedNs(),
                        s.getMeasuredNs(),
                        s.getMeasuredBySearch(),
                        s.getParamBytes(),
                        s.getOnChipCacheBytes(),
                        s.getInputBytes(),
                        s.getOutputBytes(),
                        s.getBytesAcrossCutAfter()))
                .toList();
        SearchCost c = d.getSearchCost();
        return new PartitionResult(
                d.getModel(),
                d.getMethod(),
                d.getDeviceKind(),
                d.getCutsList().stream().mapToInt(Integer::intValue).toArray(),
                stages,
                d.getObjectiveFrom(),
                d.getBottleneckNs(),
                d.getEndToEndNs(),
                new PartitionResult.SearchCost(
                        c.getSegmentsProfiled(),
                        c.getProbes(),
                        c.getDeviceTimeNs(),
                        c.getComputeNs(),
                        c.getCandidates(),
                        c.getRounds()));
    }

    /** The descriptor as the API's record (NaN latencies as null). */
    public static Partition record(PartitionDescriptor d) {
        List<Partition.Stage> stages = d.getStagesList().stream()
                .map(s -> new Partition.Stage(
                        s.getIndex(),
                        s.getStart(),
                        s.getEnd(),
                        known(s.getPredictedNs()),
                        known(s.getMeasuredNs()),
                        s.getMeasuredBySearch(),
                        s.getParamBytes(),
                        s.getOnChipCacheBytes(),
                        s.getInputBytes(),
                        s.getOutputBytes(),
                        s.getBytesAcrossCutAfter(),
                        s.getSegmentKey(),
                        s.getFile()))
                .toList();
        SearchCost c = d.getSearchCost();
        return new Partition(
                d.getId(),
                d.getModel(),
                d.getModelRef(),
                d.getOps(),
                d.getDeviceKind(),
                d.getMethod(),
                d.getCutsList(),
                d.getObjectiveFrom(),
                d.getBottleneckNs(),
                d.getEndToEndNs(),
                d.getThroughputPerS(),
                d.getPredictor(),
                stages,
                new Partition.SearchCost(
                        c.getSegmentsProfiled(),
                        c.getProbes(),
                        c.getDeviceTimeNs(),
                        c.getComputeNs(),
                        c.getCandidates(),
                        c.getRounds()),
                d.getCreatedEpochMs(),
                d.getFinishedEpochMs());
    }

    /** The record back as the protobuf descriptor (null latencies as NaN). */
    public static PartitionDescriptor proto(Partition p) {
        PartitionDescriptor.Builder b = PartitionDescriptor.newBuilder()
                .setId(p.id())
                .setModel(nz(p.model()))
                .setModelRef(nz(p.modelRef()))
                .setOps(p.ops())
                .setDeviceKind(nz(p.deviceKind()))
                .setMethod(nz(p.method()))
                .addAllCuts(p.cuts())
                .setObjectiveFrom(nz(p.objectiveFrom()))
                .setBottleneckNs(p.bottleneckNs())
                .setEndToEndNs(p.endToEndNs())
                .setThroughputPerS(p.throughputPerS())
                .setPredictor(nz(p.predictor()))
                .setCreatedEpochMs(p.createdEpochMs())
                .setFinishedEpochMs(p.finishedEpochMs());
        for (Partition.Stage s : p.stages()) {
            b.addStages(Stage.newBuilder()
                    .setIndex(s.index())
                    .setStart(s.start())
                    .setEnd(s.end())
                    .setPredictedNs(nan(s.predictedNs()))
                    .setMeasuredNs(nan(s.measuredNs()))
                    .setMeasuredBySearch(s.measuredBySearch())
                    .setParamBytes(s.paramBytes())
                    .setOnChipCacheBytes(s.onChipCacheBytes())
                    .setInputBytes(s.inputBytes())
                    .setOutputBytes(s.outputBytes())
                    .setBytesAcrossCutAfter(s.bytesAcrossCutAfter())
                    .setSegmentKey(nz(s.segmentKey()))
                    .setFile(nz(s.file())));
        }
        Partition.SearchCost c = p.searchCost();
        if (c != null) {
            b.setSearchCost(SearchCost.newBuilder()
                    .setSegmentsProfiled(c.segmentsProfiled())
                    .setProbes(c.probes())
                    .setDeviceTimeNs(c.deviceTimeNs())
                    .setComputeNs(c.computeNs())
                    .setCandidates(c.candidates())
                    .setRounds(c.rounds()));
        }
        return b.build();
    }

    /** The record back as a result (for charts and tables). */
    public static PartitionResult result(Partition p) {
        return result(proto(p));
    }

    /** partition.json: the descriptor's record, indented. */
    public static String json(PartitionDescriptor d) {
        return ApiJson.pretty(record(d));
    }

    /** partition.json text back as the descriptor. */
    public static PartitionDescriptor parseJson(String json) {
        try {
            return proto(ApiJson.read(json, Partition.class));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a partition descriptor: " + e.getMessage(), e);
        }
    }

    private static Double known(double ns) {
        return Double.isNaN(ns) ? null : ns;
    }

    private static double nan(Double ns) {
        return ns == null ? Double.NaN : ns;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
