// A short test report: one line per test file (passed, failed, skipped, time) and the details of
// failures only. `DSHUB_TEST_REPORTER=spec` (or tap) shows everything instead.
import { relative } from 'node:path';
import { inspect } from 'node:util';

export default async function* summary(source) {
  const files = new Map();
  const failures = [];
  const notices = [];
  // A suite declared by a helper (test/helpers) reports the helper as its file; its tests come
  // first and name the test file, so it belongs to the last test file seen.
  let lastTestFile = '(unknown file)';
  const stat = (file) => {
    let key = file ? relative(process.cwd(), file) : lastTestFile;
    if (key.endsWith('.test.ts')) lastTestFile = key;
    else key = lastTestFile;
    if (!files.has(key)) files.set(key, { pass: 0, fail: 0, skip: 0, ms: 0 });
    return [key, files.get(key)];
  };
  for await (const { type, data } of source) {
    if (type === 'test:pass' || type === 'test:fail') {
      const [key, s] = stat(data.file);
      const suite = data.details?.type === 'suite';
      if (data.nesting === 0) s.ms += data.details?.duration_ms ?? 0;
      if (type === 'test:fail') {
        const error = data.details?.error;
        // A suite fails because a test in it failed: that test is reported on its own.
        if (suite && error?.failureType === 'subtestsFailed') continue;
        s.fail++;
        failures.push({ key, name: data.name, error });
      } else if (!suite) {
        if (data.skip || data.todo) s.skip++;
        else s.pass++;
      }
    } else if (type === 'test:stdout' || type === 'test:stderr') {
      const text = String(data.message ?? '');
      if (/notice/i.test(text)) notices.push(text.trim());
    }
  }
  const width = Math.max(...[...files.keys()].map((k) => k.length), 10);
  let pass = 0;
  let fail = 0;
  let skip = 0;
  for (const [key, s] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    pass += s.pass;
    fail += s.fail;
    skip += s.skip;
    const mark = s.fail > 0 ? '✖' : '✔';
    yield `${mark} ${key.padEnd(width)}  ${String(s.pass).padStart(4)} passed  ${String(s.fail).padStart(3)} failed${s.skip ? `  ${s.skip} skipped` : ''}  ${(s.ms / 1000).toFixed(1)} s\n`;
  }
  for (const n of [...new Set(notices)]) yield `${n}\n`;
  for (const f of failures) {
    const err = f.error?.cause ?? f.error;
    yield `\n✖ ${f.key} › ${f.name}\n${inspect(err, { depth: 4 })
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
  }
  yield `\n${pass} passed, ${fail} failed${skip ? `, ${skip} skipped` : ''} in ${files.size} files\n`;
}
