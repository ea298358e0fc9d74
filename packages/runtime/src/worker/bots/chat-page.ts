/**
 * The local chat page's HTML, script and style (worker/bots/dev-chat.ts serves them): plain DOM, no build step, text
 * always set as text (a reply is data, never markup), buttons rendered from the replies and pressed as button events.
 */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function chatPageHtml(bot: string, mode: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(bot)} · aerostack dev chat</title>
<link rel="stylesheet" href="page.css">
<script src="page.js" defer></script>
</head>
<body data-bot="${escapeHtml(bot)}">
<header>
  <strong>${escapeHtml(bot)}</strong> <span class="dim">${escapeHtml(mode)} mode · aerostack dev · no chat platform</span>
  <button type="button" id="new-chat" title="Start a new conversation (new memory)">New chat</button>
</header>
<main id="log" aria-live="polite"></main>
<form id="send">
  <input id="text" name="text" autocomplete="off" placeholder="Message ${escapeHtml(bot)}…" aria-label="Message" maxlength="8000" required>
  <button type="submit" id="send-button">Send</button>
</form>
<noscript>The chat page needs JavaScript.</noscript>
</body>
</html>
`;
}

export const CHAT_PAGE_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; display: flex; flex-direction: column; height: 100vh; background: #f6f7f9; color: #1d2330; }
header { padding: 10px 16px; border-bottom: 1px solid #dde1e8; background: #fff; display: flex; gap: 10px; align-items: center; }
header button { margin-left: auto; }
.dim { color: #6b7385; font-size: 13px; }
main { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
.msg { max-width: 75%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: #2f6fed; color: #fff; }
.msg.bot { align-self: flex-start; background: #fff; border: 1px solid #dde1e8; }
.msg.note { align-self: center; background: none; color: #6b7385; font-size: 13px; padding: 0; }
.msg.error { align-self: center; color: #b3261e; font-size: 13px; }
.buttons { display: flex; gap: 6px; margin-top: 8px; flex-wrap: wrap; }
form { display: flex; gap: 8px; padding: 12px 16px; border-top: 1px solid #dde1e8; background: #fff; }
input { flex: 1; padding: 8px 10px; font: inherit; border: 1px solid #c5cbd6; border-radius: 8px; }
button { padding: 6px 12px; font: inherit; border: 1px solid #c5cbd6; border-radius: 8px; background: #fff; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: default; }
form button { background: #2f6fed; color: #fff; border-color: #2f6fed; }
`;

export const CHAT_PAGE_JS = `"use strict";
(() => {
  const bot = document.body.dataset.bot;
  const base = "/bots/" + encodeURIComponent(bot) + "/chat";
  const log = document.getElementById("log");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send-button");
  const newId = () => "page-" + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  // Each load of the page is a new conversation (the bot's memory is per chat).
  let chat = newId();
  let cursor = 0;
  let seen = new Set();

  function add(kind, text) {
    const el = document.createElement("div");
    el.className = "msg " + kind;
    el.textContent = text;
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }

  function showReplies(replies) {
    for (const reply of replies) {
      if (seen.has(reply.id)) continue;
      seen.add(reply.id);
      cursor = Math.max(cursor, reply.id);
      const el = add("bot", reply.text);
      if (reply.buttons.length) {
        const row = document.createElement("div");
        row.className = "buttons";
        for (const b of reply.buttons) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = b.label;
          button.addEventListener("click", () => {
            for (const other of row.querySelectorAll("button")) other.disabled = true;
            void send(b.data, b.label, true);
          });
          row.appendChild(button);
        }
        el.appendChild(row);
      }
    }
  }

  async function call(url, init) {
    const res = await fetch(url, init);
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error((body && body.error && body.error.message) || "the dev server answered " + res.status);
    return body;
  }

  let busy = false;
  async function send(text, shown, button) {
    busy = true;
    sendButton.disabled = true;
    add("user", shown);
    const thinking = add("note", "…");
    try {
      const result = await call(base, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat, text, ...(button ? { button: true } : {}) }) });
      thinking.remove();
      if (result.toolCalls.length) add("note", "called " + result.toolCalls.map((t) => t.name + (t.ok ? "" : " (failed)") + " · " + t.ms + " ms").join(", "));
      showReplies(result.replies);
      for (const e of result.errors) add("error", "Error: " + e);
    } catch (err) {
      thinking.remove();
      add("error", String(err && err.message ? err.message : err));
    } finally {
      busy = false;
      sendButton.disabled = false;
      input.focus();
    }
  }

  // A workflow's later messages (after an approval, a wait) arrive on the chat's outbox: read it now and then.
  async function poll() {
    if (!busy) {
      try {
        const result = await call(base + "/" + encodeURIComponent(chat) + "?after=" + cursor);
        showReplies(result.replies);
      } catch {}
    }
    setTimeout(poll, 1000);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    void send(text, text, false);
  });
  document.getElementById("new-chat").addEventListener("click", () => {
    chat = newId();
    cursor = 0;
    seen = new Set();
    log.replaceChildren();
    add("note", "New conversation");
  });
  add("note", "Talking to " + bot + " locally: no chat platform, the dev gateway's tools.");
  input.focus();
  void poll();
})();
`;
