package io.pipefarm.coordinator.campaign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.pipefarm.coordinator.store.StoreException;
import io.pipefarm.proto.farm.ProfileSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of campaign requests, as the HTTP API takes them and the store keeps them:
 * <pre>{"name": "c1", "models": ["mobilenet_v2", "fc:64,512,4"], "kinds": ["sim-edgetpu-usb"],
 *  "cuts": {"mode": "all"} | {"mode": "given", "cuts": [12, 40]} | {"mode": "random", "count": 3, "stages": 3, "seed": 1},
 *  "spec": {"warmupRuns": 1, "timedRuns": 10, ...}, "reprofile": false, "maxAttempts": 3}</pre>
 */
public final class CampaignSpecs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CampaignSpecs() {}

    /** A sensible default: 1 warm-up, 10 timed runs, 60 s budget. */
    public static ProfileSpec defaultSpec() {
        return ProfileSpec.newBuilder().setWarmupRuns(1).setTimedRuns(10).setTimeBudgetMs(60_000).build();
    }

    public static CampaignRequest parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            throw StoreException.badInput("malformed JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw StoreException.badInput("a campaign request must be a JSON object");
        String name = text(root, "name", "campaign-" + System.currentTimeMillis());
        List<String> models = strings(root, "models");
        List<String> kinds = strings(root, "kinds");
        CampaignRequest.Cuts cuts = new CampaignRequest.Cuts.All();
        JsonNode c = root.get("cuts");
        if (c != null && !c.isNull()) {
            if (!c.isObject()) throw StoreException.badInput("'cuts' must be an object like {\"mode\": \"given\", \"cuts\": [12, 40]}");
            String mode = text(c, "mode", "all");
            cuts = switch (mode) {
                case "all" -> new CampaignRequest.Cuts.All();
                case "given" -> {
                    JsonNode arr = c.get("cuts");
                    if (arr == null || !arr.isArray()) throw StoreException.badInput("cuts mode 'given' needs a 'cuts' array");
                    int[] xs = new int[arr.size()];
                    for (int i = 0; i < xs.length; i++) {
                        if (!arr.get(i).canConvertToInt()) throw StoreException.badInput("cut '" + arr.get(i) + "' is not an integer");
                        xs[i] = arr.get(i).asInt();
                    }
                    yield new CampaignRequest.Cuts.Given(xs);
                }
                case "ranges" -> {
                    JsonNode arr = c.get("ranges");
                    if (arr == null || !arr.isArray()) throw StoreException.badInput("cuts mode 'ranges' needs a 'ranges' array of [i, j] pairs");
                    int[][] rs = new int[arr.size()][];
                    for (int i = 0; i < rs.length; i++) {
                        JsonNode r = arr.get(i);
                        if (!r.isArray() || r.size() != 2 || !r.get(0).canConvertToInt() || !r.get(1).canConvertToInt()) {
                            throw StoreException.badInput("segment '" + r + "' is not an [i, j] pair");
                        }
                        rs[i] = new int[] {r.get(0).asInt(), r.get(1).asInt()};
                    }
                    yield new CampaignRequest.Cuts.Ranges(rs);
                }
                case "random" -> new CampaignRequest.Cuts.Random(c.path("count").asInt(3), c.path("stages").asInt(3), c.path("seed").asLong(1));
                default -> throw StoreException.badInput("unknown cuts mode '" + mode + "'; use all, given, ranges or random");
            };
        }
        ProfileSpec spec = defaultSpec();
        JsonNode s = root.get("spec");
        if (s != null && !s.isNull()) {
            if (!s.isObject()) throw StoreException.badInput("'spec' must be an object like {\"warmupRuns\": 1, \"timedRuns\": 10}");
            ProfileSpec.Builder b = ProfileSpec.newBuilder();
            try {
                JsonFormat.parser().merge(s.toString(), b);
            } catch (InvalidProtocolBufferException e) {
                throw StoreException.badInput("bad profile spec: " + e.getMessage());
            }
            // Fields the request leaves out keep the defaults.
            ProfileSpec d = defaultSpec();
            if (!s.has("warmupRuns") && !s.has("warmup_runs")) b.setWarmupRuns(d.getWarmupRuns());
            if (!s.has("timedRuns") && !s.has("timed_runs")) b.setTimedRuns(d.getTimedRuns());
            if (!s.has("timeBudgetMs") && !s.has("time_budget_ms")) b.setTimeBudgetMs(d.getTimeBudgetMs());
            spec = b.build();
        }
        if (spec.getTimedRuns() < 1) throw StoreException.badInput("the profile spec needs timedRuns >= 1");
        return new CampaignRequest(name, models, cuts, kinds, spec, root.path("reprofile").asBoolean(false),
                root.path("maxAttempts").asInt(3));
    }

    public static String toJson(CampaignRequest r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", r.name());
        ArrayNode m = o.putArray("models");
        r.models().forEach(m::add);
        ArrayNode k = o.putArray("kinds");
        r.kinds().forEach(k::add);
        ObjectNode c = o.putObject("cuts");
        if (r.cuts() instanceof CampaignRequest.Cuts.All) c.put("mode", "all");
        else if (r.cuts() instanceof CampaignRequest.Cuts.Given g) {
            c.put("mode", "given");
            ArrayNode xs = c.putArray("cuts");
            for (int x : g.cuts()) xs.add(x);
        } else if (r.cuts() instanceof CampaignRequest.Cuts.Ranges rs) {
            c.put("mode", "ranges");
            ArrayNode xs = c.putArray("ranges");
            for (int[] x : rs.ranges()) xs.addArray().add(x[0]).add(x[1]);
        } else if (r.cuts() instanceof CampaignRequest.Cuts.Random rr) {
            c.put("mode", "random").put("count", rr.count()).put("stages", rr.stages()).put("seed", rr.seed());
        }
        try {
            o.set("spec", JSON.readTree(JsonFormat.printer().print(r.spec())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        o.put("reprofile", r.reprofile());
        o.put("maxAttempts", r.maxAttempts());
        return o.toString();
    }

    /** The profile spec stored with a campaign. */
    public static ProfileSpec specOf(String campaignJson) {
        try {
            JsonNode s = JSON.readTree(campaignJson).get("spec");
            if (s == null) return defaultSpec();
            ProfileSpec.Builder b = ProfileSpec.newBuilder();
            JsonFormat.parser().ignoringUnknownFields().merge(s.toString(), b);
            return b.build();
        } catch (Exception e) {
            return defaultSpec();
        }
    }

    private static String text(JsonNode o, String field, String dflt) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw StoreException.badInput("'" + field + "' must be a string");
        return v.asText();
    }

    private static List<String> strings(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isArray()) throw StoreException.badInput("'" + field + "' must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual()) throw StoreException.badInput("'" + field + "' must contain strings, got " + x);
            out.add(x.asText());
        }
        return out;
    }
}
