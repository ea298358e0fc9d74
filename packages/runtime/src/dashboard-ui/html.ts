/** htm bound to Preact's h: JSX-like templates without a JSX compile step (the build stays plain esbuild). */
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
