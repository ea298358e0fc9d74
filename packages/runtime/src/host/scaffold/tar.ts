/**
 * A minimal writer of gzipped ustar archives, the format of npm package tarballs: regular files only, with fixed
 * owner, modes (0644, or 0755 for executables) and date, so the same files always give the same bytes (and so the same `integrity` in a project's
 * lockfile, whoever runs `aerostack init`). Node has gzip but no tar; this is the one place that writes one.
 */
import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";

export interface TarEntry {
  /** The path inside the archive, with `/` separators (npm's are under `package/`). */
  path: string;
  data: Buffer;
  /** An executable keeps its bit (workerd-guard.sh must run); every other file is 0644. */
  executable?: boolean;
}

const BLOCK = 512;
// npm's own fixed date for packed files (1985-10-26T08:15:00Z): no build machine's clock ends up in the archive.
const MTIME = 499162500;

/** `value` as a zero-padded octal field of `width` bytes (the last one NUL), as ustar stores numbers. */
function octal(header: Buffer, offset: number, width: number, value: number): void {
  header.write(value.toString(8).padStart(width - 1, "0"), offset, width - 1, "ascii");
}

/** Splits a path into ustar's `prefix` (155 bytes) and `name` (100 bytes) at a `/`, or refuses it. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`Path too long for a tar archive: ${path}`);
}

function header(entry: TarEntry): Buffer {
  const block = Buffer.alloc(BLOCK);
  const { prefix, name } = splitPath(entry.path);
  block.write(name, 0, 100, "utf8");
  octal(block, 100, 8, entry.executable ? 0o755 : 0o644);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, entry.data.length);
  octal(block, 136, 12, MTIME);
  block.fill(" ", 148, 156); // the checksum field counts as spaces while the checksum is summed
  block.write("0", 156, 1, "ascii"); // a regular file
  block.write("ustar\u000000", 257, 8, "ascii");
  block.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "ascii");
  return block;
}

/** The gzipped archive of `entries`, in the order given. */
export function gzipTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry), entry.data);
    const pad = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  // Two empty blocks end an archive.
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts));
}
