import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectClose, expectError, expectNoLeak, TOLERANCE } from '../../testing/src/index.ts';
import { attentionCore } from './attention.js';
import { ConfigError, ShapeError } from './errors.js';

/** `n` float32 values in (-2, 2) from a linear congruential generator. */
const seeded = (n: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 30 - 1) * 2;
  });
};

interface Case {
  /** [X, heads, Nq, Nk, d] */
  dims: [number, number, number, number, number];
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
}

function makeCase(dims: Case['dims'], seed = 1): Case {
  const [x, h, nq, nk, d] = dims;
  return {
    dims,
    q: seeded(x * h * nq * d, seed),
    k: seeded(x * h * nk * d, seed + 1),
    v: seeded(x * h * nk * d, seed + 2),
  };
}

const tensors = ({ dims: [x, h, nq, nk, d], q, k, v }: Case) => ({
  q: tf.tensor4d(q, [x, h, nq, d]),
  k: tf.tensor4d(k, [x, h, nk, d]),
  v: tf.tensor4d(v, [x, h, nk, d]),
});

/**
 * The definition, in float64 loops: for each window w and head h,
 * out = softmax_keys(scale q k^T + bias + mask[w mod nW]) v.
 * `bias(w, h, i, j)` and `mask(w, i, j)` give the added terms (0 when absent).
 */
function reference(
  { dims: [x, h, nq, nk, d], q, k, v }: Case,
  scale: number,
  bias: (w: number, head: number, i: number, j: number) => number = () => 0,
  mask: (w: number, i: number, j: number) => number = () => 0,
): Float64Array {
  const out = new Float64Array(x * h * nq * d);
  const scores = new Float64Array(nk);
  for (let w = 0; w < x; w++) {
    for (let head = 0; head < h; head++) {
      const qBase = (w * h + head) * nq * d;
      const kBase = (w * h + head) * nk * d;
      for (let i = 0; i < nq; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < nk; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[qBase + i * d + c]! * k[kBase + j * d + c]!;
          scores[j] = scale * dot + bias(w, head, i, j) + mask(w, i, j);
          max = Math.max(max, scores[j]!);
        }
        let sum = 0;
        for (let j = 0; j < nk; j++) {
          scores[j] = Math.exp(scores[j]! - max);
          sum += scores[j]!;
        }
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let j = 0; j < nk; j++) acc += (scores[j]! / sum) * v[kBase + j * d + c]!;
          out[qBase + i * d + c] = acc;
        }
      }
    }
  }
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('attentionCore', () => {
  it.each([
    { dims: [1, 1, 4, 4, 8] as Case['dims'] },
    { dims: [2, 3, 5, 5, 6] as Case['dims'] },
    { dims: [3, 4, 2, 7, 4] as Case['dims'] }, // cross-attention: fewer queries than keys
    { dims: [1, 2, 6, 3, 5] as Case['dims'] }, // more queries than keys
  ])('is softmax(scale q k^T) v per window and head for [X, heads, Nq, Nk, d] = $dims', async ({ dims }) => {
    const c = makeCase(dims);
    const { q, k, v } = tensors(c);
    const scale = dims[4] ** -0.5;
    const out = attentionCore(q, k, v, { scale });
    expect(out.shape).toEqual([dims[0], dims[1], dims[2], dims[4]]);
    await expectClose(out, reference(c, scale), TOLERANCE.op, 'no bias, no mask');
  });

  it('uses the scale it is given, not one of its own', async () => {
    const c = makeCase([2, 2, 3, 3, 4], 7);
    const { q, k, v } = tensors(c);
    for (const scale of [1, 0.1, 2.5]) {
      await expectClose(
        attentionCore(q, k, v, { scale }),
        reference(c, scale),
        TOLERANCE.op,
        `scale ${scale}`,
      );
    }
  });

  it('adds a relative position bias [heads, Nq, Nk], the same for every window', async () => {
    const [x, h, nq, nk, d] = [3, 2, 4, 5, 6];
    const c = makeCase([x, h, nq, nk, d], 11);
    const b = seeded(h * nq * nk, 20).map((value) => 3 * value);
    const { q, k, v } = tensors(c);
    const out = attentionCore(q, k, v, { scale: d ** -0.5, bias: tf.tensor3d(b, [h, nq, nk]) });
    expect(out.shape).toEqual([x, h, nq, d]);
    const expected = reference(c, d ** -0.5, (_w, head, i, j) => b[(head * nq + i) * nk + j]!);
    await expectClose(out, expected, TOLERANCE.op, 'bias [heads, Nq, Nk]');
    // The bias changes the result (it is not dropped on the way).
    const unbiased = reference(c, d ** -0.5);
    expect(Math.max(...expected.map((e, i) => Math.abs(e - unbiased[i]!)))).toBeGreaterThan(0.05);
  });

  it('adds a bias of the full score shape [X, heads, Nq, Nk], window by window', async () => {
    const [x, h, nq, nk, d] = [2, 3, 3, 4, 4];
    const c = makeCase([x, h, nq, nk, d], 31);
    const b = seeded(x * h * nq * nk, 40).map((value) => 2 * value);
    const { q, k, v } = tensors(c);
    const out = attentionCore(q, k, v, { scale: 0.5, bias: tf.tensor4d(b, [x, h, nq, nk]) });
    const expected = reference(c, 0.5, (w, head, i, j) => b[((w * h + head) * nq + i) * nk + j]!);
    await expectClose(out, expected, TOLERANCE.op, 'bias [X, heads, Nq, Nk]');
  });

  it('adds mask[w] to window w of every image, for every head (Swin shifted windows)', async () => {
    // 2 images of nW = 3 windows: X = 6, windows laid out image by image.
    const [images, nW, h, n, d] = [2, 3, 2, 4, 4];
    const x = images * nW;
    const c = makeCase([x, h, n, n, d], 51);
    // A Swin-like mask: 0 or -100, different for each window.
    const m = Float32Array.from({ length: nW * n * n }, (_, idx) => {
      const [w, i, j] = [Math.floor(idx / (n * n)), Math.floor(idx / n) % n, idx % n];
      return (i + j + w) % 3 === 0 || i === j ? 0 : -100;
    });
    const { q, k, v } = tensors(c);
    const out = attentionCore(q, k, v, { scale: d ** -0.5, mask: tf.tensor3d(m, [nW, n, n]) });
    expect(out.shape).toEqual([x, h, n, d]);
    const expected = reference(c, d ** -0.5, undefined, (w, i, j) => m[((w % nW) * n + i) * n + j]!);
    await expectClose(out, expected, TOLERANCE.op, 'mask');
    // Each window gets its own mask: applying window 0's mask everywhere gives something else.
    const wrong = reference(c, d ** -0.5, undefined, (_w, i, j) => m[i * n + j]!);
    expect(Math.max(...expected.map((e, i) => Math.abs(e - wrong[i]!)))).toBeGreaterThan(0.05);
  });

  it('adds both bias and mask', async () => {
    const [images, nW, h, n, d] = [3, 2, 3, 3, 5];
    const x = images * nW;
    const c = makeCase([x, h, n, n, d], 61);
    const b = seeded(h * n * n, 70);
    const m = Float32Array.from({ length: nW * n * n }, (_, idx) => (idx % 4 === 1 ? -100 : 0));
    const { q, k, v } = tensors(c);
    const out = attentionCore(q, k, v, {
      scale: d ** -0.5,
      bias: tf.tensor3d(b, [h, n, n]),
      mask: tf.tensor3d(m, [nW, n, n]),
    });
    const expected = reference(
      c,
      d ** -0.5,
      (_w, head, i, j) => b[(head * n + i) * n + j]!,
      (w, i, j) => m[((w % nW) * n + i) * n + j]!,
    );
    await expectClose(out, expected, TOLERANCE.op, 'bias and mask');
  });

  it('treats null bias and mask as absent', async () => {
    const c = makeCase([2, 2, 3, 3, 4], 81);
    const { q, k, v } = tensors(c);
    const out = attentionCore(q, k, v, { scale: 0.5, bias: null, mask: null, attnDrop: 0 });
    await expectClose(out, reference(c, 0.5), TOLERANCE.op, 'null bias and mask');
  });

  it.each([
    [3, 'chunks of 3, 3 and 1 queries'],
    [1, 'one query per chunk'],
    [0, 'fewer elements than one query: still one query per chunk'],
  ])(
    'gives the same result with queries in chunks (maxScoreElements for %i queries: %s)',
    async (queries) => {
      const [x, h, nq, nk, d] = [2, 3, 7, 5, 4];
      const c = makeCase([x, h, nq, nk, d], 91);
      const { q, k, v } = tensors(c);
      const maxScoreElements = queries === 0 ? 1 : queries * x * h * nk;
      const options = { scale: d ** -0.5, maxScoreElements };
      const out = attentionCore(q, k, v, options);
      expect(out.shape).toEqual([x, h, nq, d]);
      const expected = reference(c, d ** -0.5);
      await expectClose(out, expected, TOLERANCE.op, `maxScoreElements ${maxScoreElements}`);
      // It really chunks: two matMuls per chunk, and no score matrix above the limit (but one query).
      const perChunk = Math.max(1, queries);
      const chunks = Math.ceil(nq / perChunk);
      const profile = await tf.profile(() => attentionCore(q, k, v, options));
      const matMuls = profile.kernels.filter((kernel) => kernel.name === 'BatchMatMul');
      expect(matMuls).toHaveLength(2 * chunks);
      for (const kernel of matMuls.filter((_, i) => i % 2 === 0)) {
        expect(tf.util.sizeFromShape(kernel.outputShapes[0]!)).toBeLessThanOrEqual(
          Math.max(maxScoreElements, x * h * nk),
        );
      }
    },
  );

  it.each([3, 2, 1])(
    'slices the bias and mask along the queries with them (chunks of %i queries)',
    async (perChunk) => {
      // 2 images of nW = 2 windows; Nq = 5 queries against Nk = 4 keys.
      const [images, nW, h, nq, nk, d] = [2, 2, 3, 5, 4, 4];
      const x = images * nW;
      const c = makeCase([x, h, nq, nk, d], 191);
      const b = seeded(h * nq * nk, 192);
      const bFull = seeded(x * h * nq * nk, 193);
      const m = Float32Array.from({ length: nW * nq * nk }, (_, idx) => (idx % 3 === 0 ? -100 : 0));
      const { q, k, v } = tensors(c);
      const maxScoreElements = perChunk * x * h * nk;
      const maskAt = (w: number, i: number, j: number) => m[((w % nW) * nq + i) * nk + j]!;
      const cases = [
        [
          tf.tensor3d(b, [h, nq, nk]),
          (_w: number, head: number, i: number, j: number) => b[(head * nq + i) * nk + j]!,
        ],
        [
          tf.tensor4d(bFull, [x, h, nq, nk]),
          (w: number, head: number, i: number, j: number) => bFull[((w * h + head) * nq + i) * nk + j]!,
        ],
      ] as const;
      for (const [bias, biasAt] of cases) {
        const options = { scale: d ** -0.5, bias, mask: tf.tensor3d(m, [nW, nq, nk]), maxScoreElements };
        const out = attentionCore(q, k, v, options);
        expect(out.shape).toEqual([x, h, nq, d]);
        await expectClose(out, reference(c, d ** -0.5, biasAt, maskAt), TOLERANCE.op, `bias ${bias.shape}`);
        const profile = await tf.profile(() => attentionCore(q, k, v, options));
        expect(profile.kernels.filter((kernel) => kernel.name === 'BatchMatMul')).toHaveLength(
          2 * Math.ceil(nq / perChunk),
        );
      }
    },
  );

  it('does not chunk when the scores fit maxScoreElements', async () => {
    const [x, h, nq, nk, d] = [1, 2, 4, 4, 4];
    const c = makeCase([x, h, nq, nk, d], 101);
    const { q, k, v } = tensors(c);
    const options = { scale: 0.5, maxScoreElements: x * h * nq * nk };
    const profile = await tf.profile(() => attentionCore(q, k, v, options));
    expect(profile.kernels.filter((kernel) => kernel.name === 'BatchMatMul')).toHaveLength(2);
    await expectClose(attentionCore(q, k, v, options), reference(c, 0.5), TOLERANCE.op, 'one chunk');
  });

  it('drops attention weights with attnDrop and scales the kept ones by 1 / (1 - rate)', async () => {
    const c = makeCase([2, 2, 3, 4, 4], 111);
    const { q, k, v } = tensors(c);
    const expected = reference(c, 0.5);
    // dropout keeps an element when floor(u + 1 - rate) is 1: u = 0.99 keeps all, u = 0.1 (rate 0.5) none.
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    await expectClose(
      attentionCore(q, k, v, { scale: 0.5, attnDrop: 0.5 }),
      expected.map((e) => 2 * e),
      TOLERANCE.op,
      'all kept',
    );
    vi.spyOn(Math, 'random').mockReturnValue(0.1);
    await expectClose(
      attentionCore(q, k, v, { scale: 0.5, attnDrop: 0.5 }),
      new Float64Array(expected.length),
      TOLERANCE.exact,
      'all dropped',
    );
    // attnDrop 0 (the default) draws nothing.
    const random = vi.spyOn(Math, 'random');
    random.mockClear();
    await expectClose(attentionCore(q, k, v, { scale: 0.5 }), expected, TOLERANCE.op, 'attnDrop 0');
    expect(random).not.toHaveBeenCalled();
  });

  it('leaves no tensor behind', async () => {
    const c = makeCase([2, 2, 5, 5, 4], 121);
    const { q, k, v } = tensors(c);
    const bias = tf.tensor3d(seeded(2 * 5 * 5, 130), [2, 5, 5]);
    const mask = tf.zeros([2, 5, 5]);
    await expectNoLeak(() => attentionCore(q, k, v, { scale: 0.5, bias, mask }));
    await expectNoLeak(() => attentionCore(q, k, v, { scale: 0.5, maxScoreElements: 40 }));
    await expectNoLeak(() => attentionCore(q, k, v, { scale: 0.5, bias, mask, maxScoreElements: 40 }));
  });

  it('rejects q, k and v whose sizes do not fit together', () => {
    const c = makeCase([2, 2, 3, 4, 4], 141);
    const { q, k, v } = tensors(c);
    // The query and key widths differ.
    expect(() => attentionCore(q, tf.zeros([2, 2, 4, 5]) as tf.Tensor4D, v, { scale: 1 })).toThrow(
      /inner shapes \(4\) and \(5\)/,
    );
    // k and v have different numbers of keys.
    expect(() => attentionCore(q, k, tf.zeros([2, 2, 5, 4]) as tf.Tensor4D, { scale: 1 })).toThrow(
      /inner shapes \(4\) and \(5\)/,
    );
  });

  it.each([
    ['k', [2, 2, 4, 5], /q and k must have the same width d for q k\^T: inner shapes \(4\) and \(5\)/],
    ['v', [2, 2, 5, 4], /k and v must have the same number of keys Nk: inner shapes \(4\) and \(5\)/],
    ['v', [2, 2, 4, 3], /v must have the width d of q and k: inner shapes \(4\) and \(3\)/],
    // X or heads 1 would broadcast in matMul without an error.
    ['k', [1, 2, 4, 4], /q and k must have the same X \(windows or images\): inner shapes \(2\) and \(1\)/],
    ['v', [1, 2, 4, 4], /q and v must have the same X \(windows or images\): inner shapes \(2\) and \(1\)/],
    ['k', [2, 1, 4, 4], /q and k must have the same heads: inner shapes \(2\) and \(1\)/],
    ['v', [2, 3, 4, 4], /q and v must have the same heads: inner shapes \(2\) and \(3\)/],
    ['k', [2, 2, 4], /q, k and v must have rank 4 \[X, heads, N, d\]/],
  ])(
    'rejects %s %j that does not fit q [2, 2, 3, 4] with a ShapeError naming the sizes',
    (which, shape, message) => {
      const { q, k, v } = tensors(makeCase([2, 2, 3, 4, 4], 145));
      const bad = tf.zeros<tf.Rank>(shape) as tf.Tensor4D;
      const call = () => attentionCore(q, which === 'k' ? bad : k, which === 'v' ? bad : v, { scale: 1 });
      expectError(call, ShapeError, message);
      // The message gives all three shapes.
      expectError(call, ShapeError, new RegExp(`got q \\[2,2,3,4\\], .*\\[${shape.join(',')}\\]`));
    },
  );

  it.each([[-0.1], [1], [1.5], [Number.NaN]])(
    'rejects attnDrop %d with a ConfigError (a rate in [0, 1))',
    (rate) => {
      const { q, k, v } = tensors(makeCase([2, 2, 3, 4, 4], 146));
      expectError(
        () => attentionCore(q, k, v, { scale: 1, attnDrop: rate }),
        ConfigError,
        new RegExp(`attentionCore: attnDrop must be in \\[0, 1\\), got ${rate}`),
      );
    },
  );

  it.each([[0], [-4], [Number.NaN]])('rejects maxScoreElements %d with a ConfigError', (max) => {
    const { q, k, v } = tensors(makeCase([2, 2, 3, 4, 4], 147));
    expectError(
      () => attentionCore(q, k, v, { scale: 1, maxScoreElements: max }),
      ConfigError,
      new RegExp(`attentionCore: maxScoreElements must be a positive number .*, got ${max}`),
    );
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY]])('rejects scale %d with a ConfigError', (scale) => {
    const { q, k, v } = tensors(makeCase([2, 2, 3, 4, 4], 148));
    expectError(
      () => attentionCore(q, k, v, { scale }),
      ConfigError,
      /attentionCore: scale must be a finite number/,
    );
  });

  it('accepts maxScoreElements Infinity (no chunking) and attnDrop 0', async () => {
    const c = makeCase([2, 2, 3, 4, 4], 149);
    const { q, k, v } = tensors(c);
    const out = attentionCore(q, k, v, {
      scale: 0.5,
      attnDrop: 0,
      maxScoreElements: Number.POSITIVE_INFINITY,
    });
    await expectClose(out, reference(c, 0.5), TOLERANCE.op, 'Infinity');
  });

  it.each([
    [[2, 4, 4], 'query/key sizes not those of the scores'],
    [[2, 3, 5], 'more keys than k has'],
    [[3, 3, 4], '3 windows per image, but X = 2 is not a multiple of 3'],
    [[3, 4], 'rank 2'],
  ])('rejects a mask %j with a ShapeError naming it (%s)', (shape, _why) => {
    const { q, k, v } = tensors(makeCase([2, 2, 3, 4, 4], 151));
    expectError(
      () => attentionCore(q, k, v, { scale: 1, mask: tf.zeros(shape) }),
      ShapeError,
      new RegExp(
        `attentionCore: mask must be \\[nW, Nq, Nk\\] = \\[nW,3,4\\] with the 2 windows a multiple of nW, got \\[${shape.join(',')}\\]`,
      ),
    );
  });

  it('rejects a mask whose window count does not divide X, which would otherwise be reshaped into 1.5 images', () => {
    // X = 3 windows, nW = 2: before the check, the reshape to [X / nW, nW, ...] silently took 1.5 images.
    const { q, k, v } = tensors(makeCase([3, 1, 2, 2, 2], 161));
    expectError(
      () => attentionCore(q, k, v, { scale: 1, mask: tf.zeros([2, 2, 2]) }),
      ShapeError,
      /with the 3 windows a multiple of nW, got \[2,2,2\]/,
    );
  });

  it.each([
    [[3, 3, 4], 'heads 3, not 2 (it would have broadcast the output to 3 heads)'],
    [[2, 4, 4], 'Nq 4, not 3'],
    [[2, 3, 5], 'Nk 5, not 4'],
    [[3, 2, 3, 4], 'X 3, not 2'],
    [[1, 2, 2, 3, 4], 'rank 5'],
  ])('rejects a bias %j with a ShapeError naming it (%s)', (shape, _why) => {
    const { q, k, v } = tensors(makeCase([2, 2, 3, 4, 4], 171));
    expectError(
      () => attentionCore(q, k, v, { scale: 1, bias: tf.zeros(shape) }),
      ShapeError,
      new RegExp(
        `attentionCore: bias \\[${shape.join(',')}\\] does not broadcast to the scores \\[2,2,3,4\\]`,
      ),
    );
  });

  it.each([[[1, 3, 4]], [[2, 1, 4]], [[4]], [[2, 2, 3, 4]], [[1, 1, 1, 1]]])(
    'accepts a bias %j that broadcasts to the scores [2, 2, 3, 4]',
    async (shape) => {
      const [x, h, nq, nk, d] = [2, 2, 3, 4, 4];
      const c = makeCase([x, h, nq, nk, d], 181);
      const b = seeded(tf.util.sizeFromShape(shape), 182);
      const { q, k, v } = tensors(c);
      const out = attentionCore(q, k, v, { scale: 0.5, bias: tf.tensor(b, shape) });
      // Index of the broadcast bias element for score (w, head, i, j).
      const full = [x, h, nq, nk];
      const padded = [...new Array(4 - shape.length).fill(1), ...shape];
      const at = (w: number, head: number, i: number, j: number) =>
        [w, head, i, j].reduce(
          (flat, index, axis) => flat * padded[axis]! + (padded[axis] === 1 ? 0 : index),
          0,
        );
      expect(padded.every((p, axis) => p === 1 || p === full[axis])).toBe(true);
      await expectClose(
        out,
        reference(c, 0.5, (w, head, i, j) => b[at(w, head, i, j)]!),
        TOLERANCE.op,
        'bias',
      );
    },
  );
});
