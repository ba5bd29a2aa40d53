import type { FumiSession } from '../../server/fumi-session.js';
import { authenticationResultsHeader } from './authentication-results.header.js';
import type { DkimVerdict, DmarcVerdict, ArcVerdict, DnsblListing, MailAuthResults, SpfVerdict } from './mail-auth-results.interface.js';

/** What the checks record on one session; the transaction's part starts over at each MAIL FROM. */
interface SessionAuthState {
  authservId: string;
  dnsbl: DnsblListing[];
  transaction: number;
  spf?: SpfVerdict;
  dkim: DkimVerdict[];
  dkimNotVerified: number;
  arc?: ArcVerdict;
  dmarc?: DmarcVerdict;
}

const states = new WeakMap<object, SessionAuthState>();

/** The session's record, its transaction part cleared when a new transaction has begun. */
export function authStateOf<TState extends object, TUser>(session: FumiSession<TState, TUser>, authservId?: string): SessionAuthState {
  let state = states.get(session);
  if (!state) {
    state = { authservId: authservId ?? session.server.hostname, dnsbl: [], transaction: session.transaction, dkim: [], dkimNotVerified: 0 };
    states.set(session, state);
  }
  if (state.transaction !== session.transaction) {
    Object.assign(state, { transaction: session.transaction, spf: undefined, dkim: [], dkimNotVerified: 0, arc: undefined, dmarc: undefined });
  }
  return state;
}

/** A read-only view of the record, with the header built from what is known. */
export function resultsView<TState extends object, TUser>(session: FumiSession<TState, TUser>): MailAuthResults | undefined {
  const state = states.get(session) && authStateOf(session);
  if (!state) return undefined;
  const clauses = [
    ...state.dkim.map((d) => d.info),
    ...(state.spf ? [state.spf.info] : []),
    ...(state.arc ? [state.arc.info] : []),
    ...(state.dmarc ? [state.dmarc.info] : []),
  ];
  return {
    dnsbl: state.dnsbl,
    spf: state.spf,
    dkim: state.dkim,
    dkimNotVerified: state.dkimNotVerified,
    arc: state.arc,
    dmarc: state.dmarc,
    header: authenticationResultsHeader(state.authservId, clauses),
  };
}
