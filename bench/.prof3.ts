import * as d2l from "d2l-ts";
const tf = d2l.tf;
(async () => {
  d2l.seed(0);
  const data = new d2l.NonlinearData(5000, 10);
  const model = new d2l.NWKernelRegression(data.xTrain, data.yTrain, 1);
  model.board.display = false;
  await new d2l.Trainer({ maxEpochs: 1 }).fit(model, data);
  let t = performance.now();
  await new d2l.Trainer({ maxEpochs: 1 }).fit(model, data);
  console.log("epoch plain", (performance.now() - t).toFixed(0));
  t = performance.now();
  const info = await tf.profile(async () => { await new d2l.Trainer({ maxEpochs: 1 }).fit(model, data); return tf.scalar(0); });
  console.log("total", (performance.now() - t).toFixed(0), "kernels", info.kernels.length);
  const agg = new Map<string, [number, number]>();
  for (const kk of info.kernels) { const key = kk.name + " " + String(kk.outputShapes); const ms = (await kk.kernelTimeMs) as number; const e = agg.get(key) ?? [0, 0]; agg.set(key, [e[0] + ms, e[1] + 1]); }
  let sum = 0; for (const [, [ms]] of agg) sum += ms; console.log("kernel ms sum", sum.toFixed(0));
  [...agg.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 12).forEach(([k, [ms, n]]) => console.log(k.padEnd(40), ms.toFixed(1), "x" + n));
})();
