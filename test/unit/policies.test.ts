import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileBuiltin,
  compilePolicy,
  evaluatePolicies,
  parsePolicyDocument,
} from '../../src/identity/policies.js';

describe('RAM-style policies', () => {
  it('built-in full and read-only access', () => {
    const full = [compileBuiltin('AliyunDataWorksFullAccess')];
    const ro = [compileBuiltin('AliyunDataWorksReadOnlyAccess')];
    assert.equal(evaluatePolicies(full, 'dataworks:DeleteDataSource'), 'allow');
    assert.equal(evaluatePolicies(ro, 'dataworks:ListDataSources'), 'allow');
    assert.equal(evaluatePolicies(ro, 'dataworks:GetProject'), 'allow');
    assert.equal(evaluatePolicies(ro, 'dataworks:CreateDataSource'), 'implicit-deny');
    assert.equal(evaluatePolicies(ro, 'dataworks:ResolveDataSource'), 'implicit-deny');
    assert.equal(evaluatePolicies([], 'dataworks:GetProject'), 'implicit-deny');
  });

  it('wildcards are case-insensitive and an explicit Deny wins', () => {
    const deny = compilePolicy(
      'no-delete',
      parsePolicyDocument('{"Statement":[{"Effect":"Deny","Action":["dataworks:Delete*"]}]}'),
    );
    const policies = [compileBuiltin('AliyunDataWorksFullAccess'), deny];
    assert.equal(evaluatePolicies(policies, 'dataworks:DeleteProject'), 'deny');
    assert.equal(evaluatePolicies(policies, 'DATAWORKS:deleteproject'), 'deny');
    assert.equal(evaluatePolicies(policies, 'dataworks:CreateProject'), 'allow');
    const q = compilePolicy(
      'q',
      parsePolicyDocument('{"Statement":[{"Effect":"Allow","Action":"dataworks:Get?roject"}]}'),
    );
    assert.equal(evaluatePolicies([q], 'dataworks:GetProject'), 'allow');
    assert.equal(evaluatePolicies([q], 'dataworks:GetProjectMember'), 'implicit-deny');
  });

  it('rejects malformed documents with a message saying what is wrong', () => {
    assert.throws(() => parsePolicyDocument('not json'), /not valid JSON/);
    assert.throws(() => parsePolicyDocument('{"Statement":[]}'), /Statement/);
    assert.throws(
      () => parsePolicyDocument('{"Statement":[{"Effect":"Maybe","Action":"x"}]}'),
      /Effect/,
    );
  });
});
