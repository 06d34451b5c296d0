/**
 * A Bloom filter that grows as strings are added: `mightContain` is false only for a
 * string never added (no false negatives), true for an added one and, rarely, for one
 * that was not (false positive). When a layer reaches its capacity a new one twice as
 * large with half the error rate is added, so the overall false-positive rate stays
 * below 2 × `errorRate` however many strings come (a scalable Bloom filter, Almeida et
 * al. 2007). Memory: about 1.8 bytes per string at errorRate 0.001.
 */

const LN2_SQUARED = Math.LN2 * Math.LN2;

/** FNV-1a over UTF-16 code units, 32 bits. */
function fnv1a(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV alone spreads short, similar ids poorly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The step of double hashing, never 0 (else all k bits would be the same one). */
const secondHash = (s: string): number => (fnv1a(s, 0x9747b28c) | 1) >>> 0;

class Layer {
  readonly bits: Uint32Array;
  readonly size: number;
  readonly hashes: number;
  count = 0;

  constructor(readonly capacity: number, errorRate: number) {
    this.size = Math.max(64, Math.ceil((-capacity * Math.log(errorRate)) / LN2_SQUARED));
    this.hashes = Math.max(1, Math.round((this.size / capacity) * Math.LN2));
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
  }

  /** Double hashing (Kirsch–Mitzenmacher): bit i is h1 + i·h2 mod size. */
  add(h1: number, h2: number): void {
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + i * h2) % this.size;
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    this.count++;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + i * h2) % this.size;
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

export class GrowingBloomFilter {
  private readonly layers: Layer[] = [];

  constructor(
    private readonly initialCapacity = 65_536,
    private readonly errorRate = 0.001,
  ) {
    if (!(initialCapacity >= 1) || !(errorRate > 0 && errorRate < 1)) throw new RangeError("GrowingBloomFilter: capacity ≥ 1 and 0 < errorRate < 1");
    this.layers.push(new Layer(initialCapacity, errorRate / 2));
  }

  /** Strings added so far (duplicates counted). */
  get count(): number {
    return this.layers.reduce((n, l) => n + l.count, 0);
  }

  /** Bytes held by the bit arrays. */
  get bytes(): number {
    return this.layers.reduce((n, l) => n + l.bits.byteLength, 0);
  }

  add(s: string): void {
    let layer = this.layers[this.layers.length - 1];
    if (layer.count >= layer.capacity) {
      layer = new Layer(layer.capacity * 2, this.errorRate / 2 ** (this.layers.length + 1));
      this.layers.push(layer);
    }
    layer.add(fnv1a(s, 0x811c9dc5), secondHash(s));
  }

  mightContain(s: string): boolean {
    const h1 = fnv1a(s, 0x811c9dc5);
    const h2 = secondHash(s);
    for (let i = this.layers.length - 1; i >= 0; i--) if (this.layers[i].has(h1, h2)) return true;
    return false;
  }
}
