/** A spinner on stderr for steps slower than a second, only on a terminal (never in --json or CI logs). */
import type { Output } from "./output";

export interface Progress {
  update(text: string): void;
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function startProgress(out: Output, text: string): Progress {
  if (out.json || process.stderr.isTTY !== true) return { update() {}, stop() {} };
  let current = text;
  let frame = 0;
  let shown = false;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const draw = () => process.stderr.write(`\r\x1b[2K${out.color.cyan(FRAMES[frame++ % FRAMES.length]!)} ${current}`);
  // Quick steps print nothing: the spinner appears only once a second has passed.
  const delay = setTimeout(() => {
    shown = true;
    draw();
    ticker = setInterval(draw, 80);
  }, 1000);
  return {
    update(next) {
      current = next;
      if (shown) draw();
    },
    stop() {
      clearTimeout(delay);
      if (ticker) clearInterval(ticker);
      if (shown) process.stderr.write("\r\x1b[2K");
    },
  };
}
