import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded random source (xoroshiro128+ from pure-rand): same seed, same sequence, on every machine. */
export class Random {
  private readonly rng;
  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }
  /** Uniform integer in [from, to]. */
  int(from: number, to: number): number {
    return from + Math.floor(this.next() * (to - from + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** x rounded down or up at random so that the expected value is x. */
  round(x: number): number {
    const f = Math.floor(x);
    return f + (this.next() < x - f ? 1 : 0);
  }
  /** Index drawn with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
  /** A random version-4-shaped UUID. */
  uuid(): string {
    const hex = (n: number, width: number) => Math.floor(n).toString(16).padStart(width, '0');
    const a = hex(this.next() * 2 ** 32, 8);
    const b = hex(this.next() * 2 ** 16, 4);
    const c = '4' + hex(this.next() * 2 ** 12, 3);
    const d = (8 + this.int(0, 3)).toString(16) + hex(this.next() * 2 ** 12, 3);
    const e = hex(this.next() * 2 ** 24, 6) + hex(this.next() * 2 ** 24, 6);
    return `${a}-${b}-${c}-${d}-${e}`;
  }
}

/** FNV-1a over a text's UTF-16 code units, unsigned 32-bit; `basis` varies the hash family. */
export function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A 32-bit seed from any parts. */
export const seedOf = (...parts: unknown[]): number => fnv1a(parts.map(String).join('|')) | 0;
