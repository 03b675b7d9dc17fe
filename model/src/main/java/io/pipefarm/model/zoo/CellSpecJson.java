package io.pipefarm.model.zoo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the pipefarm cell spec file format,
 * {@code [{"matrix": [[0,1,...], ...], "ops": ["input", ..., "output"]}, ...]}, with a small strict
 * parser for exactly that shape (no JSON library): each object has exactly the keys {@code matrix}
 * (an array of arrays of integers) and {@code ops} (an array of strings), in either order. Errors say
 * what was expected and where (line:column); invalid cells are reported with their index and position.
 */
public final class CellSpecJson {
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
        StringBuilder sb = new StringBuilder("{\"matrix\": [");
        int[][] m = spec.originalMatrix();
        for (int i = 0; i < m.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append('[');
            for (int j = 0; j < m[i].length; j++) {
                if (j > 0) sb.append(", ");
                sb.append(m[i][j]);
            }
            sb.append(']');
        }
        sb.append("], \"ops\": [");
        List<String> ops = spec.originalOps();
        for (int i = 0; i < ops.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append('"').append(ops.get(i)).append('"');
        }
        return sb.append("]}").toString();
    }

    /** Parses a whole spec file's text. */
    public static List<CellSpec> parse(String text) {
        return new Parser(text).file();
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) { this.s = s; }

        List<CellSpec> file() {
            List<CellSpec> out = new ArrayList<>();
            skipWs();
            expect('[', "'[' starting the list of cell specs");
            skipWs();
            if (peek() == ']') {
                pos++;
            } else {
                while (true) {
                    skipWs();
                    int at = pos;
                    out.add(spec(out.size(), at));
                    skipWs();
                    char c = peek();
                    if (c == ',') { pos++; continue; }
                    if (c == ']') { pos++; break; }
                    throw error("expected ',' or ']' after cell spec #" + (out.size() - 1));
                }
            }
            skipWs();
            if (pos < s.length()) throw error("unexpected text after the closing ']'");
            return out;
        }

        private CellSpec spec(int index, int at) {
            expect('{', "'{' starting cell spec #" + index);
            int[][] matrix = null;
            List<String> ops = null;
            skipWs();
            if (peek() == '}') throw error("cell spec #" + index + " is empty; it needs \"matrix\" and \"ops\"");
            while (true) {
                skipWs();
                int keyAt = pos;
                String key = string("a key (\"matrix\" or \"ops\")");
                skipWs();
                expect(':', "':' after key \"" + key + "\"");
                skipWs();
                switch (key) {
                    case "matrix" -> {
                        if (matrix != null) throw errorAt(keyAt, "duplicate key \"matrix\" in cell spec #" + index);
                        matrix = matrix();
                    }
                    case "ops" -> {
                        if (ops != null) throw errorAt(keyAt, "duplicate key \"ops\" in cell spec #" + index);
                        ops = ops();
                    }
                    default -> throw errorAt(keyAt, "unknown key \"" + key + "\" in cell spec #" + index + "; only \"matrix\" and \"ops\" are allowed");
                }
                skipWs();
                char c = peek();
                if (c == ',') { pos++; continue; }
                if (c == '}') { pos++; break; }
                throw error("expected ',' or '}' in cell spec #" + index);
            }
            if (matrix == null) throw errorAt(at, "cell spec #" + index + " has no \"matrix\"");
            if (ops == null) throw errorAt(at, "cell spec #" + index + " has no \"ops\"");
            try {
                return CellSpec.of(matrix, ops);
            } catch (IllegalArgumentException e) {
                throw errorAt(at, "cell spec #" + index + " is invalid: " + e.getMessage());
            }
        }

        private int[][] matrix() {
            expect('[', "'[' starting \"matrix\" (an array of rows)");
            List<int[]> rows = new ArrayList<>();
            skipWs();
            if (peek() == ']') { pos++; return new int[0][]; }
            while (true) {
                skipWs();
                rows.add(row(rows.size()));
                skipWs();
                char c = peek();
                if (c == ',') { pos++; continue; }
                if (c == ']') { pos++; break; }
                throw error("expected ',' or ']' after matrix row " + (rows.size() - 1));
            }
            return rows.toArray(new int[0][]);
        }

        private int[] row(int r) {
            expect('[', "'[' starting matrix row " + r);
            List<Integer> vals = new ArrayList<>();
            skipWs();
            if (peek() == ']') { pos++; return new int[0]; }
            while (true) {
                skipWs();
                vals.add(integer());
                skipWs();
                char c = peek();
                if (c == ',') { pos++; continue; }
                if (c == ']') { pos++; break; }
                throw error("expected ',' or ']' in matrix row " + r);
            }
            return vals.stream().mapToInt(Integer::intValue).toArray();
        }

        private List<String> ops() {
            expect('[', "'[' starting \"ops\" (an array of strings)");
            List<String> out = new ArrayList<>();
            skipWs();
            if (peek() == ']') { pos++; return out; }
            while (true) {
                skipWs();
                out.add(string("an op name string"));
                skipWs();
                char c = peek();
                if (c == ',') { pos++; continue; }
                if (c == ']') { pos++; break; }
                throw error("expected ',' or ']' in \"ops\"");
            }
            return out;
        }

        private int integer() {
            int start = pos;
            if (peek() == '-') pos++;
            int digits = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
            if (pos == digits) throw errorAt(start, "expected an integer");
            if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                throw errorAt(start, "expected an integer (0 or 1), not a fractional number");
            }
            if (pos - digits > 9) throw errorAt(start, "integer too large");
            return Integer.parseInt(s.substring(start, pos));
        }

        private String string(String what) {
            if (peek() != '"') throw error("expected " + what);
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos++);
                if (c == '"') return sb.toString();
                if (c < 0x20) throw errorAt(pos - 1, "control character in string");
                if (c != '\\') { sb.append(c); continue; }
                if (pos >= s.length()) throw error("unterminated escape");
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw errorAt(pos - 2, "bad \\u escape");
                        try {
                            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw errorAt(pos - 2, "bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw errorAt(pos - 2, "bad escape \\" + e);
                }
            }
        }

        private char peek() {
            if (pos >= s.length()) throw error("unexpected end of input");
            return s.charAt(pos);
        }

        private void expect(char c, String what) {
            if (pos >= s.length()) throw error("expected " + what + " but the input ended");
            if (s.charAt(pos) != c) throw error("expected " + what + ", found '" + s.charAt(pos) + "'");
            pos++;
        }

        private void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
                else break;
            }
        }

        private IllegalArgumentException error(String msg) { return errorAt(pos, msg); }

        private IllegalArgumentException errorAt(int at, String msg) {
            int line = 1, col = 1;
            for (int i = 0; i < Math.min(at, s.length()); i++) {
                if (s.charAt(i) == '\n') { line++; col = 1; } else col++;
            }
            return new IllegalArgumentException("line " + line + ", column " + col + ": " + msg);
        }
    }
}
