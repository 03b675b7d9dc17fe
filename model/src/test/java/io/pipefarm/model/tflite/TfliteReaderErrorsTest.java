package io.pipefarm.model.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.flatbuffers.FlatBufferBuilder;
import io.pipefarm.model.graph.Graph;
import io.pipefarm.model.tflite.TfliteFormatException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TfliteReaderErrorsTest {

    private static final byte[] VALID = new TfliteWriter().write(TfliteTestGraphs.allOps());

    private static TfliteFormatException fails(byte[] bytes) {
        return assertThrows(TfliteFormatException.class, () -> TfliteReader.read(bytes));
    }

    /** Reading either succeeds or fails with a TfliteFormatException, never anything else. */
    private static void readsOrFailsCleanly(byte[] bytes, String what) {
        try {
            TfliteReader.read(bytes);
        } catch (TfliteFormatException e) {
            assertTrue(e.getMessage().startsWith("TFLite data: "), e.getMessage());
        } catch (Throwable t) {
            fail(what + ": unexpected " + t, t);
        }
    }

    @Test
    void empty() {
        TfliteFormatException e = fails(new byte[0]);
        assertEquals(Kind.EMPTY, e.kind());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void truncatedAtSeveralLengths() {
        int n = VALID.length;
        for (int len : new int[] {1, 3, 4, 7, 8, 12, 16, 64, 100, n / 4, n / 2, n - 100, n - 17, n - 1}) {
            TfliteFormatException e = fails(Arrays.copyOf(VALID, len));
            assertTrue(e.kind() == Kind.TRUNCATED || e.kind() == Kind.CORRUPTED, len + ": " + e.getMessage());
        }
        for (int len = 1; len < n; len += 7) readsOrFailsCleanly(Arrays.copyOf(VALID, len), "prefix " + len);
    }

    @Test
    void randomBytesAreNotTflite() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[8 + r.nextInt(4000)];
            r.nextBytes(b);
            if (b[4] == 'T' && b[5] == 'F' && b[6] == 'L' && b[7] == '3') continue;
            TfliteFormatException e = fails(b);
            assertEquals(Kind.NOT_TFLITE, e.kind());
            assertTrue(e.getMessage().contains("TFL3"), e.getMessage());
        }
    }

    @Test
    void identifierFollowedByGarbage() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[8 + r.nextInt(2000)];
            r.nextBytes(b);
            if (i % 2 == 0) {
                // a plausible root offset, so that parsing gets further
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 8 + r.nextInt(Math.max(1, b.length - 8)));
            }
            System.arraycopy("TFL3".getBytes(), 0, b, 4, 4);
            TfliteFormatException e = fails(b);
            assertNotEquals(Kind.NOT_TFLITE, e.kind());
            assertNotEquals(Kind.EMPTY, e.kind());
        }
    }

    @Test
    void mutatedValidFilesReadOrFailCleanly() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 3000; i++) {
            byte[] b = VALID.clone();
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) {
                // bias mutations towards the metadata at the start, where the tables are
                int pos = r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(Math.min(b.length, 3000));
                b[pos] = (byte) r.nextInt(256);
            }
            readsOrFailsCleanly(b, "mutation " + i);
        }
    }

    /** Position of field {@code field} (4 bytes) of tensor {@code index} in {@code bytes}. */
    private static int tensorField(byte[] bytes, int index, int field) throws TfliteFormatException {
        FlatView v = new FlatView(ByteBuffer.wrap(bytes), null);
        FlatView.Table model = v.table(v.deref(0, "root"), "model");
        FlatView.Table sg = model.element(model.vector(Schema.MODEL_SUBGRAPHS, 4, "sg"), 0, "sg");
        FlatView.Table t = model.element(sg.vector(Schema.SUBGRAPH_TENSORS, 4, "t"), index, "t");
        return t.field(field, field == Schema.TENSOR_TYPE ? 1 : 4);
    }

    private static int firstConstant(Graph g) {
        for (int t = 0; t < g.tensors().size(); t++) if (g.tensor(t).isConstant()) return t;
        throw new AssertionError();
    }

    @Test
    void corruptedBufferIndex() throws Exception {
        int t = firstConstant(TfliteTestGraphs.allOps());
        byte[] b = VALID.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(tensorField(b, t, Schema.TENSOR_BUFFER), 9999);
        TfliteFormatException e = fails(b);
        assertEquals(Kind.CORRUPTED, e.kind());
        assertTrue(e.getMessage().contains("tensor " + t) && e.getMessage().contains("buffer 9999"), e.getMessage());
    }

    @Test
    void dataSizeNotMatchingShape() throws Exception {
        Graph g = TfliteTestGraphs.allOps();
        int t = firstConstant(g);
        byte[] b = VALID.clone();
        // point the constant at another constant's buffer of a different size
        int other = -1;
        for (int k = t + 1; k < g.tensors().size(); k++) {
            if (g.tensor(k).isConstant()
                    && g.tensor(k).byteSize() != g.tensor(t).byteSize()) {
                other = k;
                break;
            }
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(tensorField(b, t, Schema.TENSOR_BUFFER), bb.getInt(tensorField(b, other, Schema.TENSOR_BUFFER)));
        TfliteFormatException e = fails(b);
        assertEquals(Kind.CORRUPTED, e.kind());
        assertTrue(e.getMessage().contains("data bytes"), e.getMessage());
    }

    @Test
    void unknownTensorTypeIsNamed() throws Exception {
        byte[] b = VALID.clone();
        b[tensorField(b, 0, Schema.TENSOR_TYPE)] = 8; // COMPLEX64
        TfliteFormatException e = fails(b);
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("COMPLEX64") && e.getMessage().contains("tensor 0 'image'"), e.getMessage());
    }

    @Test
    void tensorIndexOutOfRangeInAnOperator() throws Exception {
        byte[] b = VALID.clone();
        FlatView v = new FlatView(ByteBuffer.wrap(b), null);
        FlatView.Table model = v.table(v.deref(0, "root"), "model");
        FlatView.Table sg = model.element(model.vector(Schema.MODEL_SUBGRAPHS, 4, "sg"), 0, "sg");
        FlatView.Table op = model.element(sg.vector(Schema.SUBGRAPH_OPERATORS, 4, "ops"), 3, "op");
        FlatView.Vec inputs = op.vector(Schema.OP_INPUTS, 4, "inputs");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(inputs.at(0), 12345);
        TfliteFormatException e = fails(b);
        assertEquals(Kind.CORRUPTED, e.kind());
        assertTrue(e.getMessage().contains("operator 3") && e.getMessage().contains("12345"), e.getMessage());
    }

    @Test
    void wrongSchemaVersion() throws Exception {
        byte[] b = VALID.clone();
        FlatView v = new FlatView(ByteBuffer.wrap(b), null);
        FlatView.Table model = v.table(v.deref(0, "root"), "model");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(model.field(Schema.MODEL_VERSION, 4), 2);
        TfliteFormatException e = fails(b);
        assertEquals(Kind.UNSUPPORTED, e.kind());
        assertTrue(e.getMessage().contains("schema version 2"), e.getMessage());
    }

    @Test
    void messagesNameTheFile(@TempDir Path dir) throws Exception {
        Path empty = Files.write(dir.resolve("empty.tflite"), new byte[0]);
        TfliteFormatException e = assertThrows(TfliteFormatException.class, () -> TfliteReader.read(empty));
        assertEquals(Kind.EMPTY, e.kind());
        assertEquals(empty.toString(), e.source());
        assertTrue(e.getMessage().startsWith(empty.toString() + ": "), e.getMessage());

        Path cut = Files.write(dir.resolve("cut.tflite"), Arrays.copyOf(VALID, VALID.length / 2));
        e = assertThrows(TfliteFormatException.class, () -> TfliteReader.read(cut));
        assertTrue(e.getMessage().startsWith(cut.toString() + ": "), e.getMessage());

        Path png =
                Files.write(dir.resolve("photo.tflite"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        e = assertThrows(TfliteFormatException.class, () -> TfliteReader.read(png));
        assertEquals(Kind.NOT_TFLITE, e.kind());
        assertTrue(
                e.getMessage().contains("photo.tflite") && e.getMessage().contains("not a TFLite file"),
                e.getMessage());
    }

    @Test
    void sharedObjectsCannotBlowUpReading() {
        // 3000 tensors whose shapes all point at one vector of 100k dimensions: a 0.4 MB file that a naive
        // reader would decode into 1.2 GB of shapes. Reading must stay linear and fail cleanly instead.
        FlatBufferBuilder b = new FlatBufferBuilder(1 << 20);
        b.startTable(Schema.BUFFER_FIELDS);
        int buffer0 = b.endTable();
        b.startVector(4, 1, 4);
        b.addOffset(buffer0);
        int buffers = b.endVector();
        b.startVector(4, 100_000, 4);
        for (int i = 0; i < 100_000; i++) b.addInt(1);
        int shape = b.endVector();
        int[] tensors = new int[3000];
        for (int i = 0; i < tensors.length; i++) {
            b.startTable(Schema.TENSOR_FIELDS);
            b.addOffset(Schema.TENSOR_SHAPE, shape, 0);
            b.addByte(Schema.TENSOR_TYPE, (byte) 9, 0);
            tensors[i] = b.endTable();
        }
        b.startVector(4, tensors.length, 4);
        for (int i = tensors.length - 1; i >= 0; i--) b.addOffset(tensors[i]);
        int tv = b.endVector();
        b.startTable(Schema.SUBGRAPH_FIELDS);
        b.addOffset(Schema.SUBGRAPH_TENSORS, tv, 0);
        int sg = b.endTable();
        b.startVector(4, 1, 4);
        b.addOffset(sg);
        int sgs = b.endVector();
        b.startTable(Schema.MODEL_FIELDS);
        b.addInt(Schema.MODEL_VERSION, 3, 0);
        b.addOffset(Schema.MODEL_SUBGRAPHS, sgs, 0);
        b.addOffset(Schema.MODEL_BUFFERS, buffers, 0);
        b.finish(b.endTable(), "TFL3");
        byte[] bytes = b.sizedByteArray();
        assertTrue(bytes.length < 600_000);
        TfliteFormatException e = fails(bytes);
        assertEquals(Kind.CORRUPTED, e.kind());
        assertTrue(e.getMessage().contains("referenced over and over"), e.getMessage());
    }
}
