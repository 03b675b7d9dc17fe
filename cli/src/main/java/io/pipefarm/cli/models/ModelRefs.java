package io.pipefarm.cli.models;

import io.pipefarm.cli.command.CliException;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.zoo.CellSpec;
import io.pipefarm.model.zoo.CellSpecJson;
import io.pipefarm.model.zoo.ModelZoo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Model references as the CLI and the campaign API take them: a zoo name ({@code mobilenet_v2}),
 * {@code fc:INPUTS,WIDTH,DEPTH}, or {@code nasbench:{"matrix": ..., "ops": ...}}; and the
 * {@code --fc} / {@code --nasbench-spec} option values.
 */
public final class ModelRefs {
    private ModelRefs() {}

    /** Builds the graph of a reference. */
    public static Graph build(String ref) {
        String r = ref.trim();
        if (r.startsWith("fc:")) return fc(r.substring(3), "fc:");
        if (r.startsWith("nasbench:")) return ModelZoo.nasbench(cell(r.substring(9), "nasbench:"));
        try {
            return ModelZoo.build(r);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** A fully connected network from {@code "inputs,width,depth"}. */
    public static Graph fc(String sizes, String what) {
        String[] p = sizes.split(",", -1);
        if (p.length != 3)
            throw CliException.usage(what + " expects INPUTS,WIDTH,DEPTH (e.g. 64,2048,4), got '" + sizes + "'");
        int[] v = new int[3];
        String[] names = {"INPUTS", "WIDTH", "DEPTH"};
        for (int i = 0; i < 3; i++) {
            try {
                v[i] = Integer.parseInt(p[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage(what + " " + names[i] + " must be an integer, got '" + p[i].trim() + "'");
            }
        }
        try {
            return ModelZoo.fc(v[0], v[1], v[2]);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(what + " " + e.getMessage());
        }
    }

    /**
     * One NASBench-101 cell from a JSON object, a one-element JSON array, or {@code @FILE} holding
     * either.
     */
    public static CellSpec cell(String text, String what) {
        String t = text.trim();
        if (t.startsWith("@")) {
            Path file = Path.of(t.substring(1));
            try {
                t = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw CliException.usage(what + " cannot read " + file + ": " + e.getMessage());
            }
        }
        if (t.startsWith("{")) t = "[" + t + "]";
        List<CellSpec> specs;
        try {
            specs = CellSpecJson.parse(t);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(what + " " + e.getMessage());
        }
        if (specs.size() != 1) throw CliException.usage(what + " expects exactly one cell spec, got " + specs.size());
        return specs.get(0);
    }

    /**
     * Splits a comma-separated list of model references where references may contain commas
     * themselves: {@code mobilenet_v1,fc:64,512,4,nasbench:{"matrix":[[0,1],[0,0]],...}} gives three.
     * Commas inside brackets, braces or strings never split; the integers following {@code fc:} join
     * it until it has three numbers.
     */
    public static List<String> splitList(String list) {
        List<String> raw = new ArrayList<>();
        int depth = 0;
        boolean inString = false;
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (inString) {
                if (c == '\\' && i + 1 < list.length()) {
                    cur.append(c).append(list.charAt(++i));
                    continue;
                }
                if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                raw.add(cur.toString().trim());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        raw.add(cur.toString().trim());
        List<String> out = new ArrayList<>();
        for (String s : raw) {
            if (!out.isEmpty()) {
                String last = out.get(out.size() - 1);
                if (last.startsWith("fc:") && last.split(",", -1).length < 3 && s.matches("\\d+")) {
                    out.set(out.size() - 1, last + "," + s);
                    continue;
                }
            }
            out.add(s);
        }
        out.removeIf(String::isEmpty);
        return out;
    }

    /** Parses {@code "12,40"} (blanks allowed, empty means no cut) into cut positions. */
    public static int[] parseCuts(String text, String option) {
        String t = text.trim();
        if (t.isEmpty()) return new int[0];
        String[] p = t.split(",", -1);
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            try {
                out[i] = Integer.parseInt(p[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage(
                        option + ": '" + p[i].trim() + "' is not an integer (expected a list like 12,40)");
            }
        }
        return out;
    }
}
