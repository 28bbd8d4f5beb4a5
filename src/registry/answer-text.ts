/**
 * The body of a handler's answer: its RequestId, then the answer's members. An answer a handler
 * serves again unchanged (made from what the store kept, store/unchanged-reads.ts) is marked
 * with `servedAgain`: it is frozen and its members serialised and encoded once, where every
 * other answer is serialised per call. For GetDataSource that serialisation was the largest
 * single cost in the pipeline after the statement (≈ 4.5 µs of a 106 µs call, a 13-field record
 * with its ConnectionProperties). Kept as bytes, a large answer (a ListDataSources page of 20
 * names, about 20 KB) is also not joined to its RequestId, measured and encoded again per call:
 * its bytes follow the head in the same write.
 */

/** A success body: `head`, then, for an answer served again, the bytes kept with it. */
export interface AnswerBody {
  head: string;
  tail: Buffer | undefined;
}

/** Answers served again: their members after the RequestId (`,"A":…}`), encoded. */
const tails = new WeakMap<object, Buffer>();

/** Marks `answer` as served again unchanged: frozen, its members encoded now. */
export function servedAgain<T extends object>(answer: T): T {
  const text = JSON.stringify(Object.freeze(answer));
  if (text !== '{}') tails.set(answer, Buffer.from(`,${text.slice(1)}`));
  return answer;
}

export function answerBody(requestId: string, answer: object): AnswerBody {
  const head = `{"RequestId":"${requestId}"`;
  const tail = tails.get(answer);
  if (tail !== undefined) return { head, tail };
  const text = JSON.stringify(answer);
  return { head: text === '{}' ? `${head}}` : `${head},${text.slice(1)}`, tail: undefined };
}

/**
 * Answers made from values that are served again unchanged (what the store kept, `KeptValue`; a
 * principal the authenticator cached): each made and marked `servedAgain` the first time, then
 * the same answer for as long as its value lives.
 */
export function keptAnswers<S extends object, A extends object>(
  make: (source: S) => A,
): (source: S) => A {
  const made = new WeakMap<S, A>();
  return (source) => {
    let answer = made.get(source);
    if (!answer) {
      answer = servedAgain(make(source));
      made.set(source, answer);
    }
    return answer;
  };
}
