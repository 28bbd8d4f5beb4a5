/**
 * The JSON text of a handler's answer. An answer a handler serves again unchanged (GetDataSource
 * from rows the store kept, store/unchanged-reads.ts) is marked with `servedAgain`: it is frozen
 * and its text made once, where every other answer is serialised per call. For GetDataSource
 * that serialisation was the largest single cost in the pipeline after the statement (≈ 4.5 µs
 * of a 106 µs call, a 13-field record with its ConnectionProperties).
 */
const texts = new WeakMap<object, string>();

/** Marks `answer` as served again unchanged: frozen, its JSON text made now. */
export function servedAgain<T extends object>(answer: T): T {
  texts.set(answer, JSON.stringify(Object.freeze(answer)));
  return answer;
}

export function answerText(answer: object): string {
  return texts.get(answer) ?? JSON.stringify(answer);
}

/**
 * An answer made from a value the store kept (`KeptValue`): made and marked `servedAgain` the
 * first time, then the same answer for as long as the store serves the same value.
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
