package io.pipefarm.cli.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pipefarm.coordinator.api.ApiJson;
import java.io.PrintWriter;

/** The CLI's JSON: the API's mapper ({@link ApiJson}), so that {@code --json} prints what the API answers. */
public final class Json {
    public static final ObjectMapper MAPPER = ApiJson.mapper();

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** Indented JSON text of a value (a record, a tree node, a map, ...). */
    public static String write(Object value) {
        return ApiJson.pretty(value);
    }

    /** Compact (one-line) JSON text. */
    public static String compact(Object value) {
        return ApiJson.compact(value);
    }

    public static void print(PrintWriter out, Object value) {
        out.println(write(value));
        out.flush();
    }
}
