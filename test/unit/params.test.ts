import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../src/errors.js';
import { p } from '../../src/registry/params.js';

function fails(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('parameter coercion', () => {
  it('integers: decimal text within limits', () => {
    const spec = p.integer({ description: 'x', min: 1, max: 100 });
    assert.equal(spec.parse('PageSize', { value: '10' }), 10);
    fails(
      () => spec.parse('PageSize', { value: '0' }),
      'InvalidParameter.PageSize',
      /between 1 and 100/,
    );
    fails(() => spec.parse('PageSize', { value: '101' }), 'InvalidParameter.PageSize');
    fails(
      () => spec.parse('PageSize', { value: '1e2' }),
      'InvalidParameter.PageSize',
      /not an integer/,
    );
    fails(
      () => spec.parse('PageSize', { value: '99999999999999999999' }),
      'InvalidParameter.PageSize',
    );
    const id = p.integer({ description: 'id' });
    assert.equal(id.parse('Id', { value: '9007199254740991' }), Number.MAX_SAFE_INTEGER);
    fails(() => id.parse('Id', { value: '9007199254740993' }), 'InvalidParameter.Id');
  });

  it('booleans: true/false in any case', () => {
    const spec = p.boolean({ description: 'b' });
    assert.equal(spec.parse('B', { value: 'TRUE' }), true);
    assert.equal(spec.parse('B', { value: 'false' }), false);
    fails(() => spec.parse('B', { value: 'yes' }), 'InvalidParameter.B');
  });

  it('strings: length in characters, pattern, enum', () => {
    const spec = p.string({
      description: 's',
      maxLength: 3,
      pattern: /^[a-z中]+$/,
      patternHint: 'lower-case letters',
    });
    assert.equal(spec.parse('S', { value: '中中中' }), '中中中');
    fails(() => spec.parse('S', { value: 'abcd' }), 'InvalidParameter.S', /at most 3/);
    fails(() => spec.parse('S', { value: 'AB' }), 'InvalidParameter.S', /lower-case letters/);
    const e = p.string({ description: 'e', enum: ['Dev', 'Prod'], caseInsensitiveEnum: true });
    assert.equal(e.parse('EnvType', { value: 'dev' }), 'Dev');
    fails(() => e.parse('EnvType', { value: 'Test' }), 'InvalidParameter.EnvType', /Dev, Prod/);
  });

  it('JSON "shrink" lists, and pop-core style flattened items', () => {
    const ids = p.jsonList({ description: 'ids', items: 'integer', maxItems: 3 });
    assert.deepEqual(ids.parse('Ids', { value: '[1,"2"]' }), [1, 2]);
    assert.deepEqual(ids.parse('Ids', { items: ['5', '6'] }), [5, 6]);
    fails(() => ids.parse('Ids', { value: '[1,' }), 'InvalidParameter.Ids', /JSON array/);
    fails(() => ids.parse('Ids', { value: '{"a":1}' }), 'InvalidParameter.Ids');
    fails(() => ids.parse('Ids', { value: '[1,2,3,4]' }), 'InvalidParameter.Ids', /at most 3/);
    fails(() => ids.parse('Ids', { value: '["x"]' }), 'InvalidParameter.Ids', /item 1/);
    const types = p.commaList({ description: 'types' });
    assert.deepEqual(types.parse('Types', { value: 'mysql, postgresql,' }), [
      'mysql',
      'postgresql',
    ]);
  });

  it('JSON objects: never echo the text back (it may hold a password)', () => {
    const spec = p.jsonObject({ description: 'cp' });
    assert.deepEqual(spec.parse('ConnectionProperties', { value: '{"a":1}' }), { a: 1 });
    try {
      spec.parse('ConnectionProperties', { value: '{"password":"hunter2"' });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 'InvalidParameter.ConnectionProperties');
      assert.ok(!e.message.includes('hunter2'));
    }
    fails(
      () => spec.parse('ConnectionProperties', { value: '[1]' }),
      'InvalidParameter.ConnectionProperties',
      /object/,
    );
  });
});
