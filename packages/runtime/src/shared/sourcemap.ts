/** Source-map lookup and stack-trace rewriting, shared by the host and the platform worker (no Node APIs). */

interface RawSourceMap {
  version: number;
  sources: string[];
  sourceRoot?: string;
  mappings: string;
}

/** One decoded segment: generated column → original source, line and column (all 0-based). */
type Segment = [genCol: number, source: number, line: number, col: number];

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_INDEX = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes a source map once; `lookup` then answers a generated position with its original one. */
export class SourceMapIndex {
  private readonly lines: Segment[][];
  private readonly sources: string[];

  constructor(map: string | RawSourceMap) {
    const raw: RawSourceMap = typeof map === "string" ? (JSON.parse(map) as RawSourceMap) : map;
    const root = raw.sourceRoot ? raw.sourceRoot.replace(/\/?$/, "/") : "";
    this.sources = raw.sources.map((s) => root + s);
    this.lines = decodeMappings(raw.mappings);
  }

  /** `line` is 1-based and `column` 1-based, as in V8 stack traces; returns 1-based positions. */
  lookup(line: number, column: number): { source: string; line: number; column: number } | undefined {
    const segments = this.lines[line - 1];
    if (!segments || segments.length === 0) return undefined;
    const col = column - 1;
    let lo = 0;
    let hi = segments.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const seg = segments[mid]!;
      if (seg[0] <= col) {
        found = seg;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    found ??= segments[0];
    if (!found) return undefined;
    const source = this.sources[found[1]];
    if (source === undefined) return undefined;
    return { source, line: found[2] + 1, column: found[3] + 1 };
  }

  /**
   * Rewrites every `file:line:col` frame of `stack` whose file is `generatedFile` to the original position,
   * leaving other frames as they are.
   */
  rewriteStack(stack: string, generatedFile: string): string {
    const escaped = generatedFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const frame = new RegExp(`(?:[\\w./:-]*/)?${escaped}:(\\d+):(\\d+)`, "g");
    return stack.replace(frame, (whole, l: string, c: string) => {
      const pos = this.lookup(Number(l), Number(c));
      return pos ? `${pos.source}:${pos.line}:${pos.column}` : whole;
    });
  }
}

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let line = 0;
  let col = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let genCol = 0;
    if (lineText.length > 0) {
      for (const segText of lineText.split(",")) {
        if (segText.length === 0) continue;
        const values = decodeVlq(segText);
        genCol += values[0] ?? 0;
        if (values.length >= 4) {
          source += values[1]!;
          line += values[2]!;
          col += values[3]!;
          segments.push([genCol, source, line, col]);
        }
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = BASE64_INDEX.get(ch);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      const negative = value & 1;
      value >>>= 1;
      out.push(negative ? -value : value);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
