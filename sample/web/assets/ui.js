// Small helpers shared by the inbox and live pages. Everything that comes from mail or from a
// client is put in the page as text (textContent), never as HTML.

/** Makes an element: el('td', { className: 'x', title: 'y' }, 'text', otherElement). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && key !== 'list') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

/** 1234 → "1.2 kB". */
export function formatSize(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Time of day for today, date and time otherwise. */
export function formatTime(value) {
  const date = new Date(value);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/** fetch() that throws on HTTP errors and parses JSON replies. */
export async function api(path, init) {
  const response = await fetch(path, init);
  if (!response.ok) throw Object.assign(new Error(`${init?.method ?? 'GET'} ${path}: ${response.status}`), { status: response.status });
  return response.status === 204 ? undefined : response.json();
}

/**
 * Opens a server-sent event stream and shows its state in the top bar (#status) and on
 * <body data-live="connected|reconnecting">. EventSource reconnects by itself; onOpen runs on
 * every (re)connection, so a page can catch up on what it missed.
 */
export function liveStream(url, listeners, onOpen) {
  const status = document.getElementById('status');
  const source = new EventSource(url);
  const show = (state, text) => {
    document.body.dataset.live = state;
    if (status) status.textContent = text;
  };
  show('connecting', 'connecting…');
  source.addEventListener('open', () => {
    show('connected', 'live');
    onOpen?.();
  });
  source.addEventListener('error', () => show('reconnecting', 'reconnecting…'));
  for (const [type, listener] of Object.entries(listeners)) {
    source.addEventListener(type, (event) => listener(JSON.parse(event.data), event));
  }
  return source;
}
