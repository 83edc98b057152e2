import { describe, expect, it } from 'vitest';
import { classifyPgError, toSyncpointError } from '../../../../src/engine/postgres/postgres-errors.js';
import { SyncpointError } from '../../../../src/errors.js';

/** The shape node-postgres gives server errors: message + SQLSTATE in `code`. */
const serverError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });
const netError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifying errors', () => {
  it.each([
    ['28P01', 'config'],
    ['28000', 'config'],
    ['3D000', 'config'],
    ['42501', 'config'],
    ['42P01', 'config'],
    ['08006', 'connection'],
    ['08001', 'connection'],
    ['57P01', 'connection'],
    ['57P03', 'connection'],
    ['53300', 'connection'],
    ['55P03', 'timeout'],
    ['40001', 'timeout'],
    ['40P01', 'timeout'],
    ['57014', 'timeout'],
    ['22012', 'server'],
    ['XX000', 'server'],
  ])('SQLSTATE %s is %s', (code, kind) => {
    expect(classifyPgError(serverError(code, 'x'))).toBe(kind);
  });

  it('treats refused, reset and unreachable sockets and pg connection loss as connection errors', () => {
    expect(classifyPgError(netError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe('connection');
    expect(classifyPgError(netError('ETIMEDOUT', 'connect ETIMEDOUT'))).toBe('connection');
    expect(classifyPgError(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(classifyPgError(new Error('Client has encountered a connection error and is not queryable'))).toBe('connection');
  });

  it('treats TLS refusals and certificate failures as configuration', () => {
    expect(classifyPgError(new Error('The server does not support SSL connections'))).toBe('config');
    expect(classifyPgError(netError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'))).toBe('config');
    expect(classifyPgError(netError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))).toBe('config');
  });
});

describe('one-line errors', () => {
  it('names the server, keeps the cause and its SQLSTATE', () => {
    const cause = serverError('55P03', 'canceling statement due to lock timeout');
    const e = toSyncpointError(cause, 'db1:5432');
    expect(e).toBeInstanceOf(SyncpointError);
    expect(e.kind).toBe('timeout');
    expect(e.oneLine()).toBe('db1:5432: lock wait timed out: canceling statement due to lock timeout (SQLSTATE 55P03)');
    expect((e.cause as { code: string }).code).toBe('55P03');
  });

  it('says which privilege was missing', () => {
    const e = toSyncpointError(serverError('42501', 'permission denied for table acct'), 'db1:5432', { privilege: 'UPDATE on acct' });
    expect(e.kind).toBe('config');
    expect(e.message).toBe('insufficient privilege: permission denied for table acct; this needs UPDATE on acct (SQLSTATE 42501)');
  });

  it('reports failed authentication as configuration, on one line', () => {
    const e = toSyncpointError(serverError('28P01', 'password authentication failed for user "app"\nDETAIL: more'), 'db1:5432');
    expect(e.kind).toBe('config');
    expect(e.oneLine()).toBe('db1:5432: authentication failed: password authentication failed for user "app" (SQLSTATE 28P01)');
  });

  it('never repeats a password found in a connection string inside a message', () => {
    const e = toSyncpointError(new Error('could not use postgres://app:s3cret@db1:5432/x'), 'db1:5432');
    expect(e.oneLine()).not.toContain('s3cret');
  });

  it('says TLS when the server or its certificate was refused', () => {
    const e = toSyncpointError(netError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), 'db1:5432');
    expect(e.kind).toBe('config');
    expect(e.message).toBe('TLS: unable to verify the first certificate');
  });

  it('says connection failed, with the socket error code', () => {
    const e = toSyncpointError(netError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), '127.0.0.1:5432');
    expect(e.oneLine()).toBe('127.0.0.1:5432: connection failed: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('passes a SyncpointError through unchanged', () => {
    const original = new SyncpointError('usage', 'nope', 'x:1');
    expect(toSyncpointError(original, 'y:2')).toBe(original);
  });
});
