/**
 * The hot prepared statements on PostgreSQL (store/prepared.ts: the nonce claim, GetDataSource's
 * read, the membership lookup) run on a few pipelined connections instead of the pool.
 *
 * Why: through the pool each statement checks out a connection and is written to its socket
 * alone. Under load most of the server's CPU went to those writes (30 % of its busy time in a
 * CPU profile of signed GetDataSource at 16 connections): each write wakes a sleeping
 * PostgreSQL backend, and on loopback the writer pays for that wake-up. Here the statements of
 * one event-loop turn go to one connection in one write (the socket is corked until the turn
 * ends), and PostgreSQL answers them in order. Each statement keeps its own Sync, so each is
 * still its own implicit transaction and one failing does not affect the others.
 *
 * Only for single statements that run outside a transaction and return at once (no cursors).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface PipelinedLanes {
  /** Runs the named prepared statement `name` (parsed once per connection). */
  query<R>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R & pg.QueryResultRow>>;
  /**
   * Lanes made with `listen` only: resolves once a statement sent on a listening connection
   * after this call has been answered, so every change notice for a commit made before that
   * statement reached PostgreSQL has been handled (see `ChangeNotices`). Rejects when that
   * statement fails. A statement already due this turn (the nonce claims' batch) carries it;
   * otherwise `select 1` is sent at the end of the turn.
   */
  barrier(): Promise<void>;
  /**
   * Lanes made with `listen` only: whether a statement handed to a listening connection at or
   * after `since` (`process.hrtime.bigint()`) has been answered, so that what `barrier` shows
   * has been shown for `since` already.
   */
  passedSince(since: bigint): boolean;
  end(): Promise<void>;
}

/**
 * LISTEN on every connection of the lanes. PostgreSQL hands a listening session the notices of
 * every commit made after its LISTEN, and a notice whose signal reached the session before a
 * statement ends is written ahead of that statement's ReadyForQuery (postgres.c: pending
 * notifies are processed just before ReadyForQuery is sent), which is when pg calls the
 * statement back. So once a statement sent after time T is answered, `onNotice` has been called
 * for every commit acknowledged before T. `onNotice` is also called when a connection starts
 * listening or is lost: notices may have been missed before.
 */
export interface ChangeNotices {
  channel: string;
  onNotice(): void;
  /** Called with the text of each `select 1` sent only as a barrier (tests count statements). */
  onBarrierStatement?(text: string): void;
}

const BARRIER_STATEMENT = 'select 1';

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

interface Lane {
  /** Resolves once connected; replaced by a new connection after an error. */
  client: Promise<pg.Client> | undefined;
  inFlight: number;
}

/**
 * `count` connections made by `connect`. A turn's statements all go to the connection with the
 * fewest statements in flight, so one slow statement delays only the statements sent with it
 * or behind it on that connection, and the next turn's go elsewhere.
 */
export function pipelinedLanes(
  count: number,
  make: () => pg.Client,
  PgQuery: typeof pg.Query,
  opts: {
    /**
     * False for lanes that are sent one statement per turn from a setImmediate callback (the
     * nonce claims' batch): corking there would hold the statement until the next turn, since
     * an immediate queued from an immediate runs only in the next iteration of the loop.
     */
    corkTurns?: boolean;
    listen?: ChangeNotices;
  } = {},
): PipelinedLanes {
  const corkTurns = opts.corkTurns ?? true;
  const listen = opts.listen;
  const Query = withKnownRowShapes(PgQuery);
  const lanes: Lane[] = Array.from({ length: count }, () => ({ client: undefined, inFlight: 0 }));
  // The lane of this turn's statements, set by the first and cleared when the turn ends.
  let turn: Lane | undefined;
  let ending = false;
  // Barriers asked for and not yet carried by a statement; whether a `select 1` is due.
  let waiting: Waiter[] = [];
  let barrierDue = false;
  // When the latest statement answered on a listening connection was handed to it.
  let passedAt = -1n;
  // The connections whose LISTEN was shown to work.
  const listening = new WeakSet<pg.Client>();

  function open(lane: Lane): Promise<pg.Client> {
    const client = make();
    if (listen) client.on('notification', listen.onNotice);
    const opened: Promise<pg.Client> = client
      .connect()
      .then(async () => {
        if (listen) {
          if (await startListening(client, listen.channel)) listening.add(client);
          listen.onNotice();
        }
        return client;
      })
      .catch((e: unknown) => {
        if (lane.client === opened) lane.client = undefined;
        client.end().catch(() => {});
        throw e;
      });
    // A lost connection fails the statements in flight on it (as the pool does); the next
    // statement opens a new one. Without a listener the error would crash the process.
    const drop = () => {
      if (lane.client === opened) lane.client = undefined;
      listen?.onNotice();
    };
    client.on('error', drop);
    client.on('end', drop);
    lane.client = opened;
    return opened;
  }

  function laneOfThisTurn(): Lane {
    if (turn) return turn;
    let best = lanes[0]!;
    for (const lane of lanes) if (lane.inFlight < best.inFlight) best = lane;
    turn = best;
    setImmediate(() => {
      turn = undefined;
    });
    return best;
  }

  async function query<R>(name: string, text: string, values: unknown[]) {
    if (ending) throw new Error('The database connection is closed.');
    const lane = laneOfThisTurn();
    lane.inFlight++;
    try {
      const client = await (lane.client ?? open(lane));
      if (corkTurns) corkUntilTurnEnds(client);
      // The barriers asked for before this statement leaves are answered with it: passed if
      // its connection listens and it succeeds, failed otherwise.
      const carried = waiting.length > 0 ? waiting : undefined;
      if (carried) waiting = [];
      const unheard = carried && !listening.has(client) ? NOT_LISTENING : undefined;
      // Taken before the statement leaves, so it can only be early: on the safe side.
      const sentAt = listen && listening.has(client) ? process.hrtime.bigint() : undefined;
      return await new Promise<pg.QueryResult<R & pg.QueryResultRow>>((resolve, reject) => {
        // A Query made from the text (not a config object, which pg copies property by
        // property on every call: a visible share of a call's CPU) and named afterwards.
        const query = new Query(text, values, (err: Error | undefined, res: pg.QueryResult) => {
          if (err) {
            reject(err);
            if (carried) for (const w of carried) w.reject(err);
            return;
          }
          if (sentAt !== undefined && sentAt > passedAt) passedAt = sentAt;
          resolve(res as pg.QueryResult<R & pg.QueryResultRow>);
          if (carried) for (const w of carried) unheard ? w.reject(unheard) : w.resolve();
        });
        (query as unknown as { name: string }).name = name;
        client.query(query);
      });
    } finally {
      lane.inFlight--;
    }
  }

  return {
    query,
    barrier() {
      if (!listen) return Promise.reject(new Error('barrier() needs lanes made with `listen`'));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (barrierDue) return;
        barrierDue = true;
        // Immediates run in the order they were queued: the nonce claims' batch of this turn,
        // queued when the first request of the turn claimed, has been sent by then.
        setImmediate(() => {
          barrierDue = false;
          if (waiting.length === 0) return;
          listen.onBarrierStatement?.(BARRIER_STATEMENT);
          query('dshub_barrier', BARRIER_STATEMENT, []).catch(() => {});
        });
      });
    },
    passedSince(since) {
      return passedAt >= since;
    },
    async end() {
      ending = true;
      for (const w of waiting.splice(0)) w.reject(new Error('The database connection is closed.'));
      await Promise.all(
        lanes.map(async (lane) => {
          const client = await lane.client?.catch(() => undefined);
          lane.client = undefined;
          await client?.end();
        }),
      );
    },
  };
}

const NOT_LISTENING = new Error('This connection does not receive change notices.');

/**
 * LISTENs on `channel` and checks that notices arrive: a notice the connection sends itself must
 * come before the answer of the statement that sent it. False when LISTEN fails or no notice
 * comes (a PostgreSQL-compatible server or a pooler that accepts LISTEN without delivering): the
 * connection still serves statements, but carries no barrier, so nothing is kept.
 */
async function startListening(client: pg.Client, channel: string): Promise<boolean> {
  const token = randomUUID();
  let heard = false;
  const hear = (n: pg.Notification) => {
    if (n.channel === channel && n.payload === token) heard = true;
  };
  client.on('notification', hear);
  try {
    await client.query(`listen ${client.escapeIdentifier(channel)}`);
    await client.query('select pg_notify($1, $2)', [channel, token]);
    return heard;
  } catch {
    return false;
  } finally {
    client.off('notification', hear);
  }
}

const corked = new WeakSet<pg.Client>();

/**
 * Holds the connection's writes until the event loop's poll phase is over, so the statements
 * of every request that arrived in it leave in one write (pg corks around each statement's
 * messages too; corks nest).
 */
function corkUntilTurnEnds(client: pg.Client): void {
  if (corked.has(client)) return;
  const stream = client.connection.stream;
  corked.add(client);
  stream.cork();
  setImmediate(() => {
    corked.delete(client);
    stream.uncork();
  });
}

/** pg's private members that a row description sets (pg/lib/query.js and result.js, pinned). */
interface QueryInternals {
  name: string;
  callback: unknown;
  _accumulateRows: boolean;
  _checkForMultirow(): void;
  listenerCount(event: string): number;
  _result: { fields: pg.FieldDef[]; _parsers: unknown[]; _prebuiltEmptyResultObject: object };
}

interface RowShape {
  fields: pg.FieldDef[];
  parsers: unknown[];
  empty: object;
}

/**
 * A Query class that remembers, per prepared statement, what pg derives from its row
 * description. PostgreSQL describes the rows of every execution, and pg rebuilds its field
 * parsers and an empty row each time from a dictionary-mode object: a twentieth of a
 * GetDataSource's CPU on PostgreSQL. The description is compared field by field (name, type,
 * format) with the remembered one, so a statement whose rows change shape is described anew.
 */
function withKnownRowShapes(Query: typeof pg.Query): typeof pg.Query {
  const describe = (Query.prototype as unknown as Describing).handleRowDescription;
  const shapes = new Map<string, RowShape>();
  class KnownShapeQuery extends Query {
    handleRowDescription(msg: { fields: pg.FieldDef[] }): void {
      const self = this as unknown as QueryInternals;
      const known = shapes.get(self.name);
      if (known !== undefined && sameFields(known.fields, msg.fields)) {
        // What pg's own handleRowDescription sets, minus the rebuilding; a row is then a copy
        // of `empty`.
        self._checkForMultirow();
        self._accumulateRows = self.callback !== undefined || self.listenerCount('row') === 0;
        const r = self._result;
        r.fields = msg.fields;
        r._parsers = known.parsers;
        r._prebuiltEmptyResultObject = known.empty;
        return;
      }
      describe.call(this, msg);
      const r = self._result;
      // A plain object with the same members: pg's own is built from a dictionary-mode object,
      // and copying one of those for every row is the slow path.
      const empty: Record<string, null> = {};
      for (const name of Object.keys(r._prebuiltEmptyResultObject)) empty[name] = null;
      r._prebuiltEmptyResultObject = empty;
      shapes.set(self.name, { fields: msg.fields, parsers: r._parsers, empty });
    }
  }
  return KnownShapeQuery;
}

interface Describing {
  handleRowDescription(this: unknown, msg: { fields: pg.FieldDef[] }): void;
}

function sameFields(a: readonly pg.FieldDef[], b: readonly pg.FieldDef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.dataTypeID !== y.dataTypeID || x.format !== y.format) return false;
  }
  return true;
}
