/**
 * The simulated Edge TPU (DESIGN.md section 7): {@link io.pipefarm.model.sim.EdgeTpuSimConfig} (every
 * parameter, with {@code usb()} / {@code pci()} presets and map overrides),
 * {@link io.pipefarm.model.sim.EdgeTpuSimulator} (noise-free {@link io.pipefarm.model.sim.Estimate}s and
 * seeded samples), {@link io.pipefarm.model.sim.SimulatedDevice} (remembers the loaded model, charges
 * switches) and {@link io.pipefarm.model.sim.CalibrationReport} (simulated vs published figures).
 * Plain Java: no actors, no native code.
 */
package io.pipefarm.model.sim;
