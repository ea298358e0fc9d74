/** Observability pages: the call log and analytics (filled in step 4). */
import { html } from "../html";
export function LogsPage() {
  return html`<h1 tabindex="-1">Call log</h1>`;
}
export function AnalyticsPage() {
  return html`<h1 tabindex="-1">Analytics</h1>`;
}
