/** The Hub (filled in step 4). */
import { html } from "../html";
export function HubPage() {
  return html`<h1 tabindex="-1">Hub</h1>`;
}
