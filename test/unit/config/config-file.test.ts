import { describe, expect, it } from 'vitest';
import { parseFleetConfig, selectClusters } from '../../../src/config/config-file.js';
import { apiOptionsOf, metricsFileFor, worstVerdict } from '../../../src/api/fleet.js';

const env = { HOME: '/nonexistent', SHOP_PW: 's3cret', PG_PW: 'pgpw' };

const good = `
defaults:
  retries: 1
  chunkTime: 0.25
clusters:
  - name: shop
    primary: mariadb://checker@db1.example:3306/
    passwordEnv: SHOP_PW
    databases: [shop, billing]
    ignoreTables: "shop.tmp_*"
    options:
      retries: 3
      syncMethod: primary-lock
      hash: strong
  - name: pg
    primary: postgres://checker@pg1.example/app
    passwordEnv: PG_PW
    replicas:
      - postgres://checker@pg2.example:5433/app
    addresses:
      sub1: 10.0.0.9:5432
`;

describe('fleet config file', () => {
  it('reads clusters, defaults under per-cluster options, passwords from the named variable', () => {
    const c = parseFleetConfig(good, 'f.yaml', env);
    expect(c.clusters.map((x) => x.name)).toEqual(['shop', 'pg']);
    const [shop, pg] = c.clusters;
    expect(shop!.options).toEqual({ retries: 3, chunkTime: 0.25, syncMethod: 'primary-lock', hash: 'strong' });
    expect(shop!.filters).toEqual({ databases: ['shop', 'billing'], ignoreTables: ['shop.tmp_*'] });
    expect(shop!.primary.password).toBe('s3cret');
    expect(shop!.primary.passwordSource).toBe('env');
    expect(JSON.stringify(shop)).not.toContain('s3cret');
    expect(pg!.replicas.map((r) => r.label)).toEqual(['pg2.example:5433']);
    expect(pg!.replicas[0]!.password).toBe('pgpw');
    expect(pg!.addresses.get('sub1')).toEqual({ host: '10.0.0.9', port: 5432 });
    expect(c.warnings).toEqual([]);
  });

  it('reads the same from JSON, and clusters given as a mapping', () => {
    const c = parseFleetConfig(JSON.stringify({ clusters: { a: { primary: 'mysql://u@h:3307/' } } }), 'f.json', env);
    expect(c.clusters[0]!.name).toBe('a');
    expect(c.clusters[0]!.primary.label).toBe('h:3307');
  });

  it('warns about an inline password, without repeating it', () => {
    const c = parseFleetConfig('clusters:\n  - name: x\n    primary: mysql://u:hunter2@h/\n', 'f.yaml', env);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toMatch(/f\.yaml: cluster "x": primary: password written inline/);
    expect(c.warnings[0]).not.toContain('hunter2');
  });

  const bad: [string, string, RegExp][] = [
    ['unknown top key', 'cluster: []', /^f\.yaml: cluster: unknown key \(did you mean "clusters"\?\)/],
    ['no clusters', 'clusters: []', /^f\.yaml: clusters: expected a non-empty list/],
    ['missing name', 'clusters:\n  - primary: mysql://u@h/', /^f\.yaml: cluster "#1": name: every cluster needs a name/],
    ['missing primary', 'clusters:\n  - name: a', /^f\.yaml: cluster "a": primary: missing/],
    ['bad DSN', 'clusters:\n  - name: a\n    primary: redis://h', /^f\.yaml: cluster "a": primary: unsupported scheme "redis"/],
    ['unknown cluster key', 'clusters:\n  - name: a\n    primary: mysql://u@h/\n    replica: []', /cluster "a": replica: unknown key/],
    ['unknown option', 'clusters:\n  - name: a\n    primary: mysql://u@h/\n    options:\n      chunk_time: 1', /cluster "a": options\.chunk_time: unknown check option \(did you mean "chunkTime"\?\)/],
    ['bad option value', 'clusters:\n  - name: a\n    primary: mysql://u@h/\n    options:\n      concurrency: 0', /cluster "a": options\.concurrency: must be a whole number >= 1, got 0/],
    ['bad hash', 'defaults:\n  hash: md5\nclusters:\n  - name: a\n    primary: mysql://u@h/', /^f\.yaml: defaults\.hash: must be fast or strong/],
    ['bad sync method', 'defaults:\n  syncMethod: fast\nclusters:\n  - name: a\n    primary: mysql://u@h/', /^f\.yaml: defaults\.syncMethod: must be replica-until or primary-lock/],
    ['unset password variable', 'clusters:\n  - name: a\n    primary: mysql://u@h/\n    passwordEnv: NOPE', /cluster "a": passwordEnv: environment variable NOPE is not set/],
    ['family mismatch', 'clusters:\n  - name: a\n    primary: mysql://u@h/\n    replicas: [postgres://u@h2/]', /cluster "a": replicas\[0\]: a PostgreSQL replica of a MySQL\/MariaDB primary/],
    ['bad address', 'clusters:\n  - name: a\n    primary: postgres://u@h/\n    addresses:\n      s1: nohostport', /cluster "a": addresses\.s1: expected HOST:PORT/],
    ['duplicate names', 'clusters:\n  - name: a\n    primary: mysql://u@h/\n  - name: a\n    primary: mysql://u@h2/', /cluster "a": name: used by two clusters/],
    ['YAML syntax', 'clusters: [\n', /^f\.yaml: YAML: /],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects ${what} with one line naming file, cluster and key`, () => {
      let msg = '';
      try {
        parseFleetConfig(text, 'f.yaml', env);
      } catch (err) {
        msg = (err as Error & { oneLine(): string }).oneLine();
        expect((err as { kind: string }).kind).toBe('usage');
      }
      expect(msg).toMatch(re);
      expect(msg).not.toContain('\n');
    });
  }

  it('--cluster selects by name and names the choices when unknown', () => {
    const c = parseFleetConfig(good, 'f.yaml', env);
    expect(selectClusters(c, ['pg']).map((x) => x.name)).toEqual(['pg']);
    expect(selectClusters(c, []).map((x) => x.name)).toEqual(['shop', 'pg']);
    expect(() => selectClusters(c, ['nope'])).toThrow(/no cluster named "nope"; the file has: shop, pg/);
  });
});

describe('fleet helpers', () => {
  it('worst verdict wins: drift > incomplete > consistent', () => {
    expect(worstVerdict(['consistent', 'incomplete', 'consistent'])).toBe('incomplete');
    expect(worstVerdict(['incomplete', 'drift', 'consistent'])).toBe('drift');
    expect(worstVerdict(['consistent'])).toBe('consistent');
  });
  it('config options in seconds become API milliseconds', () => {
    expect(apiOptionsOf({ lagWait: 2, maxLag: 5, lockWaitTimeout: 0.5, retries: 0 })).toEqual({ lagWaitMs: 2000, maxLagSeconds: 5, lockWaitMs: 500, retries: 0 });
  });
  it('one metrics file per cluster when there are several', () => {
    expect(metricsFileFor('/m/syncpoint.prom', 'shop', true)).toBe('/m/syncpoint-shop.prom');
    expect(metricsFileFor('/m/syncpoint.prom', 'shop', false)).toBe('/m/syncpoint.prom');
  });
});
