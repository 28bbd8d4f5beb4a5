/**
 * A handler's result type is inferred from its declared response (src/registry/schema.ts,
 * src/registry/operation.ts). The `@ts-expect-error` lines are the proof: `npm run typecheck`
 * (which covers test/) fails if any of those wrong handlers stops being a compile error. The
 * run-time part checks that the typed builders emit the same JSON Schema as before.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defineOperation } from '../../src/operations/context.js';
import type { InferResponse } from '../../src/registry/operation.js';
import { type Infer, s } from '../../src/registry/schema.js';

const response = {
  Status: s.string('Active or Inactive.', { enum: ['Active', 'Inactive'] }),
  Items: s.array(s.optional(s.object({ Id: s.integer(), Note: s.string() }), ['Note'])),
  Extra: s.any('Anything.'),
  Marker: s.string('Present only sometimes.'),
};

/** Everything a declaration needs besides its handler. */
const declaration = {
  action: 'TypeProbe',
  summary: 'A declaration for the type tests.',
  method: 'GET',
  params: {},
  response,
  optionalResponse: ['Marker'],
  access: 'any-caller',
  audit: false,
} as const;

type Answer = InferResponse<typeof response, ['Marker']>;
const answer: Answer = { Status: 'Active', Items: [{ Id: 1 }], Extra: { any: 'thing' } };

it('a handler answering exactly the declared members compiles', () => {
  const ok = [
    defineOperation({ ...declaration, handler: async () => answer }),
    defineOperation({
      ...declaration,
      async handler() {
        const items = [1, 2].map((Id) => ({ Id, Note: `n${Id}` }));
        return { Status: 'Inactive', Items: items, Extra: null, Marker: 'm' };
      },
    }),
  ];
  assert.equal(ok.length, 2);
});

it('a handler answering a member not declared, missing one or of another type does not compile', () => {
  const wrong = [
    defineOperation({
      ...declaration,
      // @ts-expect-error Surplus is not declared
      handler: async () => ({ ...answer, Surplus: 1 }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error Items[].Size is not declared
      handler: async () => ({ ...answer, Items: [{ Id: 1, Size: 2 }] }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error Status is required
      handler: async () => ({ Items: [], Extra: 1 }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error Items[].Id is required
      handler: async () => ({ ...answer, Items: [{ Note: 'n' }] }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error Status is not one of the declared enum members
      handler: async () => ({ ...answer, Status: 'Deleted' }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error Items[].Id is an integer, not a string
      handler: async () => ({ ...answer, Items: [{ Id: '1' }] }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error Marker is a string
      handler: async () => ({ ...answer, Marker: 3 }),
    }),
    defineOperation({
      ...declaration,
      // @ts-expect-error optionalResponse names only declared members
      optionalResponse: ['Elsewhere'],
      handler: async () => answer,
    }),
  ];
  assert.equal(wrong.length, 8);
});

it('the typed builders emit the same JSON Schema as the untyped ones did', () => {
  const status: Infer<typeof response.Status> = 'Active';
  assert.equal(status, 'Active');
  assert.deepEqual(JSON.parse(JSON.stringify(response)), {
    Status: { type: 'string', description: 'Active or Inactive.', enum: ['Active', 'Inactive'] },
    Items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { Id: { type: 'integer' }, Note: { type: 'string' } },
        required: ['Id'],
      },
    },
    Extra: { description: 'Anything.' },
    Marker: { type: 'string', description: 'Present only sometimes.' },
  });
});
