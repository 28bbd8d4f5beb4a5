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

describe('policy Resource and Condition (regression: both were accepted and ignored)', () => {
  const doc = (statement: Record<string, unknown>) =>
    compilePolicy('p', parsePolicyDocument(JSON.stringify({ Statement: [statement] })));
  const ws = (id: number) => `acs:dataworks:cn-hangzhou:1:workspace/${id}`;
  const ds = (id: number) => `acs:dataworks:cn-hangzhou:1:datasource/${id}`;

  it('an Allow naming one workspace allows only requests wholly inside it', () => {
    const p = [
      doc({ Effect: 'Allow', Action: 'dataworks:*', Resource: 'acs:dataworks:*:*:workspace/5' }),
    ];
    assert.equal(evaluatePolicies(p, 'dataworks:ListDataSources', { targets: [[ws(5)]] }), 'allow');
    assert.equal(
      evaluatePolicies(p, 'dataworks:ListDataSources', { targets: [[ws(6)]] }),
      'implicit-deny',
    );
    assert.equal(evaluatePolicies(p, 'dataworks:ListProjects', { targets: [] }), 'implicit-deny');
    assert.equal(
      evaluatePolicies(p, 'dataworks:CreateDataSourceSharedRule', { targets: [[ws(5)], [ws(6)]] }),
      'implicit-deny',
    );
    assert.equal(
      evaluatePolicies(p, 'dataworks:DeleteDataSourceSharedRule', {
        targets: [[ws(5)]],
        incomplete: true,
      }),
      'implicit-deny',
    );
    assert.equal(evaluatePolicies(p, 'dataworks:ListDataSources'), 'implicit-deny');
  });

  it('a Deny naming a data source denies when it is named, and when the request is unknown', () => {
    const p = [
      compileBuiltin('AliyunDataWorksFullAccess'),
      doc({ Effect: 'Deny', Action: 'dataworks:*', Resource: ['acs:dataworks:*:*:datasource/9'] }),
    ];
    assert.equal(
      evaluatePolicies(p, 'dataworks:GetDataSource', { targets: [[ds(9), ws(1)]] }),
      'deny',
    );
    assert.equal(evaluatePolicies(p, 'dataworks:GetDataSource', { targets: [[ds(8)]] }), 'allow');
    assert.equal(evaluatePolicies(p, 'dataworks:GetDataSource', { targets: [] }), 'deny');
  });

  it('IpAddress and NotIpAddress on acs:SourceIp, IPv4-mapped addresses included', () => {
    const allow = [
      doc({
        Effect: 'Allow',
        Action: 'dataworks:*',
        Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '127.0.0.1'] } },
      }),
    ];
    assert.equal(
      evaluatePolicies(allow, 'dataworks:GetProject', { targets: [], sourceIp: '10.1.2.3' }),
      'allow',
    );
    assert.equal(
      evaluatePolicies(allow, 'dataworks:GetProject', {
        targets: [],
        sourceIp: '::ffff:127.0.0.1',
      }),
      'allow',
    );
    assert.equal(
      evaluatePolicies(allow, 'dataworks:GetProject', { targets: [], sourceIp: '192.168.1.1' }),
      'implicit-deny',
    );
    assert.equal(evaluatePolicies(allow, 'dataworks:GetProject', { targets: [] }), 'implicit-deny');
    const deny = [
      compileBuiltin('AliyunDataWorksFullAccess'),
      doc({
        Effect: 'Deny',
        Action: 'dataworks:*',
        Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
      }),
    ];
    assert.equal(
      evaluatePolicies(deny, 'dataworks:GetProject', { targets: [], sourceIp: '10.9.9.9' }),
      'allow',
    );
    assert.equal(
      evaluatePolicies(deny, 'dataworks:GetProject', { targets: [], sourceIp: '11.0.0.1' }),
      'deny',
    );
  });

  for (const [what, statement, pattern] of [
    [
      'an unknown resource',
      { Effect: 'Allow', Action: '*', Resource: 'acs:oss:*:*:bucket/x' },
      /Resource cannot be evaluated/,
    ],
    [
      'a resource by name',
      { Effect: 'Allow', Action: '*', Resource: 'acs:dataworks:*:*:workspace/prod' },
      /Resource cannot be evaluated/,
    ],
    [
      'an unknown condition operator',
      { Effect: 'Allow', Action: '*', Condition: { StringEquals: { 'acs:UserAgent': 'x' } } },
      /StringEquals cannot be evaluated/,
    ],
    [
      'an unknown condition key',
      { Effect: 'Allow', Action: '*', Condition: { IpAddress: { 'acs:SecureTransport': 'true' } } },
      /acs:SecureTransport cannot be evaluated/,
    ],
    [
      'a bad network',
      { Effect: 'Allow', Action: '*', Condition: { IpAddress: { 'acs:SourceIp': '10.0.0/8' } } },
      /not an IP address/,
    ],
    [
      'NotAction',
      { Effect: 'Allow', NotAction: 'dataworks:Delete*', Action: '*' },
      /NotAction|Unrecognized/,
    ],
    ['Principal', { Effect: 'Allow', Action: '*', Principal: '*' }, /Principal|Unrecognized/],
  ] as const) {
    it(`refuses ${what} when the document is parsed (at attach time)`, () => {
      assert.throws(() => parsePolicyDocument(JSON.stringify({ Statement: [statement] })), pattern);
    });
  }
});
