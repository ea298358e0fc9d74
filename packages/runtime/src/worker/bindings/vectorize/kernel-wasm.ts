/**
 * The vector index's SIMD scan kernel, as a WebAssembly module assembled here byte by byte (no toolchain needed).
 * scripts/build.mjs writes it to dist/worker/vector-kernel.wasm and the platform worker imports it as a compiled
 * module: workerd, like Cloudflare, refuses to compile WebAssembly from bytes at run time, but runs modules shipped
 * with the worker. Node tests compile the same bytes directly.
 *
 * Exports `memory` and one function (all pointers are byte offsets into `memory`):
 *   dot8(codes, query, idx, count, stride, out): for i in [0, count), with r = idx ? i32 idx[i] : i,
 *     out[i] (int32) = Σ_j codes[r·stride + j] · query[j]
 * where `codes` holds int8 rows `stride` bytes apart (a multiple of 32, zero-padded) and `query` the query's int16
 * codes (|c| ≤ 8191). The sum is exact (|Σ| ≤ 127 · 8191 · 1536 < 2³¹). Each 16 codes cost one load, two widenings and
 * two i32x4.dot_i16x8_s: a quarter of the memory traffic of a float32 scan, which is what bounds that scan.
 * matrix.ts turns the integer score into an approximate one with a proven error bound and re-scores in float64 every
 * row the bound cannot rule out, so query results stay exact.
 */

/** Unsigned LEB128. */
function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 for small constants. */
function s32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...u32(bytes.length), ...bytes];
}

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  f64Add: 0xa0,
  i32Load: 0x28,
  i32Store: 0x36,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32Shl: 0x74,
} as const;
const simd = (code: number) => [0xfd, ...u32(code)];
const v128Load = (offset: number) => [...simd(0x00), 4, ...u32(offset)]; // align 2^4
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const i32x4Extract = (lane: number) => [...simd(0x1b), lane];
const i32x4Add = simd(0xae);
const i32x4DotI16x8 = simd(0xba);
const i16x8ExtendLowI8x16 = simd(0x87);
const i16x8ExtendHighI8x16 = simd(0x88);
const v128Store = [...simd(0x0b), 4, 0];
const i32x4Splat = simd(0x11);
const f32x4Splat = simd(0x13);
const f64x2Splat = simd(0x14);
const f64x2Extract = (lane: number) => [...simd(0x21), lane];
const f32x4Mul = simd(0xe6);
const f32x4Nearest = simd(0x6a);
const i32x4TruncSatF32x4 = simd(0xf8);
const i32x4MinS = simd(0xb6);
const i32x4MaxS = simd(0xb8);
const f64x2PromoteLowF32x4 = simd(0x5f);
const f64x2ConvertLowI32x4 = simd(0xfe);
const f64x2Add = simd(0xf0);
const f64x2Sub = simd(0xf1);
const f64x2Mul = simd(0xf2);
const i16x8NarrowI32x4 = simd(0x85);
const i8x16NarrowI16x8 = simd(0x65);
/** Lanes 2 and 3 (bytes 8–15) of a vector moved to lanes 0 and 1, for the *_low conversions. */
const highHalf = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

// Parameters and locals of dot8.
const CODES = 0, QUERY = 1, IDX = 2, COUNT = 3, STRIDE = 4, OUT = 5; // params
const I = 6, P = 7, END = 8, QP = 9; // i32 locals
const ACC0 = 10, ACC1 = 11, V = 12; // v128 locals

/** The body of dot8. */
function body(): number[] {
  // 16 codes at byte `offset` past P, against the 16 widened query codes at 2·offset past QP.
  const step = (offset: number): number[] => [
    op.get, P, ...v128Load(offset), op.set, V,
    op.get, ACC0, op.get, V, ...i16x8ExtendLowI8x16, op.get, QP, ...v128Load(2 * offset), ...i32x4DotI16x8, ...i32x4Add, op.set, ACC0,
    op.get, ACC1, op.get, V, ...i16x8ExtendHighI8x16, op.get, QP, ...v128Load(2 * offset + 16), ...i32x4DotI16x8, ...i32x4Add, op.set, ACC1,
  ];
  const code = [
    op.i32Const, ...s32(0), op.set, I,
    op.block, 0x40,
    op.loop, 0x40,
    // if i >= count: done
    op.get, I, op.get, COUNT, op.i32GeU, op.brIf, 1,
    // p = codes + (idx ? idx[i] : i) · stride; end = p + stride; qp = query
    op.get, IDX,
    op.if, I32,
    op.get, IDX, op.get, I, op.i32Const, ...s32(2), op.i32Shl, op.i32Add, op.i32Load, 2, 0,
    op.else,
    op.get, I,
    op.end,
    op.get, STRIDE, op.i32Mul, op.get, CODES, op.i32Add, op.set, P,
    op.get, P, op.get, STRIDE, op.i32Add, op.set, END,
    op.get, QUERY, op.set, QP,
    ...v128Zero, op.set, ACC0,
    ...v128Zero, op.set, ACC1,
    op.block, 0x40,
    op.loop, 0x40,
    op.get, P, op.get, END, op.i32GeU, op.brIf, 1,
    ...step(0),
    ...step(16),
    op.get, P, op.i32Const, ...s32(32), op.i32Add, op.set, P,
    op.get, QP, op.i32Const, ...s32(64), op.i32Add, op.set, QP,
    op.br, 0,
    op.end,
    op.end,
    // out[i] = Σ lanes of acc0 + acc1
    op.get, OUT, op.get, I, op.i32Const, ...s32(2), op.i32Shl, op.i32Add,
    op.get, ACC0, op.get, ACC1, ...i32x4Add, op.set, ACC0,
    op.get, ACC0, ...i32x4Extract(0), op.get, ACC0, ...i32x4Extract(1), op.i32Add,
    op.get, ACC0, ...i32x4Extract(2), op.get, ACC0, ...i32x4Extract(3), op.i32Add,
    op.i32Add,
    op.i32Store, 2, 0,
    op.get, I, op.i32Const, ...s32(1), op.i32Add, op.set, I,
    op.br, 0,
    op.end,
    op.end,
    op.end,
  ];
  const locals = vec([[4, I32], [3, V128]]);
  const fn = [...locals, ...code];
  return [...u32(fn.length), ...fn];
}

// Parameters and locals of code8.
const SRC = 0, N = 1, DST = 2, INV = 3, SCALE = 4; // params: i32 × 3, f32, f64
const CP = 5, CEND = 6, CQ = 7; // i32 locals
const VINV = 8, VSCALE = 9, CV = 10, CC = 11, CACC = 12, CI0 = 13, LO = 17, HI = 18, CE = 19; // v128 locals (CI0 … CI0 + 3)

/** The body of code8. */
function codeBody(): number[] {
  // Adds (x − scale·c)² of two lanes to the accumulator: `x` and `c` push the f64x2 of the lanes wanted.
  const errorOf = (x: number[], c: number[]): number[] => [
    op.get, CACC, ...x, op.get, VSCALE, ...c, ...f64x2Mul, ...f64x2Sub, op.tee, CE, op.get, CE, ...f64x2Mul, ...f64x2Add, op.set, CACC,
  ];
  // Four floats at byte `16k` past CP: their clamped codes into CI0 + k, their errors into the accumulator.
  const step = (k: number): number[] => [
    op.get, CP, ...v128Load(16 * k), op.set, CV,
    op.get, CV, op.get, VINV, ...f32x4Mul, ...f32x4Nearest, ...i32x4TruncSatF32x4, op.get, HI, ...i32x4MinS, op.get, LO, ...i32x4MaxS,
    op.tee, CC, op.set, CI0 + k,
    ...errorOf([op.get, CV, ...f64x2PromoteLowF32x4], [op.get, CC, ...f64x2ConvertLowI32x4]),
    ...errorOf([op.get, CV, op.get, CV, ...highHalf, ...f64x2PromoteLowF32x4], [op.get, CC, op.get, CC, ...highHalf, ...f64x2ConvertLowI32x4]),
  ];
  const code = [
    op.get, INV, ...f32x4Splat, op.set, VINV,
    op.get, SCALE, ...f64x2Splat, op.set, VSCALE,
    op.i32Const, ...s32(-127), ...i32x4Splat, op.set, LO,
    op.i32Const, ...s32(127), ...i32x4Splat, op.set, HI,
    ...v128Zero, op.set, CACC,
    // p = src; end = src + 4n; q = dst
    op.get, SRC, op.set, CP,
    op.get, SRC, op.get, N, op.i32Const, ...s32(2), op.i32Shl, op.i32Add, op.set, CEND,
    op.get, DST, op.set, CQ,
    op.block, 0x40,
    op.loop, 0x40,
    op.get, CP, op.get, CEND, op.i32GeU, op.brIf, 1,
    ...step(0), ...step(1), ...step(2), ...step(3),
    // 16 codes: int32 → int16 → int8 (saturating; they are within ±127 already)
    op.get, CQ,
    op.get, CI0, op.get, CI0 + 1, ...i16x8NarrowI32x4,
    op.get, CI0 + 2, op.get, CI0 + 3, ...i16x8NarrowI32x4,
    ...i8x16NarrowI16x8,
    ...v128Store,
    op.get, CP, op.i32Const, ...s32(64), op.i32Add, op.set, CP,
    op.get, CQ, op.i32Const, ...s32(16), op.i32Add, op.set, CQ,
    op.br, 0,
    op.end,
    op.end,
    op.get, CACC, ...f64x2Extract(0), op.get, CACC, ...f64x2Extract(1), op.f64Add,
    op.end,
  ];
  const locals = vec([[3, I32], [12, V128]]);
  const fn = [...locals, ...code];
  return [...u32(fn.length), ...fn];
}

/** The module's bytes. */
export function vectorKernelWasm(): Uint8Array<ArrayBuffer> {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([
      [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), ...vec([])],
      [0x60, ...vec([[I32], [I32], [I32], [F32], [F64]]), ...vec([[F64]])],
    ])),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, ...u32(1)]])),
    ...section(7, vec([[...name("memory"), 0x02, 0], [...name("dot8"), 0x00, 0], [...name("code8"), 0x00, 1]])),
    ...section(10, vec([body(), codeBody()])),
  ];
  return Uint8Array.from(bytes);
}

/** What an instance of the module exports. */
export interface VectorKernel {
  memory: WebAssembly.Memory;
  dot8(codes: number, query: number, idx: number, count: number, stride: number, out: number): void;
  code8(src: number, n: number, dst: number, inv: number, scale: number): number;
}
