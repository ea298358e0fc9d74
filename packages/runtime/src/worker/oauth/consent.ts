/**
 * The consent page of the OAuth flow, server-rendered HTML with no scripts: a sign-in step (an account key, or a
 * member token pasted by its holder), then the choice of workspace and role, Allow or Deny. The page carries only
 * the consent request's id; everything the client asked for stays on the server (worker/oauth/store.ts), so a form
 * cannot be altered to grant something else. Secrets typed in are never written back into a page. A person signed in
 * to the dashboard skips step one: the choice page carries the dashboard session's CSRF token instead.
 */
import { WORKSPACE_ROLES, type WorkspaceRole } from "../../shared/gateway";
import { OAUTH_PATHS } from "../../shared/oauth";

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}input,select{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
fieldset{border:1px solid #ccc;padding:.5rem 1rem}fieldset label{font-weight:400;display:flex;gap:.5rem}fieldset input{width:auto}
.buttons{display:flex;gap:1rem;margin-top:1.2rem}button{padding:.6rem 1.2rem;font:inherit}.error{color:#a00;border-left:4px solid #a00;padding-left:.6rem}
code{background:#f3f3f3;padding:0 .2rem}`;

/**
 * `formTarget`: where the page's form may end up besides this origin. Browsers apply CSP form-action to the redirect
 * that answers a form too, so Allow and Deny (302 to the client's redirect URI) need that URI's origin (or, for a
 * native app's custom scheme, its scheme) listed; nothing else is.
 */
function page(title: string, body: string, head = "", formTarget?: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${head}
<title>${escape(title)} · Aerostack</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
  return new Response(html, {
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // No scripts, no framing (clickjacking on an Allow button), forms post back here only.
      "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${formTarget ? ` ${formTarget}` : ""}; frame-ancestors 'none'; base-uri 'none'`,
      "x-frame-options": "DENY",
      // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with the page's own form
      // posts, which the Origin check then refuses (no consent could complete in a browser). Other sites still get
      // no Referer, and the redirect to the client carries its own no-referrer.
      "referrer-policy": "same-origin",
    },
  });
}

export interface ConsentView {
  requestId: string;
  clientName: string;
  /** Where the client will be sent back: shown, so the member sees which application asks. */
  redirectHost: string;
  /** The workspace the client asked for (its `resource`), when it named one. */
  workspace: string | null;
  /** The authorization request's path and query, to come back to after signing in to the dashboard. */
  returnTo: string;
  /** The redirect URI's origin (or `scheme:`), as a CSP source: where Allow and Deny send the browser. */
  redirectSource: string;
}

function intro(view: ConsentView): string {
  return `<h1>Allow ${escape(view.clientName)} to use ${view.workspace ? `workspace <code>${escape(view.workspace)}</code>` : "a workspace"}?</h1>
<p>${escape(view.clientName)} (returning to <code>${escape(view.redirectHost)}</code>) asks to call the tools of a workspace gateway on your behalf.</p>`;
}

const hidden = (view: ConsentView) => `<input type="hidden" name="request" value="${escape(view.requestId)}">`;

/** Step one: who you are. */
export function signInPage(view: ConsentView, error?: string): Response {
  return page(
    "Sign in",
    `${intro(view)}${error ? `<p class="error" role="alert">${escape(error)}</p>` : ""}
<form method="post" action="${OAUTH_PATHS.authorize}">${hidden(view)}
<label for="credential">Account key (<code>ak_…</code>) or member token (<code>mwt_…</code>)</label>
<input id="credential" name="credential" type="password" autocomplete="off" required>
<label for="workspace">Workspace (needed with a member token)</label>
<input id="workspace" name="workspace" value="${escape(view.workspace ?? "")}" ${view.workspace ? "readonly" : ""} pattern="[a-z0-9-]{1,32}">
<div class="buttons"><button name="action" value="signin">Sign in</button><button name="action" value="deny" formnovalidate>Deny</button></div>
</form>
<p>Or <a href="/dashboard#/sign-in?next=${escape(encodeURIComponent(view.returnTo))}">sign in to the dashboard</a> and come back here signed in.</p>`,
    "",
    view.redirectSource,
  );
}

/**
 * The page a cross-site arrival gets first: the dashboard's SameSite=Strict cookie is not sent on a navigation from
 * another site, so the browser is sent to the same address again from this page (a same-origin navigation, which
 * carries it). Nothing is opened or stored before the hop.
 */
export function hopPage(target: string): Response {
  return page(
    "Continue",
    `<h1>Continuing to the consent page…</h1><p><a href="${escape(target)}">Continue</a> if nothing happens.</p>`,
    `<meta http-equiv="refresh" content="0;url=${escape(target)}">`,
  );
}

/**
 * Step two: the workspace (one of the account's, or the member token's own) and, for an account, the role granted.
 * `csrf`: signed in through the dashboard session, whose CSRF token the Allow form must carry back.
 */
export function choosePage(view: ConsentView, signedInAs: string, choice: { workspaces: string[]; role: WorkspaceRole | null; csrf?: string }, error?: string): Response {
  const options = choice.workspaces
    .map((w, i) => `<label><input type="radio" name="workspace" value="${escape(w)}" ${i === 0 ? "checked" : ""}> ${escape(w)}</label>`)
    .join("");
  const role =
    choice.role !== null
      ? `<p>Role: <strong>${escape(choice.role)}</strong> (your member token's).</p>`
      : `<label for="role">Role granted</label><select id="role" name="role">${WORKSPACE_ROLES.map((r) => `<option value="${r}" ${r === "developer" ? "selected" : ""}>${r}</option>`).join("")}</select>`;
  return page(
    "Choose a workspace",
    `${intro(view)}<p>Signed in as <strong>${escape(signedInAs)}</strong>.</p>${error ? `<p class="error" role="alert">${escape(error)}</p>` : ""}
<form method="post" action="${OAUTH_PATHS.authorize}">${hidden(view)}${choice.csrf ? `<input type="hidden" name="csrf" value="${escape(choice.csrf)}">` : ""}
${choice.workspaces.length > 0 ? `<fieldset><legend>Workspace</legend>${options}</fieldset>${role}` : "<p>There is no workspace you may grant here.</p>"}
<div class="buttons">${choice.workspaces.length > 0 ? '<button name="action" value="allow">Allow</button>' : ""}<button name="action" value="deny">Deny</button>${choice.csrf ? '<button name="action" value="switch">Use another key or token</button>' : ""}</div>
</form>`,
    "",
    view.redirectSource,
  );
}

/** A request that cannot go back to the client (unknown client, a redirect URI not registered, an expired page). */
export function errorPage(message: string, status = 400): Response {
  const res = page("Authorization failed", `<h1>Authorization failed</h1><p class="error" role="alert">${escape(message)}</p>`);
  return new Response(res.body, { status, headers: res.headers });
}
