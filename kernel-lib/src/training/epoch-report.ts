/**
 * What `Trainer.fit` tells the user in words: one line per epoch where no live figure is seen
 * (plain Node), and a warning when a plotted value (a loss) first stops being finite.
 */

/** At most about this many epoch lines per run; longer runs print every k-th epoch. */
export const MAX_EPOCH_LINES = 20;

/** The epochs (1-based) that get a line: the first, every `stride`-th, and the last. */
export function reportsEpoch(epoch: number, maxEpochs: number): boolean {
  const stride = Math.ceil(maxEpochs / MAX_EPOCH_LINES);
  return epoch === 1 || epoch === maxEpochs || epoch % stride === 0;
}

/** A number as the lines show it: 4 significant digits (exponent form outside [0.001, 1e5)),
 * non-finite values by name (`NaN`, `Infinity`, `-Infinity`). */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  return size === 0 || (size >= 1e-3 && size < 1e5) ? value.toPrecision(4) : value.toExponential(3);
}

/** The values plotted in one epoch, per label in order of first use (`train_loss`, `val_loss`, …). */
export class EpochValues {
  private readonly sums = new Map<string, { sum: number; count: number; notFinite: number }>();

  add(label: string, value: number): void {
    let entry = this.sums.get(label);
    if (entry === undefined) {
      entry = { sum: 0, count: 0, notFinite: 0 };
      this.sums.set(label, entry);
    }
    entry.sum += value;
    entry.count += 1;
    if (!Number.isFinite(value)) entry.notFinite += 1;
  }

  clear(): void {
    this.sums.clear();
  }

  /**
   * `epoch 3/10: train_loss 0.1234, val_loss 0.2345`: each label's mean over the epoch's
   * batches; a mean that is not finite because of some batches says how many.
   */
  line(epoch: number, maxEpochs: number): string {
    const parts = [...this.sums].map(([label, { sum, count, notFinite }]) => {
      const mean = formatValue(sum / count);
      if (notFinite === 0 || notFinite === count) return `${label} ${mean}`;
      return `${label} ${mean} (${notFinite} of ${count} batches not finite)`;
    });
    return `epoch ${epoch}/${maxEpochs}: ${parts.length === 0 ? "nothing plotted" : parts.join(", ")}`;
  }
}

/**
 * The warning when `label`'s value first is not finite, `where` training is (`at epoch 2 of 5
 * (training batch 3 of 10)`), with what usually causes it.
 */
export function nonFiniteMessage(label: string, value: number, where: string): string {
  return (
    `${label} became ${formatValue(value)} ${where}; training goes on. ` +
    "Try a smaller learning rate, gradient clipping (new d2l.Trainer({ maxEpochs, gradientClipVal: 1 })), " +
    "or check the inputs for NaN or Infinity."
  );
}
