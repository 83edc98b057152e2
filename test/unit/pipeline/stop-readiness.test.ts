import { describe, expect, it } from 'vitest';
import { LONG_STATEMENT_MS, StatementWatch, statementHead, StopReadiness, WAITING_FOR_LOCK } from '../../../src/pipeline/sync/stop-readiness.js';
import { parseApplyThread } from '../../../src/engine/mysql-family/mysql-family-replica-status.js';

// Processlist rows of 'system user' threads captured on MariaDB 10.11 replicas.
const ALTER = parseApplyThread({ id: 18, state: 'copy to tmp table', statement: 'ALTER TABLE bench.big ADD COLUMN z23130 INT, ALGORITHM=COPY' });
const SLEEPY = parseApplyThread({ id: 36, state: 'User sleep', statement: 'UPDATE bench.sleepy SET v = v + 1 + SLEEP(IF(@@port = 27491, 8, 0))' });
// Row events carry the statement they came from (binlog_annotate_row_events): STOP comes between them.
const ROWS = parseApplyThread({ id: 41, state: 'Delete_rows_log_event::find_row()', statement: 'DELETE FROM bench.big WHERE id <= 2000000' });
const MYSQL_ROWS = parseApplyThread({ id: 7, state: 'Applying batch of row changes (delete)', statement: 'DELETE FROM t WHERE id < 10' });
const IDLE = parseApplyThread({ id: 18, state: 'Slave has read all relay log; waiting for more updates', statement: null });
const IO = parseApplyThread({ id: 6, state: 'Waiting for master to send event', statement: null });

describe('stop readiness: what a STOP on a replica would wait for', () => {
  it('reads a processlist row: id and elapsed time as numbers, empty state and statement as none', () => {
    expect(parseApplyThread({ id: '18', state: null, statement: '  ', elapsed_ms: null })).toEqual({ id: 18, state: '', statement: null, elapsedMs: null });
    expect(parseApplyThread({ id: 9, state: Buffer.from('User sleep'), statement: Buffer.from('DO 1'), elapsed_ms: '509.862' })).toEqual({ id: 9, state: 'User sleep', statement: 'DO 1', elapsedMs: 509.862 });
  });

  it('an idle replica, one applying row events, or a worker queued behind another is ready at once', () => {
    const queued = parseApplyThread({ id: 21, state: 'Waiting for prior transaction to commit', statement: 'UPDATE t SET v = 1' });
    expect(new StatementWatch().observe([IDLE, IO], 0)).toEqual({ ready: true, long: null });
    expect(new StatementWatch().observe([ROWS, IO], 0)).toEqual({ ready: true, long: null });
    expect(new StatementWatch().observe([MYSQL_ROWS, queued], 0)).toEqual({ ready: true, long: null });
  });

  it('a statement in progress at the first look is long after LONG_STATEMENT_MS, never let through before', () => {
    const w = new StatementWatch();
    expect(w.observe([ALTER, IO], 1_000)).toEqual({ ready: false, long: null });
    expect(w.observe([ALTER, SLEEPY], 1_000 + LONG_STATEMENT_MS - 1)).toEqual({ ready: false, long: null });
    expect(w.observe([ALTER, SLEEPY], 1_000 + LONG_STATEMENT_MS)).toEqual({ ready: false, long: { statement: ALTER.statement, forMs: LONG_STATEMENT_MS } });
    // The longest one is named.
    expect(w.observe([SLEEPY], 1_000 + 2 * LONG_STATEMENT_MS)).toEqual({ ready: false, long: { statement: SLEEPY.statement, forMs: LONG_STATEMENT_MS + 1 } });
    expect(w.observe([IDLE], 1_000 + 3 * LONG_STATEMENT_MS)).toEqual({ ready: true, long: null });
  });

  it('a busy statement-based replica, one short statement after another, is ready once none has been long for LONG_STATEMENT_MS', () => {
    const w = new StatementWatch();
    for (let i = 0; i * 50 <= LONG_STATEMENT_MS; i++) {
      const t = parseApplyThread({ id: 18, state: 'Updating', statement: `UPDATE t SET v = ${i} WHERE id = 1` });
      expect(w.observe([t], i * 50)).toEqual({ ready: i * 50 >= LONG_STATEMENT_MS, long: null });
    }
  });

  it('the same hot-row statement applied again and again is not one long statement where the server says when each began', () => {
    const w = new StatementWatch();
    const hot = (elapsed: number) => parseApplyThread({ id: 18, state: 'Updating', statement: 'UPDATE counters SET n = n + 1 WHERE id = 1', elapsed_ms: elapsed });
    for (let i = 0; i < 20; i++) expect(w.observe([hot(i % 2 ? 30 : 10)], i * 50).long).toBeNull();
    // Without the server's time it looks like one statement, the safe side: waited for.
    const blind = new StatementWatch();
    blind.observe([{ ...hot(0), elapsedMs: null }], 0);
    expect(blind.observe([{ ...hot(0), elapsedMs: null }], LONG_STATEMENT_MS).long?.forMs).toBe(LONG_STATEMENT_MS);
  });

  it('the next of two long statements in a row is waited for too, not taken for a short one', () => {
    const w = new StatementWatch();
    const second = parseApplyThread({ id: 18, state: 'copy to tmp table', statement: 'ALTER TABLE bench.other FORCE' });
    w.observe([ALTER], 0);
    expect(w.observe([ALTER], 3_000).long?.statement).toBe(ALTER.statement);
    expect(w.observe([second], 3_050)).toEqual({ ready: false, long: null });
    expect(w.observe([second], 3_000 + LONG_STATEMENT_MS - 1)).toEqual({ ready: false, long: null });
    expect(w.observe([second], 3_050 + LONG_STATEMENT_MS).long?.statement).toBe(second.statement);
  });

  it('a statement that ends and comes back is followed afresh', () => {
    const w = new StatementWatch();
    w.observe([SLEEPY], 0);
    w.observe([IDLE], 400);
    expect(w.observe([SLEEPY], 800).long).toBeNull();
    expect(w.observe([SLEEPY], 800 + LONG_STATEMENT_MS).long?.forMs).toBe(LONG_STATEMENT_MS);
  });

  it('names a statement by its first words only: no values, no password, no comment', () => {
    expect(statementHead(ALTER.statement!)).toBe('ALTER TABLE bench.big');
    expect(statementHead("/* gh-ost */ -- x\n  CREATE USER 'app'@'%' IDENTIFIED BY 'secret'")).toBe("CREATE USER 'app'@'%'");
    expect(statementHead('DROP TABLE `t` /* generated by server */')).toBe('DROP TABLE `t`');
    expect(statementHead("INSERT INTO creds(user,pw)VALUES('bob','hunter2')")).toBe('INSERT INTO creds');
    expect(statementHead("SET PASSWORD=PASSWORD('hunter2')")).toBe('SET PASSWORD');
    expect(statementHead('/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ TRIGGER t1')).toBe('CREATE DEFINER');
    expect(statementHead('/* only a comment */')).toBe('a statement');
    expect(statementHead(`ALTER TABLE ${'x'.repeat(200)}`)).toHaveLength(80);
  });

  it('a lock wait gets --lock-wait-timeout from when it is first seen, even after a long statement was waited for', () => {
    const r = new StopReadiness({ lockWaitMs: 1_000, syncTimeoutMs: 60_000 });
    const mdl = parseApplyThread({ id: 18, state: 'Waiting for table metadata lock', statement: ALTER.statement });
    expect(r.look('copy to tmp table', [ALTER], 0)).toBe('wait');
    expect(r.look('copy to tmp table', [ALTER], 2_000)).toBe('wait');
    // A brief metadata lock wait at the end of the ALTER, 2 s in: waited for, not a reason to leave.
    expect(r.look('Waiting for table metadata lock', [mdl], 2_050)).toBe('wait');
    expect(r.look('Slave has read all relay log; waiting for more updates', [IDLE], 2_110)).toBe('ready');
    // One that lasts leaves the replica out, naming the lock.
    expect(r.look('Waiting for table metadata lock', [mdl], 3_000)).toBe('wait');
    expect(r.look('Waiting for table metadata lock', [mdl], 4_000)).toEqual({ leaveOut: expect.stringMatching(/waited over 1s for a lock held on the replica \("Waiting for table metadata lock"\)/) });
  });

  it('a long statement gets --sync-timeout from the first look, then the replica is left out with the statement named', () => {
    const r = new StopReadiness({ lockWaitMs: 1_000, syncTimeoutMs: 3_000 });
    expect(r.look('copy to tmp table', [ALTER, IO], 100)).toBe('wait');
    expect(r.look('copy to tmp table', [ALTER, IO], 3_099)).toBe('wait');
    expect(r.look('copy to tmp table', [ALTER, IO], 3_100)).toEqual({
      leaveOut: 'its SQL thread has been applying one statement for over 3s ("ALTER TABLE bench.big"): stopping it would wait for the statement to end, with the other replicas held meanwhile, so it is left out (check it again once the statement is applied)',
    });
  });

  it('a replica not applying at all is ready (its caller says why it cannot be held)', () => {
    expect(new StopReadiness({ lockWaitMs: 1_000, syncTimeoutMs: 3_000 }).look(null, [], 0)).toBe('ready');
  });

  it('lock waits by their state', () => {
    expect(WAITING_FOR_LOCK.test('Waiting for table metadata lock')).toBe(true);
    expect(WAITING_FOR_LOCK.test('copy to tmp table')).toBe(false);
  });
});
