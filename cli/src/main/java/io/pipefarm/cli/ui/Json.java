package io.pipefarm.cli.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/** The CLI's JSON: one shared Jackson mapper, indented output. */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    public static ObjectNode object() { return MAPPER.createObjectNode(); }

    public static ArrayNode array() { return MAPPER.createArrayNode(); }

    /** Indented JSON text of a value (a tree node, a record, a map, ...). */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Compact (one-line) JSON text. */
    public static String compact(Object value) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static void print(PrintWriter out, Object value) {
        out.println(write(value));
        out.flush();
    }
}
