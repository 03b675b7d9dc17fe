package io.pipefarm.model.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Copies a {@code BuiltinOptions} table of an operator the IR does not know, field by field, from one
 * flatbuffer into a builder, so that it can be kept as bytes ({@link io.pipefarm.model.graph.OpOptions.Opaque#rawOptions()})
 * and re-emitted later.
 *
 * <p>All members of {@code BuiltinOptions} hold scalars only, except the few listed in
 * {@link #offsetFields}; a scalar field is copied as the bytes from its offset up to the next field (or
 * the end of the table), as the widest naturally aligned integer (1, 2, 4 or 8 bytes) that fits there.
 * That integer holds the field's value plus, at most, the zero padding that followed it, so whatever
 * width the schema gives the field, a reader gets the same value. The copy writes fields widest first, so
 * copying a copy gives the same bytes (the form is canonical).
 *
 * <p>The raw form kept in the IR is a standalone flatbuffer (no file identifier) whose root is the
 * options table.
 */
final class OptionsCopier {
    private OptionsCopier() {}

    private enum Kind {
        VEC4,
        STRING
    }

    /** Offset-valued fields of the BuiltinOptions members that have any (per the schema). */
    private static Kind[] offsetFields(int optionsType) {
        return switch (optionsType) {
            case Schema.OPT_CONCAT_EMBEDDINGS -> new Kind[] {null, Kind.VEC4, Kind.VEC4};
            case Schema.OPT_RESHAPE, Schema.OPT_SQUEEZE, Schema.OPT_BUCKETIZE -> new Kind[] {Kind.VEC4};
            case Schema.OPT_VAR_HANDLE -> new Kind[] {Kind.STRING, Kind.STRING};
            default -> new Kind[0];
        };
    }

    private record Field(int id, int width, Kind kind, int srcPos) {}

    /** Copies the options table at {@code t} (of union type {@code optionsType}) into {@code b}; returns its offset. */
    static int copy(FlatView.Table t, int optionsType, FlatBufferBuilder b) throws TfliteFormatException {
        FlatView v = t.view();
        if (optionsType <= 0 || optionsType > Schema.OPT_LAST) {
            throw v.unsupported(t.what + " has options type " + optionsType
                    + ", which is not a BuiltinOptions member this reader knows");
        }
        Kind[] offsets = offsetFields(optionsType);
        int slots = t.slots();
        List<int[]> present = new ArrayList<>(); // {id, offset}
        for (int id = 0; id < slots; id++) {
            int off = t.fieldOffset(id);
            if (off == 0) continue;
            if (off < 4 || off >= t.inlineSize) throw v.corrupted(t.what + ": field " + id + " lies outside its table");
            present.add(new int[] {id, off});
        }
        present.sort(Comparator.comparingInt(a -> a[1]));
        List<Field> fields = new ArrayList<>();
        for (int k = 0; k < present.size(); k++) {
            int id = present.get(k)[0];
            int off = present.get(k)[1];
            int next = k + 1 < present.size() ? present.get(k + 1)[1] : t.inlineSize;
            int gap = next - off;
            if (gap <= 0) throw v.corrupted(t.what + ": fields " + id + " and " + present.get(k + 1)[0] + " overlap");
            Kind kind = id < offsets.length ? offsets[id] : null;
            int abs = t.pos + off;
            if (kind != null) {
                if (gap < 4) throw v.corrupted(t.what + ": offset field " + id + " is too small");
                fields.add(new Field(id, 4, kind, abs));
            } else {
                int w = 8;
                while (w > gap || abs % w != 0) w >>= 1;
                fields.add(new Field(id, w, null, abs));
            }
        }
        // Children first (a flatbuffer builder writes back to front), in field id order.
        fields.sort(Comparator.comparingInt(Field::id));
        int[] childOffsets = new int[fields.size()];
        for (int k = 0; k < fields.size(); k++) {
            Field f = fields.get(k);
            if (f.kind() == null) continue;
            int target = v.deref(f.srcPos(), t.what + " field " + f.id());
            if (f.kind() == Kind.VEC4) {
                FlatView.Vec vec = v.vector(target, 4, t.what + " field " + f.id());
                b.startVector(4, vec.count(), 4);
                for (int i = vec.count() - 1; i >= 0; i--) b.addInt(v.bb.getInt(vec.at(i)));
                childOffsets[k] = b.endVector();
            } else {
                FlatView.Vec vec = v.vector(target, 1, t.what + " field " + f.id());
                v.check(vec.start(), vec.count() + 1L, t.what + " field " + f.id() + " (string)");
                ByteBuffer s = v.bb.duplicate();
                s.limit(vec.start() + vec.count()).position(vec.start());
                childOffsets[k] = b.createString(s);
            }
        }
        int maxId = -1;
        for (Field f : fields) maxId = Math.max(maxId, f.id());
        b.startTable(maxId + 1);
        Integer[] order = new Integer[fields.size()];
        for (int k = 0; k < order.length; k++) order[k] = k;
        Arrays.sort(
                order,
                Comparator.<Integer>comparingInt(k -> -fields.get(k).width())
                        .thenComparingInt(k -> fields.get(k).id()));
        for (int k : order) {
            Field f = fields.get(k);
            if (f.kind() != null) {
                b.addOffset(childOffsets[k]);
            } else {
                switch (f.width()) {
                    case 8 -> b.addLong(v.bb.getLong(f.srcPos()));
                    case 4 -> b.addInt(v.bb.getInt(f.srcPos()));
                    case 2 -> b.addShort(v.bb.getShort(f.srcPos()));
                    default -> b.addByte(v.bb.get(f.srcPos()));
                }
            }
            b.slot(f.id());
        }
        return b.endTable();
    }

    /** The options table at {@code t} as a standalone flatbuffer (the IR's raw form). */
    static byte[] toRaw(FlatView.Table t, int optionsType) throws TfliteFormatException {
        FlatBufferBuilder b = new FlatBufferBuilder(64);
        b.finish(copy(t, optionsType, b));
        return b.sizedByteArray();
    }

    /** Re-emits raw options (as produced by {@link #toRaw}) into {@code b}; returns the table's offset. */
    static int fromRaw(byte[] raw, int optionsType, FlatBufferBuilder b, String what) {
        try {
            FlatView v = new FlatView(ByteBuffer.wrap(raw), what);
            int root = v.deref(0, "options table");
            return copy(v.table(root, "options table"), optionsType, b);
        } catch (TfliteFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
