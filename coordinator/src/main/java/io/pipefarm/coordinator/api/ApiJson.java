package io.pipefarm.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON mapper of pipefarm's HTTP API, its CLI output and the JSON files it writes
 * (docs/api.md): records with camelCase components become snake_case fields; fields a record holds
 * as null are written as null unless the record says otherwise. Answers are read leniently (unknown
 * fields ignored, so that older clients read newer servers); requests strictly (an unknown field, a
 * fraction where a whole number belongs, or a number sent as a string is refused, not guessed at).
 */
public final class ApiJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private static final ObjectReader STRICT = MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .without(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    static {
        // "3" for a count, or true for a number, is a client's mistake to report, not to coerce
        MAPPER.coercionConfigDefaults()
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
    }

    private ApiJson() {}

    /** The configured mapper (shared: do not reconfigure it). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Compact JSON bytes (what the API answers with). */
    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot encode " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Compact JSON text. */
    public static String compact(Object value) {
        return new String(bytes(value), StandardCharsets.UTF_8);
    }

    /** Indented JSON text (CLI output and files people read). */
    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot encode " + value.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * A request body as {@code type}; {@link ApiException} {@code bad_input} when it is not JSON of
     * that shape, with {@code example} in the message so the caller sees what was expected.
     */
    public static <T> T request(String body, Class<T> type, String example) {
        if (body == null || body.isBlank())
            throw new ApiException(ApiError.Kind.BAD_INPUT, "the request body is empty; expected JSON like " + example);
        JsonNode tree;
        try {
            tree = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(
                    ApiError.Kind.BAD_INPUT,
                    "the request body is not JSON (" + firstLine(e.getOriginalMessage()) + "); expected JSON like "
                            + example);
        }
        if (tree == null || !tree.isObject())
            throw new ApiException(ApiError.Kind.BAD_INPUT, "expected a JSON object like " + example);
        try {
            return STRICT.forType(type).readValue(tree);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new ApiException(ApiError.Kind.BAD_INPUT, "expected JSON like " + example + ": " + firstLine(why));
        }
    }

    /** JSON text as {@code type}; IOException when it is not. */
    public static <T> T read(String json, Class<T> type) throws IOException {
        return MAPPER.readValue(json, type);
    }

    /** JSON text as {@code type} (lists, maps); IOException when it is not. */
    public static <T> T read(String json, TypeReference<T> type) throws IOException {
        return MAPPER.readValue(json, type);
    }

    private static String firstLine(String s) {
        if (s == null) return "malformed";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
