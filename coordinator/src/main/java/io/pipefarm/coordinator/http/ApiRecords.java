package io.pipefarm.coordinator.http;

import com.google.protobuf.InvalidProtocolBufferException;
import io.pipefarm.coordinator.api.AgentInfo;
import io.pipefarm.coordinator.api.ApiError;
import io.pipefarm.coordinator.api.CampaignStatus;
import io.pipefarm.coordinator.api.JobRecord;
import io.pipefarm.coordinator.api.Partition;
import io.pipefarm.coordinator.api.PartitionSummary;
import io.pipefarm.coordinator.api.PredictorEvaluation;
import io.pipefarm.coordinator.api.PredictorMetrics;
import io.pipefarm.coordinator.api.PredictorVersion;
import io.pipefarm.coordinator.api.ProfileRecord;
import io.pipefarm.coordinator.api.StartCampaignReply;
import io.pipefarm.coordinator.api.TrainingJob;
import io.pipefarm.coordinator.api.TrainingOutcome;
import io.pipefarm.coordinator.partition.service.Descriptors;
import io.pipefarm.coordinator.predictor.Metrics;
import io.pipefarm.coordinator.predictor.service.PredictorService;
import io.pipefarm.coordinator.store.AgentStore;
import io.pipefarm.coordinator.store.CampaignStore;
import io.pipefarm.coordinator.store.JobQueue;
import io.pipefarm.coordinator.store.JobState;
import io.pipefarm.coordinator.store.PartitionStore;
import io.pipefarm.coordinator.store.PredictorStore;
import io.pipefarm.coordinator.store.ProfileStats;
import io.pipefarm.coordinator.store.ProfileStore;
import io.pipefarm.proto.partition.PartitionDescriptor;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The coordinator's values (store rows, service results) as the API's records. */
public final class ApiRecords {
    private ApiRecords() {}

    public static CampaignStatus campaign(CampaignStore.Status s) {
        CampaignStore.Campaign c = s.campaign();
        CampaignStatus.JobCounts counts = new CampaignStatus.JobCounts(
                s.count(JobState.QUEUED),
                s.count(JobState.LEASED),
                s.count(JobState.DONE),
                s.count(JobState.FAILED),
                s.count(JobState.CANCELLED));
        return new CampaignStatus(
                c.id(),
                c.name(),
                lower(c.state()),
                s.total(),
                counts,
                s.doneRatePerSec(),
                s.etaSeconds(),
                c.skippedProfiled(),
                c.skippedInFlight(),
                c.createdMs(),
                c.finishedMs());
    }

    public static StartCampaignReply created(CampaignStore.Created c, CampaignStore.Status status) {
        return new StartCampaignReply(
                c.campaignId(), c.jobsEnqueued(), c.skippedProfiled(), c.skippedInFlight(), campaign(status));
    }

    public static JobRecord job(JobQueue.JobInfo j) {
        return new JobRecord(
                j.id(),
                j.campaignId(),
                j.segmentKey(),
                j.deviceKind(),
                lower(j.state()),
                j.leaseAgent(),
                j.leaseDevice(),
                j.leaseDeadlineMs(),
                j.attempts(),
                j.maxAttempts(),
                j.lostLeases(),
                j.lastErrorKind() == null
                        ? null
                        : JobQueue.storedName(j.lastErrorKind()).toLowerCase(Locale.ROOT),
                j.lastErrorMessage(),
                j.createdMs(),
                j.finishedMs());
    }

    public static ProfileRecord profile(ProfileStore.Profile p) {
        ProfileStats s = p.stats();
        return new ProfileRecord(
                p.id(),
                p.jobId(),
                p.segmentKey(),
                p.deviceKind(),
                p.agentId(),
                p.deviceId(),
                new ProfileRecord.Stats(s.n(), s.meanNs(), s.medianNs(), s.p90Ns(), s.p99Ns(), s.stdevNs(), s.minNs()),
                p.versions(),
                p.hasSamples(),
                p.createdMs());
    }

    public static AgentInfo agent(AgentStore.Agent a) {
        return new AgentInfo(
                a.id(),
                a.address(),
                lower(a.state()),
                a.lastSeenMs(),
                a.versions(),
                a.devices().stream()
                        .map(d -> new AgentInfo.DeviceInfo(d.id(), d.kind(), d.runtime(), d.versions(), d.properties()))
                        .toList());
    }

    public static PredictorVersion predictor(PredictorStore.Version v) {
        return new PredictorVersion(
                v.id(),
                v.kind(),
                v.version(),
                v.family(),
                v.serving(),
                v.createdMs(),
                v.promotedMs(),
                v.metrics(),
                v.data(),
                v.heldOut(),
                v.profilesMaxId(),
                v.artifactSize());
    }

    public static PredictorMetrics metrics(Metrics m) {
        return m == null ? null : new PredictorMetrics(m.n(), m.mape(), m.rmseNs(), m.acc10(), m.spearman());
    }

    public static TrainingJob job(PredictorService.Job j) {
        PredictorService.Outcome o = j.outcome();
        TrainingOutcome result = o == null
                ? null
                : new TrainingOutcome(
                        o.version().id(),
                        o.version().kind(),
                        o.version().version(),
                        o.version().family(),
                        o.promoted(),
                        o.reason(),
                        metrics(o.metrics()),
                        metrics(o.servingMetrics()),
                        o.previousServingId());
        ApiError.Detail error =
                j.errorKind() == null ? null : new ApiError.Detail(ApiReplies.kind(j.errorKind()), j.error());
        return new TrainingJob(j.id(), j.kind(), j.state().label(), j.createdMs(), j.finishedMs(), result, error);
    }

    public static PredictorEvaluation evaluation(PredictorService.Evaluation e) {
        PredictorStore.Version v = e.version();
        return new PredictorEvaluation(
                v.id(),
                v.kind(),
                v.version(),
                v.family(),
                v.serving(),
                section(e.all()),
                section(e.heldOut()),
                v.heldOut());
    }

    private static PredictorEvaluation.Section section(PredictorService.Section s) {
        Map<String, PredictorMetrics> fam = new LinkedHashMap<>();
        s.perFamily().forEach((k, m) -> fam.put(k, metrics(m)));
        return new PredictorEvaluation.Section(s.architectures(), metrics(s.metrics()), fam);
    }

    /** A search's status, with its partition once done (read from the stored protobuf descriptor). */
    public static PartitionSummary partition(PartitionStore.Partition p) {
        Partition result = null;
        if (p.descriptor() != null) {
            try {
                result = Descriptors.record(PartitionDescriptor.parseFrom(p.descriptor()));
            } catch (InvalidProtocolBufferException e) {
                // the status still answers; GET .../descriptor reports the unreadable descriptor
                result = null;
            }
        }
        return new PartitionSummary(
                p.id(),
                p.modelRef(),
                p.kind(),
                p.k(),
                p.method(),
                p.state().db(),
                p.error(),
                p.createdMs(),
                p.finishedMs(),
                result);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
