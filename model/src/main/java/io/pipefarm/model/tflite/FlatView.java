package io.pipefarm.model.tflite;

import io.pipefarm.model.tflite.TfliteFormatException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked reads of a flatbuffer. Every offset is checked against the data before it is followed,
 * so a malformed file yields a {@link TfliteFormatException}, never an unchecked exception. Positions
 * are absolute indexes into the (little-endian) buffer; position 0 is the start of the flatbuffer.
 */
final class FlatView {
    final ByteBuffer bb;
    final int length;
    final String source;
    /**
     * Bytes of vectors decoded so far. Flatbuffer objects may be shared by offsets, so a hostile file
     * could make a reader decode the same large vector many times; the budget keeps reading linear.
     */
    private long decoded;

    private final long budget;

    FlatView(ByteBuffer data, String source) {
        this.bb = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.length = bb.limit();
        this.source = source;
        this.budget = 4L * length + (1 << 20);
    }

    TfliteFormatException corrupted(String problem) {
        return new TfliteFormatException(Kind.CORRUPTED, source, problem);
    }

    TfliteFormatException unsupported(String problem) {
        return new TfliteFormatException(Kind.UNSUPPORTED, source, problem);
    }

    /** Checks that {@code size} bytes at {@code pos} lie inside the data. */
    void check(long pos, long size, String what) throws TfliteFormatException {
        if (pos < 0 || size < 0) throw corrupted(what + " has a negative position or size");
        if (pos + size > length) {
            throw new TfliteFormatException(
                    Kind.TRUNCATED,
                    source,
                    what + " at byte " + pos + " (" + size + " bytes) lies past the end of the data (" + length
                            + " bytes)");
        }
    }

    int u8(int pos) {
        return bb.get(pos) & 0xFF;
    }

    int i32(int pos) {
        return bb.getInt(pos);
    }

    /** Follows the uoffset stored at {@code pos}; the target must lie inside the data. */
    int deref(int pos, String what) throws TfliteFormatException {
        check(pos, 4, what + " (offset)");
        long off = bb.getInt(pos) & 0xFFFFFFFFL;
        if (off == 0) throw corrupted(what + " has a zero offset");
        long target = pos + off;
        check(target, 4, what);
        return (int) target;
    }

    Table table(int pos, String what) throws TfliteFormatException {
        check(pos, 4, what);
        long vt = (long) pos - bb.getInt(pos);
        check(vt, 4, what + " vtable");
        int vtSize = bb.getShort((int) vt) & 0xFFFF;
        int inline = bb.getShort((int) vt + 2) & 0xFFFF;
        if (vtSize < 4 || (vtSize & 1) != 0) throw corrupted(what + " has a malformed vtable (size " + vtSize + ")");
        check(vt, vtSize, what + " vtable");
        if (inline < 4) throw corrupted(what + " has a malformed vtable (object size " + inline + ")");
        check(pos, inline, what);
        return new Table(pos, (int) vt, vtSize, inline, what);
    }

    /** A vector of {@code count} elements of {@code elemSize} bytes starting at {@code start}. */
    record Vec(int start, int count, int elemSize, String what) {
        int at(int i) {
            return start + i * elemSize;
        }
    }

    Vec vector(int pos, int elemSize, String what) throws TfliteFormatException {
        check(pos, 4, what + " length");
        long count = bb.getInt(pos) & 0xFFFFFFFFL;
        check(pos + 4L, count * elemSize, what);
        decoded += count * elemSize;
        if (decoded > budget) {
            throw corrupted(what + ": the file's objects are referenced over and over (more than " + budget
                    + " bytes decoded from " + length + ")");
        }
        return new Vec(pos + 4, (int) count, elemSize, what);
    }

    /** A table: its position, vtable and the inline size the vtable declares. */
    final class Table {
        final int pos;
        final int vt;
        final int vtSize;
        final int inlineSize;
        final String what;

        Table(int pos, int vt, int vtSize, int inlineSize, String what) {
            this.pos = pos;
            this.vt = vt;
            this.vtSize = vtSize;
            this.inlineSize = inlineSize;
            this.what = what;
        }

        FlatView view() {
            return FlatView.this;
        }

        /** Number of field slots in the vtable. */
        int slots() {
            return (vtSize - 4) / 2;
        }

        /** Offset of field {@code id} inside the table, 0 when absent. */
        int fieldOffset(int id) {
            int slot = 4 + 2 * id;
            if (slot + 2 > vtSize) return 0;
            return bb.getShort(vt + slot) & 0xFFFF;
        }

        boolean has(int id) {
            return fieldOffset(id) != 0;
        }

        /** Absolute position of field {@code id} of {@code size} bytes, or -1 when absent. */
        int field(int id, int size) throws TfliteFormatException {
            int off = fieldOffset(id);
            if (off == 0) return -1;
            if (off < 4 || off + size > inlineSize) throw corrupted(what + ": field " + id + " lies outside its table");
            return pos + off;
        }

        int i8(int id, int def) throws TfliteFormatException {
            int p = field(id, 1);
            return p < 0 ? def : bb.get(p);
        }

        int u8(int id, int def) throws TfliteFormatException {
            int p = field(id, 1);
            return p < 0 ? def : bb.get(p) & 0xFF;
        }

        boolean bool(int id, boolean def) throws TfliteFormatException {
            int p = field(id, 1);
            return p < 0 ? def : bb.get(p) != 0;
        }

        int i32(int id, int def) throws TfliteFormatException {
            int p = field(id, 4);
            return p < 0 ? def : bb.getInt(p);
        }

        /** An unsigned 32-bit field; values above Integer.MAX_VALUE are reported as corruption. */
        int u32(int id, int def) throws TfliteFormatException {
            int p = field(id, 4);
            if (p < 0) return def;
            int v = bb.getInt(p);
            if (v < 0) throw corrupted(what + ": field " + id + " holds " + (v & 0xFFFFFFFFL) + ", out of range");
            return v;
        }

        long i64(int id, long def) throws TfliteFormatException {
            int p = field(id, 8);
            return p < 0 ? def : bb.getLong(p);
        }

        float f32(int id, float def) throws TfliteFormatException {
            int p = field(id, 4);
            return p < 0 ? def : bb.getFloat(p);
        }

        /** Position of the object an offset field points to, or -1 when absent. */
        int ref(int id, String name) throws TfliteFormatException {
            int p = field(id, 4);
            return p < 0 ? -1 : deref(p, what + "." + name);
        }

        Table table(int id, String name) throws TfliteFormatException {
            int p = ref(id, name);
            return p < 0 ? null : FlatView.this.table(p, what + "." + name);
        }

        Vec vector(int id, int elemSize, String name) throws TfliteFormatException {
            int p = ref(id, name);
            return p < 0 ? null : FlatView.this.vector(p, elemSize, what + "." + name);
        }

        String string(int id, String name) throws TfliteFormatException {
            Vec v = vector(id, 1, name);
            if (v == null) return null;
            byte[] b = new byte[v.count()];
            bb.get(v.start(), b);
            return new String(b, StandardCharsets.UTF_8);
        }

        int[] ints(int id, String name) throws TfliteFormatException {
            Vec v = vector(id, 4, name);
            if (v == null) return null;
            int[] out = new int[v.count()];
            for (int i = 0; i < out.length; i++) out[i] = bb.getInt(v.at(i));
            return out;
        }

        float[] floats(int id, String name) throws TfliteFormatException {
            Vec v = vector(id, 4, name);
            if (v == null) return null;
            float[] out = new float[v.count()];
            for (int i = 0; i < out.length; i++) out[i] = bb.getFloat(v.at(i));
            return out;
        }

        long[] longs(int id, String name) throws TfliteFormatException {
            Vec v = vector(id, 8, name);
            if (v == null) return null;
            long[] out = new long[v.count()];
            for (int i = 0; i < out.length; i++) out[i] = bb.getLong(v.at(i));
            return out;
        }

        byte[] bytes(int id, String name) throws TfliteFormatException {
            Vec v = vector(id, 1, name);
            if (v == null) return null;
            byte[] out = new byte[v.count()];
            bb.get(v.start(), out);
            return out;
        }

        /** The table at element {@code i} of a vector of tables. */
        Table element(Vec v, int i, String name) throws TfliteFormatException {
            return FlatView.this.table(deref(v.at(i), name), name);
        }
    }
}
