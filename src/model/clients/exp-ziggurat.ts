/**
 * Exponential(1) variates from mulberry32 draws by the ziggurat method (Marsaglia & Tsang, "The Ziggurat
 * Method for Generating Random Variables", J. Stat. Software 5(8), 2000; 256 layers), because Math.log was a
 * third of the client loop's time. About 98.9% of variates take the fast path: one 32-bit draw, one compare,
 * one multiply. Unlike the paper's version, the layer index (low 8 bits) and the abscissa (high 24 bits) come
 * from different bits of the draw, so they are independent (Doornik 2005 on the original's correlation).
 *
 * Models nothing of the incident. Deterministic: the tables are computed once from constants with Math.exp and
 * Math.log (V8's fdlibm ports, the same on every thread), and rejections draw from the caller's own stream.
 *
 * Hot loops inline the fast path:
 *   x = draw >>> 8; i = draw & 255;
 *   e = x < ZIG_KW[2i] ? x * ZIG_KW[2i + 1] : (zig.state = rng, e = +zig.slow(i, x), rng = zig.state | 0, e)
 * The unary plus matters (slow, below).
 */
import { Prng } from '../prng.ts';

const LAYERS = 256;
const SCALE = 2 ** 24;
/** Right edge of the base strip and the common area of each layer, for 256 layers (Marsaglia & Tsang). */
const R = 7.697117470131487;
const V = 3.949659822581572e-3;

/** Fast-path thresholds (24-bit abscissa below which the point is inside the layer's inner rectangle). */
const ZIG_K = new Uint32Array(LAYERS);
/** Abscissa scale per layer: x = draw24 * ZIG_W[i]. */
const ZIG_W = new Float64Array(LAYERS);
/** exp(-x) at each layer edge. */
const ZIG_F = new Float64Array(LAYERS);
/**
 * ZIG_K and ZIG_W interleaved (threshold at 2i, scale at 2i + 1, both exact as doubles): the hot loops' fast path
 * reads one array, one bounds check and one map check per draw instead of two of each.
 */
export const ZIG_KW = new Float64Array(2 * LAYERS);

{
  let de = R;
  let te = de;
  const q = V / Math.exp(-de);
  ZIG_K[0] = Math.floor((de / q) * SCALE);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / SCALE;
  ZIG_W[LAYERS - 1] = de / SCALE;
  ZIG_F[0] = 1;
  ZIG_F[LAYERS - 1] = Math.exp(-de);
  for (let i = LAYERS - 2; i >= 1; i--) {
    de = -Math.log(V / de + Math.exp(-de));
    ZIG_K[i + 1] = Math.floor((de / te) * SCALE);
    te = de;
    ZIG_F[i] = Math.exp(-de);
    ZIG_W[i] = de / SCALE;
  }
}

for (let i = 0; i < LAYERS; i++) {
  ZIG_KW[2 * i] = ZIG_K[i];
  ZIG_KW[2 * i + 1] = ZIG_W[i];
}

/** The rejection part, on a mulberry32 state carried in `state` (the caller loads and stores it around). */
export class ZigguratExp {
  state = 0;

  private u32(): number {
    let t = (this.state = (this.state + Prng.MULBERRY_INCREMENT) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * Continue a draw that missed the fast path at layer i with 24-bit abscissa x.
   *
   * Callers merge its result with the fast path's as `+zig.slow(i, x)`. V8 does not inline this rare call and
   * types its result as any value, so without the plus the merged variable was a tagged value, and every
   * fast-path draw (98.9% of them) was boxed in a new heap number: 2 per client visit, 470 MB of garbage in a
   * 300 s default run at 1M clients. The plus types the result as a number, and the merge stays an unboxed
   * double (default scenario at 1,200 s, 1 worker: 478 young-generation collections against 67, and 7-9% less
   * time, 6 alternating pairs). Results are bit-identical either way.
   */
  slow(i: number, x: number): number {
    for (;;) {
      if (i === 0) {
        // The tail beyond R: exponential is memoryless, so R + Exp(1).
        return R - Math.log((this.u32() + 1) * Prng.INV_2_32);
      }
      const v = x * ZIG_W[i];
      if (ZIG_F[i] + this.u32() * Prng.INV_2_32 * (ZIG_F[i - 1] - ZIG_F[i]) < Math.exp(-v)) return v;
      const d = this.u32();
      i = d & 255;
      x = d >>> 8;
      if (x < ZIG_K[i]) return x * ZIG_W[i];
    }
  }

  /** A whole Exp(1) draw from `state` (for callers off the hot path). */
  next(): number {
    const d = this.u32();
    const i = d & 255;
    const x = d >>> 8;
    return x < ZIG_K[i] ? x * ZIG_W[i] : +this.slow(i, x);
  }
}
