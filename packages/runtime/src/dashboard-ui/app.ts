/** Placeholder app: the sign-in form; pages follow. */
import { html } from "./html";
export function App() {
  return html`<main><h1>Aerostack</h1></main>`;
}
