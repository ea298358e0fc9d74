/**
 * The dashboard app: sign-in, the navigation and the page named by the location hash (`#/workspaces/team`). Hash
 * routing keeps the server to one shell page; each page change moves focus to its heading so keyboard and screen
 * reader users land on the new content.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ComponentType } from "preact";
import { html } from "./html";
import { currentSession, IN_DEV, setSignedOutHandler, signIn, signOut, type Session } from "./api";
import { message } from "./ui";
import { ProjectsPage, WorkspacesPage, TokensPage, SecretsPage } from "./pages/manage";
import { LogsPage, AnalyticsPage } from "./pages/observe";
import { RunsPage } from "./pages/runs";
import { HubPage } from "./pages/hub";
import { go, parseHash, type Route } from "./router";

const PAGES: { id: string; label: string; component: ComponentType<{ route: Route; session: Session }> }[] = [
  { id: "workspaces", label: "Workspaces", component: WorkspacesPage },
  { id: "tokens", label: "Tokens", component: TokensPage },
  { id: "secrets", label: "Secrets", component: SecretsPage },
  { id: "projects", label: "Projects", component: ProjectsPage },
  { id: "logs", label: "Call log", component: LogsPage },
  { id: "analytics", label: "Analytics", component: AnalyticsPage },
  { id: "runs", label: "Workflow runs", component: RunsPage },
  { id: "hub", label: "Hub", component: HubPage },
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    setSignedOutHandler(() => setSession(null));
    currentSession().then(setSession);
  }, []);
  if (session === undefined) return html`<p role="status">Loading…</p>`;
  if (session === null || route.page === "sign-in") return html`<${SignIn} onSignedIn=${setSession} next=${route.query.get("next")} />`;
  return html`<${Shell} session=${session} route=${route} onSignedOut=${() => setSession(null)} />`;
}

function SignIn({ onSignedIn, next }: { onSignedIn: (s: Session) => void; next: string | null }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await signIn(key.trim());
      setKey("");
      // Back to the page that asked (the OAuth consent page), but only a path on this site: never an open redirect.
      if (next && next.startsWith("/") && !next.startsWith("//")) {
        location.assign(next);
        return;
      }
      if (location.hash.startsWith("#/sign-in")) go("workspaces");
      onSignedIn(s);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  if (IN_DEV) {
    // aerostack dev's local account has no key to paste: its banner prints a sign-in link made for this start.
    return html`<main class="signin" id="main">
      <h1>Aerostack dev</h1>
      <p role="alert">Not signed in. Open the dashboard link <code>aerostack dev</code> printed in its terminal (it changes on every start).</p>
    </main>`;
  }
  return html`<main class="signin" id="main">
    <h1>Aerostack</h1>
    <form onSubmit=${submit} aria-describedby="signin-help">
      <h2>Sign in</h2>
      <p id="signin-help">Paste an account key (<code>ak_…</code>). It is checked once and never kept in the browser: the session lasts 12 hours or until you sign out.</p>
      <label for="key">Account key</label>
      <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required value=${key} onInput=${(e: Event) => setKey((e.target as HTMLInputElement).value)} />
      <button type="submit" disabled=${busy}>${busy ? "Signing in…" : "Sign in"}</button>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    </form>
  </main>`;
}

function Shell({ session, route, onSignedOut }: { session: Session; route: Route; onSignedOut: () => void }) {
  const page = PAGES.find((p) => p.id === route.page) ?? PAGES[0]!;
  const heading = useRef<HTMLDivElement>(null);
  const first = useRef(true);
  useEffect(() => {
    // Not on first load (focus stays at the top of the document), then on every page change.
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.querySelector("h1")?.focus();
  }, [route.page, route.args.join("/")]);
  const out = async () => {
    await signOut().catch(() => undefined);
    onSignedOut();
  };
  const Page = page.component;
  return html`<a class="skip" href="#main" onClick=${(e: Event) => {
      e.preventDefault();
      heading.current?.querySelector("h1")?.focus();
    }}>Skip to content</a>
    <header class="top">
      <span class="brand">Aerostack</span>
      <nav aria-label="Dashboard">
        <ul>
          ${PAGES.map((p) => html`<li><a href=${`#/${p.id}`} aria-current=${p.id === page.id ? "page" : undefined}>${p.label}</a></li>`)}
        </ul>
      </nav>
      <span class="who">Signed in as <strong>${session.account}</strong></span>
      <button type="button" class="link" onClick=${out}>Sign out</button>
    </header>
    <main id="main" ref=${heading}><${Page} route=${route} session=${session} /></main>`;
}
