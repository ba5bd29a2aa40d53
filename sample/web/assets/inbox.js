// The web inbox: the message list (newest first, a page at a time, updated live over server-sent
// events) and the selected message (#<id> in the address bar, so a reload keeps it).
import { api, el, formatSize, formatTime, liveStream } from './ui.js';

const rows = document.querySelector('#messages tbody');
const pane = document.getElementById('message');
const mailboxSelect = document.getElementById('mailbox');
const loadMoreButton = document.getElementById('load-more');

/** The messages loaded so far (pages, and live arrivals), by id. */
const messages = new Map();
/** Mailbox names seen since the last unfiltered reload: the filter's choices. */
const mailboxNames = new Set();
/** Ids that arrived live: their rows flash once. */
const fresh = new Set();
/** Events that came while a page was being loaded, applied once it is in (it may predate them). */
let pending = null;
/** The next page's URL, from the last page's Link header; null when there is none. */
let nextPage = null;
/** Bumped by every reload, so a page asked for before it is dropped. */
let generation = 0;

const selectedId = () => decodeURIComponent(location.hash.slice(1));
const messageUrl = (id, rest = '') => `/api/messages/${encodeURIComponent(id)}${rest}`;

/** The target of a `Link: <url>; rel="next"` header, or null. */
function nextLink(response) {
  const match = /<([^>]*)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '');
  return match ? match[1] : null;
}

/** Loads one page: the first (replacing what is shown) or the next. */
async function loadPage(url, replace) {
  const mine = replace ? ++generation : generation;
  pending = [];
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    const list = await response.json();
    if (mine !== generation) return;
    if (replace) {
      messages.clear();
      if (!mailboxSelect.value) mailboxNames.clear();
    }
    for (const m of list) messages.set(m.id, m);
    nextPage = nextLink(response);
    for (const apply of pending) apply();
  } finally {
    if (mine === generation) pending = null;
  }
  render();
}

function reload() {
  const filter = mailboxSelect.value;
  return loadPage(filter ? `/api/messages?mailbox=${encodeURIComponent(filter)}` : '/api/messages', true);
}

/** Applies a live change now, or after the list being loaded (which may not include it). */
function change(apply) {
  if (pending) pending.push(apply);
  else {
    apply();
    render();
  }
}

function render() {
  const filter = mailboxSelect.value;
  const all = [...messages.values()].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || (a.id < b.id ? 1 : -1));
  const shown = filter ? all.filter((m) => m.mailboxes.includes(filter)) : all;
  const existing = new Map([...rows.children].map((row) => [row.dataset.id, row]));
  rows.replaceChildren(...shown.map((m) => existing.get(m.id) ?? row(m)));
  for (const r of rows.children) r.classList.toggle('selected', r.dataset.id === selectedId());
  const more = nextPage ? '+' : '';
  document.getElementById('count').textContent = `${shown.length}${more} message${shown.length === 1 && !more ? '' : 's'}`;
  document.getElementById('empty').hidden = shown.length > 0 || Boolean(nextPage);
  loadMoreButton.hidden = !nextPage;
  renderMailboxes(all);
  if (selectedId() && !messages.has(selectedId()) && !pending) showNothing();
}

function row(m) {
  const open = () => (location.hash = encodeURIComponent(m.id));
  const tr = el(
    'tr',
    { dataset: { id: m.id }, tabIndex: 0, className: fresh.delete(m.id) ? 'fresh' : '', title: `Mailboxes: ${m.mailboxes.join(', ')}` },
    el('td', { className: 'from' }, m.from || '(no sender)'),
    el('td', { className: 'to' }, m.to || m.mailboxes.join(', ')),
    el('td', { className: 'subject' }, badges(m), m.subject || '(no subject)'),
    el('td', { className: 'num' }, formatSize(m.size)),
    el('td', { className: 'num', title: m.receivedAt }, formatTime(m.receivedAt)),
  );
  tr.addEventListener('click', open);
  tr.addEventListener('keydown', (event) => event.key === 'Enter' && open());
  tr.addEventListener('animationend', (event) => event.animationName === 'fresh' && tr.classList.remove('fresh'));
  return tr;
}

/** SPF/DKIM/DMARC results and the spam score this server recorded, as small labels. */
function badges(m) {
  const auth = Object.entries(m.auth ?? {}).map(([method, result]) =>
    el('span', { className: `badge ${result === 'pass' ? 'good' : result === 'fail' ? 'bad' : 'meh'}`, title: `${method}=${result}`, dataset: { check: method } }, `${method.toUpperCase()} ${result}`),
  );
  const spam = m.spam && el('span', { className: `badge ${m.spam.action === 'no action' ? 'good' : 'bad'}`, title: `rspamd: ${m.spam.action}`, dataset: { check: 'spam' } }, `spam ${m.spam.score.toFixed(1)}`);
  return auth.length || spam ? el('span', { className: 'badges' }, auth, spam) : undefined;
}

function renderMailboxes(all) {
  for (const m of all) for (const name of m.mailboxes) mailboxNames.add(name);
  const names = [...mailboxNames].sort();
  const current = mailboxSelect.value;
  const have = [...mailboxSelect.options].slice(1).map((o) => o.value);
  if (names.join('\n') === have.join('\n')) return;
  mailboxSelect.replaceChildren(el('option', { value: '' }, 'all'), ...names.map((n) => el('option', { value: n }, n)));
  mailboxSelect.value = names.includes(current) ? current : '';
}

function showNothing() {
  pane.replaceChildren(el('p', { className: 'empty' }, 'Select a message to read it.'));
}

async function show(id) {
  if (!id) return showNothing();
  let m;
  try {
    m = await api(messageUrl(id));
  } catch (error) {
    if (id !== selectedId()) return;
    return pane.replaceChildren(el('p', { className: 'empty' }, unavailable(error.status)), ...(error.status === 404 ? [] : [rawLink(id)]));
  }
  if (id !== selectedId()) return; // another one was selected meanwhile
  const body = el('div', { className: 'body' });
  const tabs = el('div', { className: 'tabs', role: 'tablist' });
  const views = {
    html: () => [
      el('p', { className: 'note' }, 'Shown sandboxed: scripts do not run and remote images and styles are not loaded.'),
      el('iframe', { sandbox: '', src: messageUrl(id, '/html'), title: 'HTML body', referrerPolicy: 'no-referrer' }),
    ],
    text: () => [
      m.textTruncated && el('p', { className: 'note' }, 'The text is cut here: download the message to read all of it.'),
      m.textOmitted && el('p', { className: 'note' }, `No text view: ${m.textOmitted}.`),
      el('pre', { className: 'text' }, m.text ?? '(no text body)'),
    ].filter(Boolean),
    headers: () =>
      el('table', { className: 'headers' }, el('tbody', {}, m.headers.map((h) => el('tr', {}, el('th', {}, h.name), el('td', {}, h.value))))),
  };
  const select = (name) => {
    body.replaceChildren(...[views[name]()].flat());
    body.dataset.view = name;
    for (const tab of tabs.children) tab.setAttribute('aria-selected', String(tab.dataset.view === name));
  };
  const problem = m.parseError && el('p', { className: 'note problem', role: 'status' }, `This message cannot be shown: ${m.parseError.reason}. Its headers are below; download it to read it whole.`);
  for (const [name, label] of [['html', 'HTML'], ['text', 'Text'], ['headers', 'Headers']]) {
    if (name === 'text' && m.parseError) continue;
    if (name === 'html' && !m.hasHtml) continue;
    tabs.append(el('button', { type: 'button', role: 'tab', dataset: { view: name }, onclick: () => select(name) }, label));
  }
  const remove = el('button', { type: 'button', className: 'danger', onclick: () => removeMessage(id) }, 'Delete');
  pane.replaceChildren(
    el('h2', { className: 'subject' }, m.subject || '(no subject)'),
    el(
      'dl',
      { className: 'meta' },
      field('From', m.from),
      field('To', m.to),
      field('Mailboxes', m.mailboxes.join(', ')),
      m.date && field('Date', new Date(m.date).toLocaleString()),
      field('Received', `${new Date(m.receivedAt).toLocaleString()} · ${formatSize(m.size)}`),
      (m.auth || m.spam) && field('Checks', badges(m)),
    ),
    el('div', { className: 'actions' }, el('a', { className: 'button', href: messageUrl(id, '/raw'), download: `${id}.eml` }, 'Download .eml'), remove),
    m.attachments.length > 0 &&
      el(
        'ul',
        { className: 'attachments', 'aria-label': 'Attachments' },
        m.attachments.map((a) =>
          el('li', {}, el('a', { href: messageUrl(id, `/attachments/${a.index}`), download: a.filename }, a.filename), el('span', { className: 'muted' }, ` ${a.contentType}, ${formatSize(a.size)}`)),
        ),
      ),
    problem,
    tabs,
    body,
  );
  select(m.parseError ? 'headers' : m.hasHtml ? 'html' : 'text');
}

/** Why a message could not be opened: gone (404), the server busy (503), or it cannot be shown. */
function unavailable(status) {
  if (status === 404) return 'This message is gone.';
  if (status === 503) return 'The server is busy opening other messages: try again in a moment.';
  return `This message cannot be shown${status ? ` (error ${status})` : ''}.`;
}

function rawLink(id) {
  return el('p', {}, el('a', { href: messageUrl(id, '/raw'), download: `${id}.eml` }, 'Download it as stored (.eml)'));
}

function field(name, value) {
  return [el('dt', {}, name), el('dd', {}, value || '—')];
}

async function removeMessage(id) {
  await api(messageUrl(id), { method: 'DELETE' });
  change(() => messages.delete(id));
  history.replaceState(null, '', location.pathname);
  showNothing();
}

document.getElementById('delete-all').addEventListener('click', async () => {
  if (!messages.size || !confirm(`Delete all ${messages.size}${nextPage ? '+' : ''} messages from every mailbox?`)) return;
  await api('/api/messages', { method: 'DELETE' });
  change(() => {
    messages.clear();
    mailboxNames.clear();
    nextPage = null;
  });
  showNothing();
});

loadMoreButton.addEventListener('click', async () => {
  if (!nextPage || loadMoreButton.disabled || pending) return; // a reload is under way
  loadMoreButton.disabled = true;
  try {
    await loadPage(nextPage, false);
  } finally {
    loadMoreButton.disabled = false;
  }
});
// the server filters, so each mailbox is paged on its own
mailboxSelect.addEventListener('change', () => void reload());
addEventListener('hashchange', () => {
  render();
  void show(selectedId());
});

liveStream(
  '/api/events/messages',
  {
    stored: (summary) => {
      fresh.add(summary.id);
      change(() => messages.set(summary.id, summary));
    },
    deleted: ({ ids }) =>
      change(() => {
        for (const id of ids) messages.delete(id);
      }),
  },
  // on every (re)connection: changes made while disconnected are not replayed, so list again
  () => void reload(),
);
void show(selectedId());
