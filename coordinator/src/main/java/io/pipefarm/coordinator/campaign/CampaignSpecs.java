package io.pipefarm.coordinator.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.util.JsonFormat;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.coordinator.api.CampaignCuts;
import io.pipefarm.coordinator.api.ProfileSettings;
import io.pipefarm.coordinator.api.StartCampaignRequest;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.farm.ProfileSpec;
import java.util.List;

/**
 * Campaign requests between their JSON form ({@link StartCampaignRequest}, as the HTTP API takes
 * them and the store keeps them) and {@link CampaignRequest}:
 * <pre>{"name": "c1", "models": ["mobilenet_v2", "fc:64,512,4"], "kinds": ["sim-edgetpu-usb"],
 *  "cuts": {"mode": "all"} | {"mode": "given", "cuts": [12, 40]} | {"mode": "random", "count": 3, "stages": 3, "seed": 1},
 *  "spec": {"warmup_runs": 1, "timed_runs": 10, ...}, "reprofile": false, "max_attempts": 3}</pre>
 */
public final class CampaignSpecs {
    static final String EXAMPLE = "{\"models\": [\"mobilenet_v2\"], \"kinds\": [\"sim-edgetpu-usb\"]}";

    private CampaignSpecs() {}

    /** A sensible default: 1 warm-up, 10 timed runs, 60 s budget. */
    public static ProfileSpec defaultSpec() {
        return ProfileSpec.newBuilder()
                .setWarmupRuns(1)
                .setTimedRuns(10)
                .setTimeBudgetMs(60_000)
                .build();
    }

    /** Parses and checks a request body; BAD_INPUT (ApiException or StoreException) says what is wrong. */
    public static CampaignRequest parse(String json) {
        return of(ApiJson.request(json, StartCampaignRequest.class, EXAMPLE));
    }

    /** Checks a request and fills in the defaults. */
    public static CampaignRequest of(StartCampaignRequest r) {
        String name = r.name() == null ? "campaign-" + System.currentTimeMillis() : r.name();
        List<String> models = strings(r.models(), "models");
        List<String> kinds = strings(r.kinds(), "kinds");
        CampaignRequest.Cuts cuts = cuts(r.cuts());
        ProfileSpec spec = spec(r.spec());
        if (spec.getTimedRuns() < 1) throw StoreException.badInput("the profile spec needs timed_runs >= 1");
        return new CampaignRequest(
                name,
                models,
                cuts,
                kinds,
                spec,
                r.reprofile() != null && r.reprofile(),
                r.maxAttempts() == null ? 3 : r.maxAttempts());
    }

    /** The stored (and API) form of a request. */
    public static String toJson(CampaignRequest r) {
        return ApiJson.compact(request(r));
    }

    public static StartCampaignRequest request(CampaignRequest r) {
        CampaignCuts cuts;
        if (r.cuts() instanceof CampaignRequest.Cuts.Given g) cuts = CampaignCuts.given(g.cuts());
        else if (r.cuts() instanceof CampaignRequest.Cuts.Ranges rs) cuts = CampaignCuts.ranges(rs.ranges());
        else if (r.cuts() instanceof CampaignRequest.Cuts.Random rr)
            cuts = CampaignCuts.random(rr.count(), rr.stages(), rr.seed());
        else cuts = CampaignCuts.all();
        ProfileSpec s = r.spec();
        ProfileSettings spec = new ProfileSettings(
                s.getWarmupRuns(),
                s.getTimedRuns(),
                s.getTargetRelError(),
                s.getMaxRuns(),
                s.getTimeBudgetMs(),
                s.getThreads(),
                s.getKeepSamples());
        return new StartCampaignRequest(r.name(), r.models(), r.kinds(), cuts, spec, r.reprofile(), r.maxAttempts());
    }

    /**
     * The profile spec stored with a campaign. Read with protobuf's JSON parser, which takes the
     * snake_case names and the camelCase ones older coordinators stored.
     */
    public static ProfileSpec specOf(String campaignJson) {
        try {
            JsonNode s = ApiJson.mapper().readTree(campaignJson).get("spec");
            if (s == null || !s.isObject()) return defaultSpec();
            ProfileSpec.Builder b = ProfileSpec.newBuilder();
            JsonFormat.parser().ignoringUnknownFields().merge(s.toString(), b);
            return b.build();
        } catch (Exception e) {
            return defaultSpec();
        }
    }

    private static CampaignRequest.Cuts cuts(CampaignCuts c) {
        if (c == null) return new CampaignRequest.Cuts.All();
        String mode = c.mode() == null ? "all" : c.mode();
        return switch (mode) {
            case "all" -> new CampaignRequest.Cuts.All();
            case "given" -> {
                if (c.cuts() == null)
                    throw StoreException.badInput("cuts mode 'given' needs a 'cuts' array like [12, 40]");
                int[] xs = new int[c.cuts().size()];
                for (int i = 0; i < xs.length; i++) {
                    if (c.cuts().get(i) == null) throw StoreException.badInput("cut " + i + " is null, not an integer");
                    xs[i] = c.cuts().get(i);
                }
                yield new CampaignRequest.Cuts.Given(xs);
            }
            case "ranges" -> {
                if (c.ranges() == null)
                    throw StoreException.badInput("cuts mode 'ranges' needs a 'ranges' array of [i, j] pairs");
                int[][] rs = new int[c.ranges().size()][];
                for (int i = 0; i < rs.length; i++) {
                    List<Integer> r = c.ranges().get(i);
                    if (r.size() != 2 || r.get(0) == null || r.get(1) == null)
                        throw StoreException.badInput("segment " + r + " is not an [i, j] pair");
                    rs[i] = new int[] {r.get(0), r.get(1)};
                }
                yield new CampaignRequest.Cuts.Ranges(rs);
            }
            case "random" ->
                new CampaignRequest.Cuts.Random(
                        c.count() == null ? 3 : c.count(),
                        c.stages() == null ? 3 : c.stages(),
                        c.seed() == null ? 1 : c.seed());
            default ->
                throw StoreException.badInput("unknown cuts mode '" + mode + "'; use all, given, ranges or random");
        };
    }

    /** Fields the request leaves out keep the defaults. */
    private static ProfileSpec spec(ProfileSettings s) {
        ProfileSpec d = defaultSpec();
        if (s == null) return d;
        ProfileSpec.Builder b = d.toBuilder();
        if (s.warmupRuns() != null) b.setWarmupRuns(s.warmupRuns());
        if (s.timedRuns() != null) b.setTimedRuns(s.timedRuns());
        if (s.targetRelError() != null) b.setTargetRelError(s.targetRelError());
        if (s.maxRuns() != null) b.setMaxRuns(s.maxRuns());
        if (s.timeBudgetMs() != null) b.setTimeBudgetMs(s.timeBudgetMs());
        if (s.threads() != null) b.setThreads(s.threads());
        if (s.keepSamples() != null) b.setKeepSamples(s.keepSamples());
        return b.build();
    }

    private static List<String> strings(List<String> xs, String field) {
        if (xs == null) throw StoreException.badInput("'" + field + "' must be an array of strings");
        for (String x : xs)
            if (x == null) throw StoreException.badInput("'" + field + "' must contain strings, not null");
        return xs;
    }
}
