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
  Query: typeof pg.Query,
): PipelinedLanes {
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
        corkUntilTurnEnds(client);
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
