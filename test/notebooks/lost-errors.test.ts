/**
 * Issue 12: errors are never lost. An un-awaited `trainer.fit(...)` whose training throws later,
 * after its cell has finished, in the real tslab kernel: the error reaches the user (as stderr
 * of the cell that started training, which JupyterLab keeps showing), the live board says that
 * training stopped, tslab's own report does not land in an unrelated cell, and the kernel runs
 * the next cell. Recorded with test/notebooks/kernel_session.py, which keeps the messages that
 * arrive after a cell is done (nbclient would drop them, as it did when this was reported).
 */
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PYTHON, REPO_ROOT } from "./execute-notebook";

interface Message {
  cell: number;
  parent: number | null;
  msg_type: string;
  name?: string;
  text?: string | null;
  display_id?: string | null;
  note?: string | null;
}

interface Session {
  replies: string[];
  messages: Message[];
}

function runSession(cells: Array<{ code: string; until?: string; timeout?: number; pause?: number }>): Promise<Session> {
  // Inside the repository, so that `d2l-ts` resolves through the workspace's node_modules.
  const cwd = path.join(REPO_ROOT, "test", "artifacts", "kernel-session");
  mkdirSync(cwd, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [path.join(__dirname, "kernel_session.py"), cwd], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kernel_session.py failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Session);
    });
    child.stdin!.end(JSON.stringify(cells));
  });
}

/** A model whose loss throws once `explode()` says so, and data for it. */
const SETUP = `import * as d2l from "d2l-ts";
const tf = d2l.tf;
class Data extends d2l.DataModule {
  x = tf.linspace(-1, 1, 40).reshape([40, 1]);
  constructor() { super(4); }
  override getDataloader(train: boolean) { return train ? this.getTensorloader([this.x, this.x], train) : null; }
}
class Failing extends d2l.Module {
  w = tf.variable(tf.ones([1, 1]));
  constructor(readonly explode: () => boolean) { super(); this.lr = 0.01; }
  override forward(x: d2l.tf.Tensor) { return x.matMul(this.w); }
  override loss(yHat: d2l.tf.Tensor, y: d2l.tf.Tensor) {
    if (this.explode()) throw new RangeError("the loss exploded");
    return tf.mean(tf.square(yHat.sub(y))) as d2l.tf.Scalar;
  }
}`;

const stderrOf = (s: Session, pred: (m: Message) => boolean) =>
  s.messages.filter((m) => m.msg_type === "stream" && m.name === "stderr" && pred(m)).map((m) => m.text ?? "").join("");

describe("errors of un-awaited training in the tslab kernel", () => {
  it("reach the cell that started training and the board, never an unrelated cell; the kernel goes on", async () => {
    const session = await runSession([
      { code: SETUP },
      // Not awaited: the cell ends at once and training goes on in the background.
      { code: "const control = { stop: false };\nconst trainer = new d2l.Trainer({ maxEpochs: 100000 });\ntrainer.fit(new Failing(() => control.stop), new Data());" },
      // A later cell makes the loss throw: the training cell has long finished by then.
      { code: "control.stop = true;", until: "the loss exploded", timeout: 90 },
      { code: 'console.log("the kernel is alive");' },
    ]);
    expect(session.replies).toEqual(["ok", "ok", "ok", "ok"]);
    // The error, with its stack, as stderr of cell 1 (the training cell), after that cell finished.
    const report = stderrOf(session, (m) => m.parent === 1);
    expect(report).toMatch(/^d2l-ts: training stopped at epoch \d+ of 100000 \(training batch \d+ of 10\), and nothing awaited trainer\.fit/);
    expect(report).toContain("RangeError: the loss exploded");
    expect(report).toContain("at Failing.loss");
    expect(report).toContain("await trainer.fit(model, data)");
    const late = session.messages.find((m) => m.msg_type === "stream" && m.parent === 1 && (m.text ?? "").includes("the loss exploded"))!;
    const idleOfCell1 = session.messages.findIndex((m) => m.msg_type === "status" && m.parent === 1 && (m as { state?: string }).state === "idle");
    expect(session.messages.indexOf(late)).toBeGreaterThan(idleOfCell1);
    // Reported once: tslab's own "UnhandledPromiseRejection" never shows, in any cell.
    expect(stderrOf(session, () => true)).not.toContain("UnhandledPromiseRejection");
    expect(stderrOf(session, () => true).split("RangeError: the loss exploded").length - 1).toBe(1);
    // The live board was redrawn in place saying that training stopped, and why.
    const boardUpdates = session.messages.filter((m) => m.msg_type === "update_display_data" && m.display_id?.startsWith("d2l-ts-progress-board-"));
    expect(boardUpdates.at(-1)?.note).toMatch(/^Training stopped at epoch \d+ of 100000 \(training batch \d+ of 10\): RangeError: the loss exploded$/);
    // The next cells run, with nothing on their stderr; the last one prints.
    expect(session.messages.filter((m) => m.parent === 3 && m.name === "stdout").map((m) => m.text).join("")).toBe("the kernel is alive\n");
    expect(stderrOf(session, (m) => m.parent === 2 || m.parent === 3)).toBe("");
  }, 240_000);

  it("awaited, the error is the cell's own (tslab's error status), reported once, and the kernel goes on", async () => {
    const session = await runSession([
      { code: SETUP },
      { code: "const trainer = new d2l.Trainer({ maxEpochs: 100000 });\nawait trainer.fit(new Failing(() => true), new Data());" },
      // tslab aborts requests for 200 ms after an error.
      { code: 'console.log("the kernel is alive");', pause: 1 },
    ]);
    expect(session.replies[1]).toBe("error");
    expect(stderrOf(session, (m) => m.parent === 1)).toContain("RangeError: the loss exploded");
    expect(stderrOf(session, () => true)).not.toContain("nothing awaited");
    expect(stderrOf(session, () => true).split("RangeError: the loss exploded").length - 1).toBe(1);
    expect(session.replies[2]).toBe("ok");
    expect(session.messages.filter((m) => m.parent === 2 && m.name === "stdout").map((m) => m.text).join("")).toBe("the kernel is alive\n");
  }, 240_000);
});

describe("a loss that becomes NaN in the tslab kernel (no silent NaN)", () => {
  it("is named once on the training cell's stderr and on the live board; training goes on, the board stays live", async () => {
    const session = await runSession([
      { code: SETUP },
      {
        code: `class GoesNaN extends Failing {
  calls = 0;
  override loss(yHat: d2l.tf.Tensor, y: d2l.tf.Tensor) {
    const l = super.loss(yHat, y);
    return ++this.calls < 15 ? l : (l.mul(NaN) as d2l.tf.Scalar);
  }
}
const nanTrainer = new d2l.Trainer({ maxEpochs: 3 });
await nanTrainer.fit(new GoesNaN(() => false), new Data());
console.log(nanTrainer.trainBatchIdx);`,
      },
    ]);
    expect(session.replies).toEqual(["ok", "ok"]);
    const message =
      "train_loss became NaN at epoch 2 of 3 (training batch 5 of 10); training goes on. Try a smaller learning rate, " +
      "gradient clipping (new d2l.Trainer({ maxEpochs, gradientClipVal: 1 })), or check the inputs for NaN or Infinity.";
    expect(stderrOf(session, () => true)).toBe(`d2l-ts warning: ${message}\n`);
    // Every step ran; in a kernel no epoch lines are printed (the board is the progress).
    expect(session.messages.filter((m) => m.parent === 1 && m.name === "stdout").map((m) => m.text).join("")).toBe("30\n");
    // One live display updated in place: 6 points (2 per epoch) and the note.
    const board = session.messages.filter((m) => m.display_id?.startsWith("d2l-ts-progress-board-"));
    expect(board.map((m) => m.msg_type)).toEqual(["display_data", ...Array<string>(6).fill("update_display_data")]);
    expect(new Set(board.map((m) => m.display_id)).size).toBe(1);
    expect(board.at(-1)?.note).toBe(message);
  }, 240_000);
});
