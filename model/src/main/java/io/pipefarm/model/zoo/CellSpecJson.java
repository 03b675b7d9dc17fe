package io.pipefarm.model.zoo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.core.util.Separators.Spacing;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the pipefarm cell spec file format,
 * {@code [{"matrix": [[0,1,...], ...], "ops": ["input", ..., "output"]}, ...]}. Jackson reads and
 * writes the JSON; this class holds it to exactly that shape: each object has exactly the keys
 * {@code matrix} (an array of arrays of integers) and {@code ops} (an array of strings), in either
 * order. Errors say what was expected and where (line, column); invalid cells are reported with
 * their index and position.
 */
public final class CellSpecJson {

    private static final JsonFactory JSON = new JsonFactory();
    /**
     * A spec on one line with a space after each ':' and ',': written specs are also model names
     * ({@code nasbench:{...}}) and keys, so their text must not change.
     */
    private static final DefaultPrettyPrinter ONE_LINE = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Spacing.AFTER)
                    .withObjectEntrySpacing(Spacing.AFTER)
                    .withArrayValueSpacing(Spacing.AFTER)
                    .withArrayEmptySeparator("")
                    .withObjectEmptySeparator(""))
            .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance)
            .withObjectIndenter(DefaultPrettyPrinter.NopIndenter.instance);

    private CellSpecJson() {}

    public static List<CellSpec> read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static void write(Path file, List<CellSpec> specs) throws IOException {
        Files.writeString(file, toJson(specs), StandardCharsets.UTF_8);
    }

    /** One spec per line inside the array; the original (unpruned) matrix and ops. */
    public static String toJson(List<CellSpec> specs) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < specs.size(); i++) {
            sb.append(i == 0 ? "\n  " : ",\n  ").append(toJson(specs.get(i)));
        }
        return sb.append(specs.isEmpty() ? "]\n" : "\n]\n").toString();
    }

    public static String toJson(CellSpec spec) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(ONE_LINE.createInstance());
            g.writeStartObject();
            g.writeFieldName("matrix");
            g.writeStartArray();
            for (int[] row : spec.originalMatrix()) {
                g.writeArray(row, 0, row.length);
            }
            g.writeEndArray();
            g.writeFieldName("ops");
            g.writeStartArray();
            for (String op : spec.originalOps()) {
                g.writeString(op);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Parses a whole spec file's text. */
    public static List<CellSpec> parse(String text) {
        try (JsonParser p = JSON.createParser(text)) {
            return new Reader(p).file();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // syntax errors are reported by Reader; a String has no I/O
        }
    }

    /** Walks the tokens Jackson reads, checking the shape and saying where it breaks. */
    private static final class Reader {
        private final JsonParser p;

        Reader(JsonParser p) {
            this.p = p;
        }

        List<CellSpec> file() {
            List<CellSpec> out = new ArrayList<>();
            if (next("'[' starting the list of cell specs") != JsonToken.START_ARRAY) {
                throw error("expected '[' starting the list of cell specs, found " + found());
            }
            while (next(out.isEmpty() ? "a cell spec or ']'" : "',' or ']' after cell spec #" + (out.size() - 1))
                    != JsonToken.END_ARRAY) {
                out.add(spec(out.size()));
            }
            try {
                if (p.nextToken() == null) return out;
            } catch (StreamReadException e) {
                throw errorAt(e.getLocation(), "unexpected text after the closing ']'");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw error("unexpected text after the closing ']'");
        }

        private CellSpec spec(int index) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw error("expected '{' starting cell spec #" + index + ", found " + found());
            }
            JsonLocation at = p.currentTokenLocation();
            int[][] matrix = null;
            List<String> ops = null;
            if (next("a key (\"matrix\" or \"ops\")") == JsonToken.END_OBJECT) {
                throw error("cell spec #" + index + " is empty; it needs \"matrix\" and \"ops\"");
            }
            do {
                String key = text("a key (\"matrix\" or \"ops\")");
                JsonLocation keyAt = p.currentTokenLocation();
                switch (key) {
                    case "matrix" -> {
                        if (matrix != null) throw errorAt(keyAt, "duplicate key \"matrix\" in cell spec #" + index);
                        matrix = matrix();
                    }
                    case "ops" -> {
                        if (ops != null) throw errorAt(keyAt, "duplicate key \"ops\" in cell spec #" + index);
                        ops = ops();
                    }
                    default ->
                        throw errorAt(
                                keyAt,
                                "unknown key \"" + key + "\" in cell spec #" + index
                                        + "; only \"matrix\" and \"ops\" are allowed");
                }
            } while (next("',' or '}' in cell spec #" + index) != JsonToken.END_OBJECT);
            if (matrix == null) throw errorAt(at, "cell spec #" + index + " has no \"matrix\"");
            if (ops == null) throw errorAt(at, "cell spec #" + index + " has no \"ops\"");
            try {
                return CellSpec.of(matrix, ops);
            } catch (IllegalArgumentException e) {
                throw errorAt(at, "cell spec #" + index + " is invalid: " + e.getMessage());
            }
        }

        private int[][] matrix() {
            if (next("'[' starting \"matrix\" (an array of rows)") != JsonToken.START_ARRAY) {
                throw error("expected '[' starting \"matrix\" (an array of rows), found " + found());
            }
            List<int[]> rows = new ArrayList<>();
            while (next(rows.isEmpty() ? "a matrix row or ']'" : "',' or ']' after matrix row " + (rows.size() - 1))
                    != JsonToken.END_ARRAY) {
                rows.add(row(rows.size()));
            }
            return rows.toArray(new int[0][]);
        }

        private int[] row(int r) {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw error("expected '[' starting matrix row " + r + ", found " + found());
            }
            List<Integer> vals = new ArrayList<>();
            for (JsonToken t; (t = next("',' or ']' in matrix row " + r)) != JsonToken.END_ARRAY; ) {
                if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                    throw error("expected an integer (0 or 1), not a fractional number");
                }
                if (t != JsonToken.VALUE_NUMBER_INT) throw error("expected an integer, found " + found());
                try {
                    if (p.getNumberType() != JsonParser.NumberType.INT) throw error("integer too large");
                    vals.add(p.getIntValue());
                } catch (IOException e) {
                    throw syntax(e, "an integer");
                }
            }
            return vals.stream().mapToInt(Integer::intValue).toArray();
        }

        private List<String> ops() {
            if (next("'[' starting \"ops\" (an array of strings)") != JsonToken.START_ARRAY) {
                throw error("expected '[' starting \"ops\" (an array of strings), found " + found());
            }
            List<String> out = new ArrayList<>();
            for (JsonToken t; (t = next("',' or ']' in \"ops\"")) != JsonToken.END_ARRAY; ) {
                if (t != JsonToken.VALUE_STRING) throw error("expected an op name string, found " + found());
                out.add(text("an op name string"));
            }
            return out;
        }

        /** The next token; a JSON syntax error says what was expected there. */
        private JsonToken next(String expected) {
            try {
                return p.nextToken();
            } catch (IOException e) {
                throw syntax(e, expected);
            }
        }

        /** The current token's text (Jackson decodes a string only when asked, so this may fail too). */
        private String text(String expected) {
            try {
                return p.getText();
            } catch (IOException e) {
                throw syntax(e, expected);
            }
        }

        private String found() {
            JsonToken t = p.currentToken();
            if (t == null) return "the end of the input";
            return switch (t) {
                case START_OBJECT, END_OBJECT, START_ARRAY, END_ARRAY -> "'" + t.asString() + "'";
                case VALUE_STRING -> "'\"" + text("a string") + "\"'";
                default -> "'" + text("a value") + "'";
            };
        }

        private IllegalArgumentException syntax(IOException e, String expected) {
            if (e instanceof JsonEOFException eof) {
                JsonToken inside = eof.getTokenBeingDecoded();
                boolean inString = inside == JsonToken.VALUE_STRING || inside == JsonToken.FIELD_NAME;
                return errorAt(
                        eof.getLocation(),
                        (inString ? "unterminated string" : "unexpected end of input") + "; expected " + expected);
            }
            if (e instanceof StreamReadException bad) {
                return errorAt(bad.getLocation(), "expected " + expected + ": " + bad.getOriginalMessage());
            }
            throw new UncheckedIOException(e);
        }

        private IllegalArgumentException error(String msg) {
            return errorAt(p.currentTokenLocation(), msg);
        }

        private static IllegalArgumentException errorAt(JsonLocation at, String msg) {
            // Jackson counts the column of an empty input as 0
            return new IllegalArgumentException(
                    "line " + at.getLineNr() + ", column " + Math.max(1, at.getColumnNr()) + ": " + msg);
        }
    }
}
