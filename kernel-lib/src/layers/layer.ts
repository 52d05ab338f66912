/**
 * `Layer`: the base class of every layer, the role of PyTorch's `nn.Module` (section 6.1).
 *
 * PyTorch finds a module's parameters and sub-modules by registering attributes; here the same
 * is done by reflection over the layer's own fields, in the order they were assigned, so that
 * `parameters()` lists them in the order the book's code registers them.
 */
import { tf } from "../tf";

/** Visits the tf.Variables and Layers held by a field (directly, or in an array). */
function* fieldMembers(value: unknown): Generator<tf.Variable | Layer> {
  if (value instanceof tf.Variable || value instanceof Layer) {
    yield value;
  } else if (Array.isArray(value)) {
    for (const item of value) yield* fieldMembers(item);
  }
}

/** Layers whose recursive train/eval/dispose is under way: a layer reachable from itself is visited once. */
const inProgress = new WeakSet<object>();

function once(layer: object, visit: () => void): void {
  if (inProgress.has(layer)) return;
  inProgress.add(layer);
  try {
    visit();
  } finally {
    inProgress.delete(layer);
  }
}

/**
 * Base class of every layer (the book's `nn.Module`, section 6.1). Subclasses define
 * `forward(...)`; callers write `layer.forward(x)` where the book writes `layer(x)`.
 */
export abstract class Layer {
  /** True in training mode (dropout active), false after `eval()`; like `nn.Module.training`. */
  training = true;

  /** The layer's computation; subclasses narrow the arguments and the result. */
  abstract forward(...inputs: never[]): unknown;

  /** The layers held in this layer's fields (one level), in field order. */
  children(): Layer[] {
    const found: Layer[] = [];
    for (const value of Object.values(this)) {
      for (const member of fieldMembers(value)) if (member instanceof Layer) found.push(member);
    }
    return found;
  }

  /**
   * The trainable tf.Variables of this layer and its children, in field order, each once (the
   * book's `module.parameters()`). Lazily created parameters appear after the first forward.
   */
  parameters(): tf.Variable[] {
    const seen = new Set<tf.Variable>();
    const visited = new Set<Layer>();
    const collect = (layer: Layer): void => {
      if (visited.has(layer)) return;
      visited.add(layer);
      for (const value of Object.values(layer)) {
        for (const member of fieldMembers(value)) {
          if (member instanceof Layer) collect(member);
          else if (member.trainable && !seen.has(member)) seen.add(member);
        }
      }
    };
    collect(this);
    return [...seen];
  }

  /**
   * Calls `fn` on every layer below this one and then on this one, children first, each once
   * (PyTorch's `nn.Module.apply(fn)`, e.g. `apply(initSeq2seq)` in section 10.7); returns the layer.
   */
  apply(fn: (layer: Layer) => void): this {
    const visited = new Set<Layer>();
    const visit = (layer: Layer): void => {
      if (visited.has(layer)) return;
      visited.add(layer);
      for (const child of layer.children()) visit(child);
      fn(layer);
    };
    visit(this);
    return this;
  }

  /** Training mode for this layer and its children (`nn.Module.train()`); returns the layer. */
  train(): this {
    this.setTraining(true);
    return this;
  }

  /** Evaluation mode for this layer and its children (`nn.Module.eval()`); returns the layer. */
  eval(): this {
    this.setTraining(false);
    return this;
  }

  private setTraining(mode: boolean): void {
    once(this, () => {
      this.training = mode;
      for (const child of this.children()) child.setTraining(mode);
    });
  }

  /**
   * Frees every tensor the layer holds in its fields (parameters, kept attention weights,
   * buffers such as the positional-encoding table) and those of its children.
   */
  dispose(): void {
    once(this, () => {
      for (const value of Object.values(this)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item instanceof Layer) item.dispose();
          else if (item instanceof tf.Tensor && !item.isDisposed) item.dispose();
        }
      }
    });
  }
}

/**
 * Keeps `next` beyond the surrounding `tf.tidy` and frees `previous`: how a layer replaces a
 * tensor it holds between forwards, such as `attentionWeights`.
 */
export function replaceKept<T extends tf.Tensor>(previous: tf.Tensor | null, next: T): T {
  if (previous !== null && previous !== next && !previous.isDisposed) previous.dispose();
  return tf.keep(next);
}

/**
 * The tensor a layer keeps from its last forward (such as `attentionWeights`), or a clear error
 * when there has been no forward yet: the book's attribute exists only after a forward too.
 */
export function keptFromForward<T extends tf.Tensor>(owner: string, field: string, kept: T | null): T {
  if (kept === null || kept.isDisposed) {
    throw new Error(`${owner}.${field}: there is none yet; call forward(...) first (it keeps the weights of the last forward)`);
  }
  return kept;
}

/**
 * A trainable tf.Variable holding `init()`'s value; the initial tensor is freed, so only the
 * variable remains (PyTorch's `nn.Parameter`).
 */
export function parameter(init: () => tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(init(), true));
}
