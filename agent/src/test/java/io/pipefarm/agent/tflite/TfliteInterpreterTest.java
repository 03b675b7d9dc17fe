package io.pipefarm.agent.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TfliteInterpreterTest {

    @Test
    void loadsBundledLibraryAndReportsVersion() {
        assertEquals("2.20.0", TfliteRuntime.load());
        assertTrue(Files.isRegularFile(TfliteRuntime.libraryPath()), "extracted: " + TfliteRuntime.libraryPath());
        assertTrue(TfliteRuntime.libraryPath().isAbsolute());
    }

    @Test
    void int8AddEndToEnd() {
        byte[] model = TinyModels.add(4);
        try (TfliteInterpreter interp = TfliteInterpreter.create(model, 1)) {
            List<TensorInfo> in = interp.inputs();
            assertEquals(2, in.size());
            assertEquals("a", in.get(0).name());
            assertEquals(TensorType.INT8, in.get(0).type());
            assertEquals(List.of(1, 4), in.get(0).shape());
            assertEquals(4, in.get(0).byteSize());
            assertEquals(1.0f, in.get(0).scale());
            assertEquals(0, in.get(0).zeroPoint());
            assertEquals(1, interp.outputs().size());
            assertEquals("sum", interp.outputs().get(0).name());

            interp.setInput(0, new byte[] {1, -5, 100, -100});
            interp.setInput(1, new byte[] {2, 3, 100, -100});
            interp.invoke();
            assertArrayEquals(new byte[] {3, -2, 127, -128}, interp.output(0));

            // again with other data: the interpreter is reusable
            interp.setInput(0, new byte[] {10, 20, 30, 40});
            interp.setInput(1, new byte[] {-1, -2, -3, -4});
            assertTrue(interp.invokeTimed() > 0);
            assertArrayEquals(new byte[] {9, 18, 27, 36}, interp.output(0));
        }
    }

    @Test
    void int8FullyConnectedEndToEnd() {
        byte[][] w = {{1, 2, 3, 4}, {-1, 0, 1, 0}, {10, 10, 10, 10}};
        int[] bias = {5, -3, 0};
        byte[] x = {1, 2, 3, 4};
        byte[] expected = new byte[3];
        for (int j = 0; j < 3; j++) {
            int acc = bias[j];
            for (int i = 0; i < 4; i++) acc += x[i] * w[j][i];
            expected[j] = (byte) Math.max(-128, Math.min(127, acc));
        }
        // {35, -1, 100}
        try (TfliteInterpreter interp = TfliteInterpreter.create(TinyModels.fullyConnected(w, bias), 2)) {
            assertEquals(1, interp.inputs().size());
            assertEquals(List.of(1, 3), interp.outputs().get(0).shape());
            interp.setInput(0, x);
            interp.invoke();
            assertArrayEquals(expected, interp.output(0));
        }
    }

    @Test
    void wrongInputSizeIsAClearError() {
        try (TfliteInterpreter interp = TfliteInterpreter.create(TinyModels.add(4), 1)) {
            TfliteException e = assertThrows(TfliteException.class, () -> interp.setInput(0, new byte[3]));
            assertEquals(TfliteException.Kind.BAD_INPUT, e.kind());
            assertTrue(e.getMessage().contains("needs 4 bytes, got 3"), e.getMessage());
            e = assertThrows(TfliteException.class, () -> interp.setInput(2, new byte[4]));
            assertEquals(TfliteException.Kind.BAD_INPUT, e.kind());
        }
    }

    @Test
    void corruptModelIsALoadErrorWithTfliteText() {
        byte[] garbage = new byte[256];
        Arrays.fill(garbage, (byte) 0x5a);
        TfliteException e = assertThrows(TfliteException.class, () -> TfliteInterpreter.create(garbage, 1));
        assertEquals(TfliteException.Kind.LOAD, e.kind());
        assertTrue(e.getMessage().contains("invalid TFLite model"), e.getMessage());

        byte[] valid = TinyModels.add(4);
        byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
        e = assertThrows(TfliteException.class, () -> TfliteInterpreter.create(truncated, 1));
        assertEquals(TfliteException.Kind.LOAD, e.kind());
        System.out.println("corrupt model message: " + e.getMessage());
    }

    @Test
    void interpreterIsConfinedToItsThread() throws Exception {
        try (TfliteInterpreter interp = TfliteInterpreter.create(TinyModels.add(2), 1)) {
            AtomicReference<Throwable> err = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    interp.invoke();
                } catch (Throwable x) {
                    err.set(x);
                }
            });
            t.start();
            t.join();
            assertTrue(err.get() instanceof IllegalStateException, String.valueOf(err.get()));
        }
    }

    @Test
    void sharedModelOutlivesInterpreters() {
        try (TfliteModel model = TfliteModel.fromBytes(TinyModels.add(2))) {
            TfliteInterpreter a = TfliteInterpreter.create(model, new TfliteInterpreter.Options().threads(1));
            assertThrows(IllegalStateException.class, model::close);
            a.setInput(0, new byte[] {1, 2});
            a.setInput(1, new byte[] {3, 4});
            a.invoke();
            assertArrayEquals(new byte[] {4, 6}, a.output(0));
            a.close();
            a.close(); // idempotent
            assertThrows(IllegalStateException.class, a::invoke);
        }
    }
}
