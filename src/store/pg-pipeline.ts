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
import type pg from 'pg';

export interface PipelinedLanes {
  /** Runs the named prepared statement `name` (parsed once per connection). */
  query<R>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R & pg.QueryResultRow>>;
  end(): Promise<void>;
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
  } = {},
): PipelinedLanes {
  const corkTurns = opts.corkTurns ?? true;
  const Query = withKnownRowShapes(PgQuery);
  const lanes: Lane[] = Array.from({ length: count }, () => ({ client: undefined, inFlight: 0 }));
  // The lane of this turn's statements, set by the first and cleared when the turn ends.
  let turn: Lane | undefined;
  let ending = false;

  function open(lane: Lane): Promise<pg.Client> {
    const client = make();
    const opened: Promise<pg.Client> = client.connect().then(
      () => client,
      (e: unknown) => {
        if (lane.client === opened) lane.client = undefined;
        throw e;
      },
    );
    // A lost connection fails the statements in flight on it (as the pool does); the next
    // statement opens a new one. Without a listener the error would crash the process.
    const drop = () => {
      if (lane.client === opened) lane.client = undefined;
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

  return {
    async query<R>(name: string, text: string, values: unknown[]) {
      if (ending) throw new Error('The database connection is closed.');
      const lane = laneOfThisTurn();
      lane.inFlight++;
      try {
        const client = await (lane.client ?? open(lane));
        if (corkTurns) corkUntilTurnEnds(client);
        return await new Promise<pg.QueryResult<R & pg.QueryResultRow>>((resolve, reject) => {
          // A Query made from the text (not a config object, which pg copies property by
          // property on every call: a visible share of a call's CPU) and named afterwards.
          const query = new Query(text, values, (err: Error | undefined, res: pg.QueryResult) =>
            err ? reject(err) : resolve(res as pg.QueryResult<R & pg.QueryResultRow>),
          );
          (query as unknown as { name: string }).name = name;
          client.query(query);
        });
      } finally {
        lane.inFlight--;
      }
    },
    async end() {
      ending = true;
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
