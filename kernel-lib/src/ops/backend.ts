/**
 * Choosing the tfjs backend: the CPU backend (default, plain JavaScript) or the WebAssembly one
 * (SIMD, several times faster on attention-sized work; see notes/tensorflow-js.md).
 */
import { tf } from "../tf";
import { describe, fail } from "./check";

/** The backends d2l-ts supports (the chapter 11 notebooks run on either). */
export type BackendName = "cpu" | "wasm";

let wasmRegistered = false;

/** Registers tfjs's WebAssembly backend on first use (in Node its .wasm files sit beside its dist). */
async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  await import("@tensorflow/tfjs-backend-wasm");
  wasmRegistered = true;
}

/**
 * Switches every later tfjs computation to `"cpu"` or `"wasm"` (d2l-ts's counterpart of moving
 * work to another device, chapter 11's notebooks): `await d2l.useBackend("wasm")`. Tensors made
 * before the switch remain usable (tfjs moves their data on demand).
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (name !== "cpu" && name !== "wasm") fail("useBackend", "name", '"cpu" or "wasm"', describe(name));
  if (name === "wasm") await registerWasm();
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`useBackend: tfjs could not initialise the ${name} backend`);
  }
  await tf.ready();
}
