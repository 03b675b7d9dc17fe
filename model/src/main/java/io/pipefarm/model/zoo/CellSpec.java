package io.pipefarm.model.zoo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A NASBench-101 cell: a V x V upper-triangular 0/1 adjacency matrix ({@code matrix[src][dst]}) and
 * the op of each vertex ({@code input} first, {@code output} last, inner ops from
 * {@link #INNER_OPS}). Created through {@link #of}, which validates the spec and prunes vertices that
 * are not on an input-to-output path. {@link #matrix()} and {@link #ops()} are the pruned cell (what the
 * network is built from); {@link #originalMatrix()} and {@link #originalOps()} are as given.
 */
public final class CellSpec {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final String CONV3X3 = "conv3x3-bn-relu";
    public static final String CONV1X1 = "conv1x1-bn-relu";
    public static final String MAXPOOL3X3 = "maxpool3x3";
    public static final List<String> INNER_OPS = List.of(CONV3X3, CONV1X1, MAXPOOL3X3);
    public static final int MAX_VERTICES = 7;
    public static final int MAX_EDGES = 9;

    private final int[][] originalMatrix;
    private final List<String> originalOps;
    private final int[][] matrix;
    private final List<String> ops;
    private String hash;

    private CellSpec(int[][] originalMatrix, List<String> originalOps, int[][] matrix, List<String> ops) {
        this.originalMatrix = originalMatrix;
        this.originalOps = originalOps;
        this.matrix = matrix;
        this.ops = ops;
    }

    /**
     * Validates and prunes a spec.
     *
     * @throws IllegalArgumentException saying what is wrong: shape, non-0/1 entries, not strictly upper
     *     triangular, bad op names or positions, too many vertices, input not connected to output, or
     *     more than {@value #MAX_EDGES} edges after pruning
     */
    public static CellSpec of(int[][] matrix, List<String> ops) {
        if (matrix == null || ops == null)
            throw new IllegalArgumentException("cell spec needs a matrix and an ops list");
        int v = matrix.length;
        if (v < 2)
            throw new IllegalArgumentException("cell has " + v + " vertices; it needs at least 2 (input and output)");
        if (v > MAX_VERTICES)
            throw new IllegalArgumentException("cell has " + v + " vertices; at most " + MAX_VERTICES + " are allowed");
        if (ops.size() != v)
            throw new IllegalArgumentException("matrix has " + v + " vertices but ops has " + ops.size() + " entries");
        int[][] m = new int[v][];
        for (int i = 0; i < v; i++) {
            if (matrix[i] == null || matrix[i].length != v) {
                throw new IllegalArgumentException("matrix is not square: row " + i + " has "
                        + (matrix[i] == null ? 0 : matrix[i].length) + " entries, expected " + v);
            }
            m[i] = matrix[i].clone();
            for (int j = 0; j < v; j++) {
                int e = m[i][j];
                if (e != 0 && e != 1)
                    throw new IllegalArgumentException(
                            "matrix[" + i + "][" + j + "] = " + e + "; entries must be 0 or 1");
                if (e == 1 && j <= i) {
                    throw new IllegalArgumentException("matrix is not strictly upper triangular: edge " + i + " -> " + j
                            + (i == j ? " is a self-loop" : " goes backwards"));
                }
            }
        }
        for (int i = 0; i < v; i++) {
            String op = ops.get(i);
            if (op == null) throw new IllegalArgumentException("ops[" + i + "] is null");
            if (i == 0) {
                if (!INPUT.equals(op))
                    throw new IllegalArgumentException("ops[0] must be \"input\", got \"" + op + "\"");
            } else if (i == v - 1) {
                if (!OUTPUT.equals(op))
                    throw new IllegalArgumentException(
                            "ops[" + i + "] (the last) must be \"output\", got \"" + op + "\"");
            } else if (!INNER_OPS.contains(op)) {
                throw new IllegalArgumentException("ops[" + i + "] = \"" + op + "\" is not one of " + INNER_OPS);
            }
        }
        List<String> o = List.copyOf(ops);

        // Prune: keep vertices reachable from the input and able to reach the output.
        boolean[] fromInput = new boolean[v];
        fromInput[0] = true;
        for (int i = 0; i < v; i++) {
            if (!fromInput[i]) continue;
            for (int j = i + 1; j < v; j++) if (m[i][j] == 1) fromInput[j] = true;
        }
        boolean[] toOutput = new boolean[v];
        toOutput[v - 1] = true;
        for (int j = v - 1; j >= 0; j--) {
            if (!toOutput[j]) continue;
            for (int i = 0; i < j; i++) if (m[i][j] == 1) toOutput[i] = true;
        }
        if (!fromInput[v - 1]) throw new IllegalArgumentException("invalid cell: the input cannot reach the output");
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < v; i++) if (fromInput[i] && toOutput[i]) keep.add(i);
        int n = keep.size();
        int[][] pm = new int[n][n];
        List<String> po = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            po.add(o.get(keep.get(a)));
            for (int b = 0; b < n; b++) pm[a][b] = m[keep.get(a)][keep.get(b)];
        }
        int edges = countEdges(pm);
        if (edges > MAX_EDGES) {
            throw new IllegalArgumentException(
                    "cell has " + edges + " edges after pruning; at most " + MAX_EDGES + " are allowed");
        }
        return new CellSpec(m, o, pm, List.copyOf(po));
    }

    /** True if {@link #of} accepts the spec. */
    public static boolean isValid(int[][] matrix, List<String> ops) {
        try {
            of(matrix, ops);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int countEdges(int[][] m) {
        int e = 0;
        for (int[] row : m) for (int x : row) e += x;
        return e;
    }

    /** Vertices of the pruned cell. */
    public int vertices() {
        return matrix.length;
    }

    /** Edges of the pruned cell. */
    public int edges() {
        return countEdges(matrix);
    }

    public boolean edge(int src, int dst) {
        return matrix[src][dst] == 1;
    }

    /** The pruned adjacency matrix (a copy). */
    public int[][] matrix() {
        return deepCopy(matrix);
    }

    /** The pruned op list. */
    public List<String> ops() {
        return ops;
    }

    public String op(int v) {
        return ops.get(v);
    }

    /** The matrix as given to {@link #of} (a copy). */
    public int[][] originalMatrix() {
        return deepCopy(originalMatrix);
    }

    public List<String> originalOps() {
        return originalOps;
    }

    /** True if pruning removed vertices. */
    public boolean wasPruned() {
        return matrix.length != originalMatrix.length;
    }

    /** This cell as given by its pruned matrix and ops (equal to this if nothing was pruned). */
    public CellSpec pruned() {
        return wasPruned() ? new CellSpec(matrix, ops, matrix, ops) : this;
    }

    /**
     * Channels of each vertex of the pruned cell for a cell from {@code inChannels} to
     * {@code outChannels}, per the NASBench-101 rule: interior vertices feeding the output split
     * {@code outChannels} (the first {@code outChannels mod d} of them in index order get one more);
     * other interior vertices take the maximum of their interior successors, from the back.
     */
    public int[] vertexChannels(int inChannels, int outChannels) {
        int v = matrix.length;
        int[] c = new int[v];
        c[0] = inChannels;
        c[v - 1] = outChannels;
        if (v == 2) return c;
        int d = 0;
        for (int s = 1; s < v - 1; s++) d += matrix[s][v - 1];
        if (d == 0) return c; // unreachable after pruning: every interior vertex reaches the output
        int base = outChannels / d;
        int extra = outChannels % d;
        for (int s = 1; s < v - 1; s++) {
            if (matrix[s][v - 1] == 1) {
                c[s] = base;
                if (extra > 0) {
                    c[s]++;
                    extra--;
                }
            }
        }
        for (int s = v - 2; s >= 1; s--) {
            if (matrix[s][v - 1] == 1) continue;
            for (int t = s + 1; t < v - 1; t++) if (matrix[s][t] == 1) c[s] = Math.max(c[s], c[t]);
        }
        return c;
    }

    /**
     * A fingerprint of the pruned cell that is invariant under renumbering its vertices (any
     * isomorphic cell has the same one): iterative neighbourhood label hashing with SHA-256, starting
     * from (out-degree, in-degree, op) per vertex and refining for V rounds with the sorted hashes of
     * in- and out-neighbours; the fingerprint hashes the sorted final labels. 32 hex digits.
     */
    public String hash() {
        String h = hash;
        if (h == null) {
            hash = h = computeHash();
        }
        return h;
    }

    private String computeHash() {
        int v = matrix.length;
        String[] labels = new String[v];
        for (int i = 0; i < v; i++) {
            int in = 0, out = 0;
            for (int j = 0; j < v; j++) {
                in += matrix[j][i];
                out += matrix[i][j];
            }
            labels[i] = digest(out + "," + in + "," + ops.get(i));
        }
        for (int round = 0; round < v; round++) {
            String[] next = new String[v];
            for (int i = 0; i < v; i++) {
                List<String> ins = new ArrayList<>();
                List<String> outs = new ArrayList<>();
                for (int j = 0; j < v; j++) {
                    if (matrix[j][i] == 1) ins.add(labels[j]);
                    if (matrix[i][j] == 1) outs.add(labels[j]);
                }
                ins.sort(null);
                outs.sort(null);
                next[i] = digest(String.join("", ins) + "|" + String.join("", outs) + "|" + labels[i]);
            }
            labels = next;
        }
        String[] sorted = labels.clone();
        Arrays.sort(sorted);
        return digest(String.join(",", sorted)).substring(0, 32);
    }

    private static String digest(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(64);
            for (byte b : d) sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static int[][] deepCopy(int[][] m) {
        int[][] c = new int[m.length][];
        for (int i = 0; i < m.length; i++) c[i] = m[i].clone();
        return c;
    }

    /** Equal when the given (original) matrix and ops are equal. For isomorphism use {@link #hash()}. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CellSpec c
                && Arrays.deepEquals(originalMatrix, c.originalMatrix)
                && originalOps.equals(c.originalOps);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(originalMatrix) * 31 + originalOps.hashCode();
    }

    /** The spec in the pipefarm JSON spec format (one object, original matrix and ops). */
    @Override
    public String toString() {
        return CellSpecJson.toJson(this);
    }
}
