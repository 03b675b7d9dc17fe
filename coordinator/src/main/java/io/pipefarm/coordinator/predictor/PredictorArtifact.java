package io.pipefarm.coordinator.predictor;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pipefarm.coordinator.api.ApiJson;
import io.pipefarm.model.features.SegmentFeatures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The bytes of a trained predictor: a zip file that loads and predicts on its own
 * ({@link #read(byte[])}).
 *
 * <pre>
 * header.json   {"format": "pipefarm-predictor", "format_version": 2,
 *                "kind": "sim-edgetpu-usb", "family": "xgboost" | "transformer", "version": 3,
 *                "feature_spec": {"spec_version": 2, "aggregates": [names...], "tokens": [names...]},
 *                "metrics": {"n", "mape", "rmse_ns", "acc10", "spearman"},   // on the held-out architectures
 *                "data": {"profiles", "architectures", "held_out_architectures", ...},
 *                "params": {family-specific numbers, e.g. "base_weights" or the token normalisation}}
 * xgboost.ubj   (family xgboost) the booster in XGBoost's UBJSON model format
 * transformer.params  (family transformer) DJL parameter file of the encoder (Block.saveParameters)
 * </pre>
 * Readers refuse another format version or feature spec version with {@link PredictorException.Kind#CORRUPT_ARTIFACT};
 * they still read format version 1 (the same header with camelCase names).
 * {@code version} is the one the store assigned ({@link #withVersion} rewrites it when a version is
 * saved); {@code metrics} are in percent (mape), ns (rmse_ns) and fractions (acc10). A downloaded
 * file ({@code GET /api/predictors/{id}/artifact}, {@code pipefarm predictor fetch}) is exactly these
 * bytes: {@code PredictorArtifact.read(Files.readAllBytes(file)).predictNanos(features)}. See
 * {@code docs/predictor-artifact.md}.
 */
public final class PredictorArtifact {
    public static final String FORMAT = "pipefarm-predictor";
    public static final int FORMAT_VERSION = 2;
    /** The header with camelCase names; read, never written. */
    static final int CAMEL_CASE_FORMAT_VERSION = 1;

    static final String HEADER = "header.json";
    static final String XGB = "xgboost.ubj";
    static final String TRANSFORMER = "transformer.params";
    static final ObjectMapper JSON = ApiJson.mapper();

    private PredictorArtifact() {}

    /** The header of an artifact. */
    public record Header(
            String kind,
            String family,
            long version,
            Map<String, Object> metrics,
            Map<String, Object> data,
            Map<String, Object> params) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", FORMAT);
            m.put("format_version", FORMAT_VERSION);
            m.put("kind", kind);
            m.put("family", family);
            m.put("version", version);
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("spec_version", SegmentFeatures.SPEC_VERSION);
            spec.put("aggregates", SegmentFeatures.AGGREGATE_NAMES);
            spec.put("tokens", SegmentFeatures.TOKEN_NAMES);
            m.put("feature_spec", spec);
            m.put("metrics", metrics == null ? Map.of() : metrics);
            m.put("data", data == null ? Map.of() : data);
            m.put("params", params == null ? Map.of() : params);
            return m;
        }
    }

    /** Serialises a predictor with its metrics and data summary. */
    public static byte[] write(LatencyPredictor p, Map<String, Object> metrics, Map<String, Object> data) {
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (p instanceof XgbPredictor x) {
            params.put("base_weights", x.baseWeights());
            files.put(XGB, x.boosterBytes());
        } else if (p instanceof TransformerPredictor t) {
            params.putAll(t.headerParams());
            files.put(TRANSFORMER, t.parameterBytes());
        } else {
            throw new IllegalArgumentException(
                    "cannot serialise a " + p.getClass().getName());
        }
        Header h = new Header(p.deviceKind(), p.family(), p.version(), metrics, data, params);
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(bo)) {
                z.putNextEntry(new ZipEntry(HEADER));
                z.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(h.toMap()));
                z.closeEntry();
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    z.putNextEntry(new ZipEntry(e.getKey()));
                    z.write(e.getValue());
                    z.closeEntry();
                }
            }
            return bo.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The same artifact with its header's {@code version} set to {@code version}; every other entry
     * is copied byte for byte. {@code CORRUPT_ARTIFACT} when {@code artifact} is not a readable one.
     */
    public static byte[] withVersion(byte[] artifact, long version) {
        Map<String, byte[]> files = entries(artifact);
        parseHeader(files.get(HEADER));
        try {
            Map<String, Object> m =
                    JSON.readValue(files.get(HEADER), new TypeReference<LinkedHashMap<String, Object>>() {});
            m.put("version", version);
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(bo)) {
                z.putNextEntry(new ZipEntry(HEADER));
                z.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
                z.closeEntry();
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    if (e.getKey().equals(HEADER)) continue;
                    z.putNextEntry(new ZipEntry(e.getKey()));
                    z.write(e.getValue());
                    z.closeEntry();
                }
            }
            return bo.toByteArray();
        } catch (IOException e) {
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT, "corrupt predictor artifact: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code artifact} is a loadable predictor of {@code kind} (the model is loaded, so
     * what would not serve is refused before it is stored) and returns its header.
     * {@code CORRUPT_ARTIFACT} otherwise.
     */
    public static Header checked(String kind, byte[] artifact) {
        Header h = header(artifact);
        if (!kind.equals(h.kind())) {
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT,
                    "the artifact is a predictor for '" + h.kind() + "', not '" + kind + "'");
        }
        read(artifact);
        return h;
    }

    /** Reads just the header (for listings). */
    public static Header header(byte[] artifact) {
        return parseHeader(entries(artifact).get(HEADER));
    }

    /** Loads a predictor from artifact bytes; {@code CORRUPT_ARTIFACT} when they are not one. */
    public static LatencyPredictor read(byte[] artifact) {
        Map<String, byte[]> files = entries(artifact);
        Header h = parseHeader(files.get(HEADER));
        try {
            switch (h.family()) {
                case XgbPredictor.FAMILY -> {
                    byte[] model = require(files, XGB);
                    double[] w = doubles(h.params().get("base_weights"));
                    if (w.length != LinearBase.COLUMNS.length + 1)
                        throw corrupt("base_weights has " + w.length + " entries");
                    return new XgbPredictor(h.kind(), h.version(), w, model);
                }
                case TransformerPredictor.FAMILY -> {
                    return TransformerPredictor.load(h.kind(), h.version(), h.params(), require(files, TRANSFORMER));
                }
                default -> throw corrupt("unknown model family '" + h.family() + "'");
            }
        } catch (PredictorException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT, "corrupt predictor artifact: " + e, e);
        }
    }

    static double[] doubles(Object o) {
        if (!(o instanceof List<?> l)) throw corrupt("expected a number array");
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) d[i] = ((Number) l.get(i)).doubleValue();
        return d;
    }

    private static byte[] require(Map<String, byte[]> files, String name) {
        byte[] b = files.get(name);
        if (b == null) throw corrupt("missing entry " + name);
        return b;
    }

    static PredictorException corrupt(String why) {
        return new PredictorException(PredictorException.Kind.CORRUPT_ARTIFACT, "corrupt predictor artifact: " + why);
    }

    private static Map<String, byte[]> entries(byte[] artifact) {
        if (artifact == null || artifact.length < 4) throw corrupt("empty or truncated file");
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(artifact))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) files.put(e.getName(), z.readAllBytes());
        } catch (IOException | RuntimeException e) {
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT,
                    "corrupt predictor artifact: not a readable zip (" + e.getMessage() + ")",
                    e);
        }
        if (!files.containsKey(HEADER)) throw corrupt("no " + HEADER + " (not a pipefarm predictor file)");
        return files;
    }

    @SuppressWarnings("unchecked")
    private static Header parseHeader(byte[] json) {
        Map<String, Object> m;
        try {
            m = JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new PredictorException(
                    PredictorException.Kind.CORRUPT_ARTIFACT,
                    "corrupt predictor artifact: bad header JSON: " + e.getMessage(),
                    e);
        }
        if (!FORMAT.equals(m.get("format"))) throw corrupt("format is '" + m.get("format") + "', not " + FORMAT);
        if (m.get("formatVersion") instanceof Number old && old.intValue() == CAMEL_CASE_FORMAT_VERSION) {
            m = snakeCase(m);
        } else if (!(m.get("format_version") instanceof Number fv) || fv.intValue() != FORMAT_VERSION) {
            Object v = m.containsKey("format_version") ? m.get("format_version") : m.get("formatVersion");
            throw corrupt("format version " + v + " (this code reads " + CAMEL_CASE_FORMAT_VERSION + " and "
                    + FORMAT_VERSION + ")");
        }
        Object spec = m.get("feature_spec");
        if (!(spec instanceof Map<?, ?> sm)
                || !(sm.get("spec_version") instanceof Number sv)
                || sv.intValue() != SegmentFeatures.SPEC_VERSION
                || !SegmentFeatures.AGGREGATE_NAMES.equals(sm.get("aggregates"))
                || !SegmentFeatures.TOKEN_NAMES.equals(sm.get("tokens"))) {
            throw corrupt("its feature spec differs from this code's (spec version " + SegmentFeatures.SPEC_VERSION
                    + "); retrain");
        }
        if (!(m.get("kind") instanceof String kind)
                || !(m.get("family") instanceof String family)
                || !(m.get("version") instanceof Number v)) {
            throw corrupt("header lacks kind, family or version");
        }
        return new Header(
                kind,
                family,
                v.longValue(),
                (Map<String, Object>) m.getOrDefault("metrics", Map.of()),
                (Map<String, Object>) m.getOrDefault("data", Map.of()),
                (Map<String, Object>) m.getOrDefault("params", Map.of()));
    }

    /** A format-1 header with the names of format 2: top-level, feature spec and params keys in snake_case. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> snakeCase(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            Object v = e.getValue();
            if ((e.getKey().equals("featureSpec") || e.getKey().equals("params")) && v instanceof Map<?, ?> inner) {
                v = snakeCase((Map<String, Object>) inner);
            }
            out.put(e.getKey().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT), v);
        }
        return out;
    }
}
