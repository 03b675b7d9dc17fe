package io.pipefarm.coordinator.partition.service;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.pipefarm.coordinator.partition.PartitionResult;
import io.pipefarm.proto.partition.PartitionDescriptor;
import io.pipefarm.proto.partition.SearchCost;
import io.pipefarm.proto.partition.Stage;
import java.util.List;

/** A {@link PartitionResult} as a {@link PartitionDescriptor} (protobuf), and that as JSON (snake_case field names). */
public final class Descriptors {
    private Descriptors() {}

    /** Coral's segment file name: {@code <model>_segment_<i>_of_<k>.tflite} (unsafe characters as '_'). */
    public static String segmentFileName(String model, int i, int k) {
        return model.replaceAll("[^A-Za-z0-9_.-]", "_") + "_segment_" + i + "_of_" + k + ".tflite";
    }

    /**
     * @param keys segment key per stage (or null / shorter: no keys)
     */
    public static PartitionDescriptor of(long id, String modelRef, int ops, PartitionResult r, String predictor,
                                         List<String> keys, long createdMs, long finishedMs) {
        PartitionDescriptor.Builder b = PartitionDescriptor.newBuilder()
                .setId(id).setModel(r.model()).setModelRef(modelRef == null ? "" : modelRef).setOps(ops)
                .setDeviceKind(r.deviceKind()).setMethod(r.method()).setObjectiveFrom(r.objectiveFrom())
                .setBottleneckNs(r.bottleneckNs()).setEndToEndNs(r.endToEndNs()).setThroughputPerS(r.throughputPerSec())
                .setPredictor(predictor == null ? "none" : predictor)
                .setCreatedEpochMs(createdMs).setFinishedEpochMs(finishedMs);
        for (int c : r.cuts()) b.addCuts(c);
        int k = r.stageCount();
        for (PartitionResult.Stage s : r.stages()) {
            Stage.Builder sb = Stage.newBuilder().setIndex(s.index()).setStart(s.start()).setEnd(s.end())
                    .setPredictedNs(s.predictedNs()).setMeasuredNs(s.measuredNs()).setMeasuredBySearch(s.measuredBySearch())
                    .setParamBytes(s.paramBytes()).setOnChipCacheBytes(s.cacheBytes()).setInputBytes(s.inputBytes())
                    .setOutputBytes(s.outputBytes()).setBytesAcrossCutAfter(s.cutBytesAfter())
                    .setFile(segmentFileName(r.model(), s.index(), k));
            if (keys != null && s.index() < keys.size()) sb.setSegmentKey(keys.get(s.index()));
            b.addStages(sb);
        }
        PartitionResult.SearchCost c = r.cost();
        b.setSearchCost(SearchCost.newBuilder().setSegmentsProfiled(c.segmentsProfiled()).setProbes(c.probes())
                .setDeviceTimeNs(c.deviceTimeNs()).setComputeNs(c.computeNs()).setCandidates(c.candidates()).setRounds(c.rounds()));
        return b.build();
    }

    /** The descriptor back as a result (for charts). */
    public static PartitionResult result(PartitionDescriptor d) {
        List<PartitionResult.Stage> stages = d.getStagesList().stream().map(s -> new PartitionResult.Stage(s.getIndex(),
                s.getStart(), s.getEnd(), s.getPredictedNs(), s.getMeasuredNs(), s.getMeasuredBySearch(), s.getParamBytes(),
                s.getOnChipCacheBytes(), s.getInputBytes(), s.getOutputBytes(), s.getBytesAcrossCutAfter())).toList();
        SearchCost c = d.getSearchCost();
        return new PartitionResult(d.getModel(), d.getMethod(), d.getDeviceKind(), d.getCutsList().stream().mapToInt(Integer::intValue).toArray(),
                stages, d.getObjectiveFrom(), d.getBottleneckNs(), d.getEndToEndNs(),
                new PartitionResult.SearchCost(c.getSegmentsProfiled(), c.getProbes(), c.getDeviceTimeNs(), c.getComputeNs(),
                        c.getCandidates(), c.getRounds()));
    }

    /** JSON with the proto field names; every field printed (NaN latencies as "NaN"). */
    public static String json(PartitionDescriptor d) {
        try {
            return JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().print(d);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print descriptor as JSON", e);
        }
    }

    public static PartitionDescriptor parseJson(String json) {
        try {
            PartitionDescriptor.Builder b = PartitionDescriptor.newBuilder();
            JsonFormat.parser().ignoringUnknownFields().merge(json, b);
            return b.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a partition descriptor: " + e.getMessage(), e);
        }
    }
}
