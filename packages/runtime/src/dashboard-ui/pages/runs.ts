/** Workflow runs (filled in step 4). */
import { html } from "../html";
export function RunsPage() {
  return html`<h1 tabindex="-1">Workflow runs</h1>`;
}
