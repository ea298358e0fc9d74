/**
 * The vector index's SIMD scan kernel, as a WebAssembly module assembled here byte by byte (no toolchain needed).
 * scripts/build.mjs writes it to dist/worker/vector-kernel.wasm and the platform worker imports it as a compiled
 * module: workerd, like Cloudflare, refuses to compile WebAssembly from bytes at run time, but runs modules shipped
 * with the worker. Node tests compile the same bytes directly.
 *
 * Exports: `memory`, and two functions with the same signature (all byte offsets into `memory`):
 *   dot(rows, query, count, stride, out): out[r] = Σ_j rows[r·stride + j] · query[j]       (float32, f32x4 lanes)
 *   l2(rows, query, count, stride, out):  out[r] = Σ_j (rows[r·stride + j] − query[j])²  (float32, f32x4 lanes)
 * `stride` is in floats and must be a multiple of 8 (rows are zero-padded); each row is summed in two f32x4
 * accumulators, then (a0+a1)·lanes as (l0+l1)+(l2+l3). The result is approximate (float32 arithmetic): matrix.ts
 * bounds its error and re-ranks every row the bound cannot decide in float64, so query results stay exact.
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
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f32Add: 0x92,
  f32Store: 0x38,
} as const;
const simd = (code: number) => [0xfd, ...u32(code)];
const v128Load = (offset: number) => [...simd(0x00), 4, ...u32(offset)]; // align 2^4
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const f32x4Extract = (lane: number) => [...simd(0x1f), lane];
const f32x4Add = simd(0xe4);
const f32x4Sub = simd(0xe5);
const f32x4Mul = simd(0xe6);

// Parameters and locals of both functions.
const ROWS = 0, QUERY = 1, COUNT = 2, STRIDE = 3, OUT = 4; // params
const R = 5, P = 6, END = 7, QP = 8, STRIDE_BYTES = 9; // i32 locals
const ACC0 = 10, ACC1 = 11; // v128 locals

/** The body of dot (combine = mul) or l2 (combine = sub then mul by itself). */
function body(kind: "dot" | "l2"): number[] {
  // One f32x4 step at byte `offset` past P / QP, accumulated into `acc`.
  const step = (acc: number, offset: number): number[] => {
    const a = [op.get, P, ...v128Load(offset)];
    const b = [op.get, QP, ...v128Load(offset)];
    const term =
      kind === "dot"
        ? [...a, ...b, ...f32x4Mul]
        : // (a − b)²: compute the difference once, keep it in the accumulator's partner slot via local tee is not
          // available for v128 without another local, so recompute: (a−b)·(a−b) costs two extra loads from L1.
          [...a, ...b, ...f32x4Sub, ...a, ...b, ...f32x4Sub, ...f32x4Mul];
    return [op.get, acc, ...term, ...f32x4Add, op.set, acc];
  };
  const code = [
    // strideBytes = stride << 2; r = 0
    op.get, STRIDE, op.i32Const, ...s32(2), op.i32Shl, op.set, STRIDE_BYTES,
    op.i32Const, ...s32(0), op.set, R,
    op.block, 0x40,
    op.loop, 0x40,
    // if r >= count: done
    op.get, R, op.get, COUNT, op.i32GeU, op.brIf, 1,
    ...v128Zero, op.set, ACC0,
    ...v128Zero, op.set, ACC1,
    // p = rows; end = rows + strideBytes; qp = query
    op.get, ROWS, op.set, P,
    op.get, ROWS, op.get, STRIDE_BYTES, op.i32Add, op.set, END,
    op.get, QUERY, op.set, QP,
    op.block, 0x40,
    op.loop, 0x40,
    op.get, P, op.get, END, op.i32GeU, op.brIf, 1,
    ...step(ACC0, 0),
    ...step(ACC1, 16),
    op.get, P, op.i32Const, ...s32(32), op.i32Add, op.set, P,
    op.get, QP, op.i32Const, ...s32(32), op.i32Add, op.set, QP,
    op.br, 0,
    op.end,
    op.end,
    // acc0 += acc1; out[r] = (l0 + l1) + (l2 + l3)
    op.get, ACC0, op.get, ACC1, ...f32x4Add, op.set, ACC0,
    op.get, OUT, op.get, R, op.i32Const, ...s32(2), op.i32Shl, op.i32Add,
    op.get, ACC0, ...f32x4Extract(0), op.get, ACC0, ...f32x4Extract(1), op.f32Add,
    op.get, ACC0, ...f32x4Extract(2), op.get, ACC0, ...f32x4Extract(3), op.f32Add,
    op.f32Add,
    op.f32Store, 2, 0,
    // rows += strideBytes; r += 1
    op.get, END, op.set, ROWS,
    op.get, R, op.i32Const, ...s32(1), op.i32Add, op.set, R,
    op.br, 0,
    op.end,
    op.end,
    op.end,
  ];
  const locals = vec([[5, I32], [2, V128]]);
  const fn = [...locals, ...code];
  return [...u32(fn.length), ...fn];
}

/** The module's bytes. */
export function vectorKernelWasm(): Uint8Array<ArrayBuffer> {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x00, ...u32(1)]])),
    ...section(7, vec([[...name("memory"), 0x02, 0], [...name("dot"), 0x00, 0], [...name("l2"), 0x00, 1]])),
    ...section(10, vec([body("dot"), body("l2")])),
  ];
  return Uint8Array.from(bytes);
}

/** What an instance of the module exports. */
export interface VectorKernel {
  memory: WebAssembly.Memory;
  dot(rows: number, query: number, count: number, stride: number, out: number): void;
  l2(rows: number, query: number, count: number, stride: number, out: number): void;
}
