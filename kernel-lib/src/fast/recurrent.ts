/**
 * A whole GRU layer (PyTorch's `nn.GRU`, sections 10.2 and 11.4) as one kernel each way, for the
 * hook `setRecurrentKernels` of ops/recurrent.ts. Forward: the input projections of all steps in
 * one matmul, then per step W_hh·h (a matmul) and the gate arithmetic (OP_GRU_CELL: native code
 * where native.ts's module runs, else WebAssembly, bit-identical), all in the kernels' memory.
 * Backward: per step (last first) the gates' gradients (OP_GRU_CELL_GRAD) and dh·W_hh, then dx,
 * both weight gradients and both bias gradients as one matmul each.
 * The host implementation (`gruLayerHost`) read every step's product back to JavaScript and ran
 * the gates there; it stays the reference (and the path for other backends and dtypes).
 */
import type { GradConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { tf } from "../tf";
import { gruLayerHost, lastStep, type GruLayerKernel } from "../ops/recurrent";
import { numericValues, type CpuBackend } from "./cpu-backend";
import { Job, Op } from "./job-layout";
import { columnSums } from "./reduce";
import { batchMatMul } from "./matmul";
import { activeNativeMatMul } from "./native";
import type { Call, Values } from "./runtime";
import { withCall } from "./runtime";

export const GRU_LAYER_KERNEL = "D2lGruLayer";
export const GRU_LAYER_GRAD_KERNEL = "D2lGruLayerGrad";

const ROWS_PER_TASK = 16;

/**
 * Work per unit of a GRU step, for `execute`'s choice of threads: about 5x less natively (at batch
 * 128, hidden 256: 57 µs a forward step natively, 295 µs in WebAssembly). The training shapes
 * (32768 units) then stay on one thread either way (two threads were slower there on the 2-core
 * machine); threads pay natively from about 250k units (batch 512, hidden 512: 440 → 265 µs).
 */
const CELL_WORK_PER_UNIT = { native: 8, wasm: 40 };

/** Runs one GRU step job over `batch` rows; fields set by `fill`. */
function runCellJob(call: Call, op: number, batch: number, hidden: number, fill: (job: Int32Array) => void): void {
  const job = call.rt.newJob(op, Math.ceil(batch / ROWS_PER_TASK));
  job[Job.rows] = batch;
  job[Job.cols] = hidden;
  job[Job.rowsPerTaskR] = ROWS_PER_TASK;
  fill(job);
  call.rt.execute(batch * hidden * (activeNativeMatMul() ? CELL_WORK_PER_UNIT.native : CELL_WORK_PER_UNIT.wasm));
}

/**
 * Inputs { x (steps, batch, inputs), h0 (batch, hidden), weightIh (3h, inputs), weightHh (3h, h),
 * biasIh, biasHh (3h) } → outputs (steps, batch, hidden), followed in memory by the gates (steps,
 * batch, 4·hidden): r, z, n and W_hn h + b_hn of every step, for the gradient
 * (`Call.outputWithTrailing`: as a second output tfjs would make a zero gradient of their size).
 */
export const gruLayerKernel: KernelFunc = (args) => {
  const { x, h0, weightIh, weightHh, biasIh, biasHh } = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const [steps, batch, inputs] = x.shape;
  const hidden = h0.shape[1];
  const G = 3 * hidden;
  const stride = batch * hidden;
  return withCall((call) => {
    const { values: outValues, trailingAt: gatesAt } = call.outputWithTrailing(steps * stride, steps * 4 * stride);
    const outAt = outValues.byteOffset;
    const whh = numericValues(cpu, weightHh);
    // Input projections of every step, without bias (the cell adds both biases).
    const gi = batchMatMul(call, {
      a: numericValues(cpu, x), b: numericValues(cpu, weightIh), aShape: [steps * batch, inputs], bShape: [G, inputs], transposeA: false, transposeB: true,
    }).values;
    const giAt = call.f32(gi);
    const bihAt = call.f32(numericValues(cpu, biasIh));
    const bhhAt = call.f32(numericValues(cpu, biasHh));
    let hPrev: Values = numericValues(cpu, h0);
    for (let t = 0; t < steps; t++) {
      const gh = batchMatMul(call, { a: hPrev, b: whh, aShape: [batch, hidden], bShape: [G, hidden], transposeA: false, transposeB: true }).values;
      const ghAt = call.f32(gh);
      const hPrevAt = call.f32(hPrev);
      runCellJob(call, Op.gruCell, batch, hidden, (job) => {
        job[Job.x] = giAt + t * batch * G * 4;
        job[Job.y] = ghAt;
        job[Job.gruBiasIh] = bihAt;
        job[Job.gruBiasHh] = bhhAt;
        job[Job.gruHPrev] = hPrevAt;
        job[Job.out] = outAt + t * stride * 4;
        job[Job.gruGates] = gatesAt + t * 4 * stride * 4;
      });
      hPrev = call.heap.subarray(outValues, t * stride, (t + 1) * stride);
    }
    return cpu.makeTensorInfo([steps, batch, hidden], "float32", outValues);
  });
};

/**
 * Inputs { x, h0, weightIh, weightHh, outputs (with the gates after them), dy (steps, batch, hidden) } → [dx, dh0,
 * dWeightIh, dWeightHh, dBiasIh, dBiasHh].
 */
export const gruLayerGradKernel: KernelFunc = (args) => {
  const { x, h0, weightIh, weightHh, outputs, dy } = args.inputs as Record<string, TensorInfo>;
  const cpu = args.backend as CpuBackend;
  const [steps, batch, inputs] = x.shape;
  const hidden = h0.shape[1];
  const G = 3 * hidden;
  const stride = batch * hidden;
  const rows = steps * batch;
  return withCall((call) => {
    const dGi = call.output("float32", rows * G);
    const dGh = call.output("float32", rows * G);
    const dGiValues = dGi.values as Float32Array;
    const dGhValues = dGh.values as Float32Array;
    const whh = numericValues(cpu, weightHh);
    const outValues = numericValues(cpu, outputs) as Float32Array;
    const h0Values = numericValues(cpu, h0) as Float32Array;
    // The states each step started from, (steps·batch, hidden): h0, then the outputs but the last.
    const prev = call.output("float32", rows * hidden);
    const prevValues = prev.values as Float32Array;
    prevValues.set(h0Values.subarray(0, stride), 0);
    prevValues.set(outValues.subarray(0, (steps - 1) * stride), stride);
    const dyAt = call.f32(numericValues(cpu, dy));
    const gatesAt = call.trailingOf(outValues, steps * stride);
    const dh0 = call.output("float32", stride);
    let dhDirect = 0; // byte offsets of the two parts of dh flowing into step t from step t + 1
    let dhViaWeights = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const direct = call.output("float32", stride);
      runCellJob(call, Op.gruCellGrad, batch, hidden, (job) => {
        job[Job.x] = dyAt + t * stride * 4;
        job[Job.y] = dhDirect;
        job[Job.gruDh2] = dhViaWeights;
        job[Job.gruHPrev] = prev.at + t * stride * 4;
        job[Job.gruGates] = gatesAt + t * 4 * stride * 4;
        job[Job.out] = dGi.at + t * batch * G * 4;
        job[Job.gruDGh] = dGh.at + t * batch * G * 4;
        job[Job.gruDhPrev] = direct.at;
      });
      const dGhStep = call.heap.subarray(dGhValues, t * batch * G, (t + 1) * batch * G);
      const via = batchMatMul(call, { a: dGhStep, b: whh, aShape: [batch, G], bShape: [G, hidden], transposeA: false, transposeB: false }).values;
      dhDirect = direct.at;
      dhViaWeights = call.f32(via);
      if (t === 0) {
        const d = dh0.values as Float32Array;
        const a = direct.values as Float32Array;
        for (let k = 0; k < stride; k++) d[k] = a[k] + via[k];
      }
    }
    const wih = numericValues(cpu, weightIh);
    const dx = batchMatMul(call, { a: dGiValues, b: wih, aShape: [rows, G], bShape: [G, inputs], transposeA: false, transposeB: false });
    const dWih = batchMatMul(call, { a: dGiValues, b: numericValues(cpu, x), aShape: [rows, G], bShape: [rows, inputs], transposeA: true, transposeB: false });
    const dWhh = batchMatMul(call, { a: dGhValues, b: prevValues, aShape: [rows, G], bShape: [rows, hidden], transposeA: true, transposeB: false });
    // Bias gradients: the column sums of dG.
    const dbih = columnSums(call, dGi.at, rows, G);
    const dbhh = columnSums(call, dGh.at, rows, G);
    return [
      cpu.makeTensorInfo([steps, batch, inputs], "float32", dx.values),
      cpu.makeTensorInfo([batch, hidden], "float32", dh0.values),
      cpu.makeTensorInfo([G, inputs], "float32", dWih.values),
      cpu.makeTensorInfo([G, hidden], "float32", dWhh.values),
      cpu.makeTensorInfo([G], "float32", dbih.values),
      cpu.makeTensorInfo([G], "float32", dbhh.values),
    ];
  });
};

export const gruLayerGradient: GradConfig = {
  kernelName: GRU_LAYER_KERNEL,
  inputsToSave: ["x", "h0", "weightIh", "weightHh"],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [x, h0, weightIh, weightHh, outputs] = saved;
    const [dx, dh0, dWih, dWhh, dbih, dbhh] = tf.engine().runKernel(
      GRU_LAYER_GRAD_KERNEL,
      { x, h0, weightIh, weightHh, outputs, dy: dy as tf.Tensor },
      {},
    ) as tf.Tensor[];
    return { x: () => dx, h0: () => dh0, weightIh: () => dWih, weightHh: () => dWhh, biasIh: () => dbih, biasHh: () => dbhh };
  },
};

/** The hook's GRU layer: the fused kernels for float32 on the CPU backend, else the host implementation. */
export const fastGruLayer: GruLayerKernel = (x, h0, weights) => {
  const all = [x, h0, weights.weightIh, weights.weightHh, weights.biasIh, weights.biasHh];
  if (tf.getBackend() !== "cpu" || all.some((t) => t.dtype !== "float32")) return gruLayerHost(x, h0, weights);
  return tf.tidy(() => {
    const outputs = tf.engine().runKernel(GRU_LAYER_KERNEL, { x, h0, ...weights }, {}) as tf.Tensor3D;
    return { outputs, h: lastStep(outputs) };
  });
};
