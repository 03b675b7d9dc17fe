package io.pipefarm.cli.ui;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A plain-text table with aligned columns: a header line, a dashed rule, one line per row. Columns
 * whose cells (except the header) all look numeric are right-aligned, others left-aligned; either can
 * be forced with {@link #align}. Cells are {@code String.valueOf(cell)}; null prints as {@code -}.
 *
 * <pre>{@code
 * Table t = new Table("model", "ops", "MACs");
 * t.row("mobilenet_v1", 31, "0.569G");
 * t.print(out);
 * }</pre>
 */
public final class Table {
    /** Column alignment. */
    public enum Align {
        AUTO,
        LEFT,
        RIGHT
    }

    private final String[] headers;
    private final Align[] align;
    private final List<String[]> rows = new ArrayList<>();
    private String indent = "";
    private String gap = "  ";

    public Table(String... headers) {
        if (headers.length == 0) throw new IllegalArgumentException("a table needs at least one column");
        this.headers = headers.clone();
        this.align = new Align[headers.length];
        Arrays.fill(align, Align.AUTO);
    }

    /** Forces the alignment of column {@code col}. */
    public Table align(int col, Align a) {
        align[col] = a;
        return this;
    }

    /** Prefix of every line (default none). */
    public Table indent(String prefix) {
        this.indent = prefix;
        return this;
    }

    /** Space between columns (default two spaces). */
    public Table gap(String gap) {
        this.gap = gap;
        return this;
    }

    /** Adds a row; missing trailing cells are blank, extra cells are an error. */
    public Table row(Object... cells) {
        if (cells.length > headers.length) {
            throw new IllegalArgumentException(
                    "row has " + cells.length + " cells, the table has " + headers.length + " columns");
        }
        String[] r = new String[headers.length];
        for (int i = 0; i < r.length; i++)
            r[i] = i < cells.length ? (cells[i] == null ? "-" : String.valueOf(cells[i])) : "";
        rows.add(r);
        return this;
    }

    public int size() {
        return rows.size();
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table as text, each line ending with a newline. */
    public String render() {
        int n = headers.length;
        int[] width = new int[n];
        boolean[] right = new boolean[n];
        for (int c = 0; c < n; c++) {
            width[c] = headers[c].length();
            boolean numeric = !rows.isEmpty();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
                if (!r[c].isEmpty() && !looksNumeric(r[c])) numeric = false;
            }
            right[c] = align[c] == Align.RIGHT || (align[c] == Align.AUTO && numeric);
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, width, right);
        String[] rule = new String[n];
        for (int c = 0; c < n; c++) rule[c] = "-".repeat(width[c]);
        line(sb, rule, width, right);
        for (String[] r : rows) line(sb, r, width, right);
        return sb.toString();
    }

    /** Prints {@link #render()} and flushes. */
    public void print(PrintWriter out) {
        out.print(render());
        out.flush();
    }

    @Override
    public String toString() {
        return render();
    }

    private void line(StringBuilder sb, String[] cells, int[] width, boolean[] right) {
        StringBuilder l = new StringBuilder(indent);
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) l.append(gap);
            String s = cells[c];
            int pad = width[c] - s.length();
            if (right[c]) l.append(" ".repeat(pad)).append(s);
            else if (c < cells.length - 1) l.append(s).append(" ".repeat(pad));
            else l.append(s);
        }
        // no trailing blanks
        int end = l.length();
        while (end > 0 && l.charAt(end - 1) == ' ') end--;
        sb.append(l, 0, end).append('\n');
    }

    /** Numbers with optional sign, grouping, decimals, a percent or a unit-ish suffix (e.g. 1.5M, 12%, 3.2x). */
    static boolean looksNumeric(String s) {
        if (s.equals("-")) return true;
        return s.matches(
                "[-+]?[0-9][0-9,_]*(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s?([%xkKMGTB]|ms|s|us|ns|KiB|MiB|GiB|MB|GB|kB)?");
    }

    /** Formats a number with a fixed number of decimals in the ROOT locale. */
    public static String fixed(double v, int decimals) {
        if (!Double.isFinite(v)) return "-";
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Thousands-grouped integer, e.g. {@code 4,253,864}. */
    public static String grouped(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** Bytes in B, KiB, MiB or GiB with one decimal (e.g. {@code 3.4 MiB}). */
    public static String bytes(long b) {
        if (b < 1024) return b + " B";
        double v = b;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Seconds as {@code m:ss} or {@code h:mm:ss}; {@code -} when negative or not finite. */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "-";
        long s = Math.round(seconds);
        long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
