// The live view: one row per SMTP connection, filled in phase by phase from the server's
// `session` events (the library's FumiEvents relayed over SSE). The stream first replays the
// sessions the server kept, so the page shows recent history too.
import { el, formatSize, formatTime, liveStream } from './ui.js';

const MAX_ROWS = 200;
const rows = document.querySelector('#sessions tbody');
const refusedOnly = document.getElementById('refused-only');

/** sessionId → { row, cells, refused } */
const sessions = new Map();
/** The server process whose events we show, and the last event of it we applied. */
let boot;
let lastSeq = 0;

const LABELS = { connect: 'CONNECT', secure: 'STARTTLS', auth: 'AUTH', mailFrom: 'MAIL FROM', rcptTo: 'RCPT TO', data: 'DATA' };

function apply(event) {
  const [eventBoot, seqText] = event.id.split('-');
  const seq = Number(seqText);
  if (eventBoot !== boot) {
    // a restarted server: its history is all there is now
    boot = eventBoot;
    lastSeq = 0;
    sessions.clear();
    rows.replaceChildren();
  }
  if (seq <= lastSeq) return; // replayed after a reconnection
  lastSeq = seq;

  const session = sessions.get(event.sessionId) ?? open(event);
  const { cells } = session;
  if (event.clientHostname) cells.helo.textContent = event.clientHostname;
  if (event.tls) cells.tls.textContent = event.tls;
  if (event.user) cells.user.textContent = event.user;
  if (event.phase === 'close') {
    session.row.classList.add('closed');
    cells.state.replaceChildren(el('span', { className: 'closed-at', title: new Date(event.time).toISOString() }, `closed ${formatTime(event.time)}`));
  } else {
    // each MAIL FROM starts a new line: one line per mail transaction
    if (event.phase === 'mailFrom' || !session.line) {
      session.line = el('div', { className: 'txn' });
      cells.phases.append(session.line);
    }
    session.line.append(chip(event));
    if (!event.ok) {
      session.refused = true;
      session.row.classList.add('has-refusal');
    }
  }
  if (Date.now() - event.time < 3000) {
    // flash what happens now, not the replayed history
    session.row.classList.remove('fresh');
    void session.row.offsetWidth; // restarts the animation
    session.row.classList.add('fresh');
  }
  filter(session);
  count();
}

function open(event) {
  const cells = {
    time: el('td', { className: 'num', title: new Date(event.time).toISOString() }, formatTime(event.time)),
    client: el('td', { className: 'client' }),
    helo: el('span', { className: 'helo muted' }),
    tls: el('td', { className: 'tls' }),
    user: el('td', { className: 'user' }),
    phases: el('td', { className: 'phases' }),
    state: el('td', { className: 'state' }, el('span', { className: 'open-dot' }, 'open')),
  };
  cells.client.append(el('span', { className: 'addr' }, event.remoteAddress), el('br'), cells.helo);
  const row = el('tr', { dataset: { session: event.sessionId, server: event.server } }, cells.time, cells.client, cells.tls, cells.user, cells.phases, cells.state);
  row.addEventListener('animationend', (event) => event.animationName === 'fresh' && row.classList.remove('fresh'));
  const session = { row, cells, refused: false, line: undefined };
  sessions.set(event.sessionId, session);
  rows.prepend(row);
  while (rows.children.length > MAX_ROWS) {
    const last = rows.lastElementChild;
    sessions.delete(last.dataset.session);
    last.remove();
  }
  return session;
}

/** One answered command: what was asked, the reply code, and the reason of a refusal. */
function chip(event) {
  const detail =
    event.phase === 'mailFrom' || event.phase === 'rcptTo'
      ? `<${event.address ?? ''}>`
      : event.phase === 'data' && event.size !== undefined
        ? formatSize(event.size)
        : event.phase === 'auth' && event.user
          ? event.user
          : event.phase === 'secure' && event.tls
            ? event.tls
            : '';
  return el(
    'span',
    {
      className: `chip ${event.ok ? 'ok' : 'rejected'}`,
      dataset: { phase: event.phase, code: event.code ?? '' },
      title: `${LABELS[event.phase]} ${detail} → ${event.code ?? ''} ${event.message ?? ''} (${event.durationMs.toFixed(1)} ms)`,
    },
    el('b', {}, LABELS[event.phase]),
    detail && el('span', { className: 'detail' }, ` ${detail}`),
    event.code !== undefined && el('span', { className: 'code' }, ` ${event.code}`),
    event.message && el('span', { className: 'reason' }, ` ${event.message}`),
  );
}

function filter(session) {
  session.row.hidden = refusedOnly.checked && !session.refused;
}

function count() {
  const shown = [...sessions.values()].filter((s) => !s.row.hidden).length;
  document.getElementById('count').textContent = `${shown} session${shown === 1 ? '' : 's'}`;
  document.getElementById('empty').hidden = sessions.size > 0;
}

refusedOnly.addEventListener('change', () => {
  for (const session of sessions.values()) filter(session);
  count();
});

liveStream('/api/events/sessions', { session: apply });
count();
