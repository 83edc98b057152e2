/**
 * binlog-format: STATEMENT or MIXED logging on a server others replicate from (the primary, or a
 * replica with log_slave_updates: an intermediate, or the next primary after a failover), and
 * binlog_row_image differing between them.
 */
import { binlogSources, finding, variable } from '../facts.js';
import type { Finding, RiskRule } from '../types.js';

const ID = 'binlog-format';

export const binlogFormat: RiskRule = {
  id: ID,
  description: 'STATEMENT or MIXED binlog_format on the primary or an intermediate replica; binlog_row_image differing',
  engines: ['mysql-family'],
  run(ctx) {
    const out: Finding[] = [];
    const sources = binlogSources(ctx);
    for (const f of sources) {
      const fmt = (variable(f, 'binlog_format') ?? '').toUpperCase();
      const where = f.role === 'primary' ? 'the primary' : 'an intermediate replica (log_slave_updates=ON)';
      if (fmt === 'STATEMENT' || fmt === 'MIXED') {
        out.push(finding({
          rule: ID,
          severity: fmt === 'STATEMENT' ? 'warning' : 'info',
          server: f.label,
          object: 'binlog_format',
          evidence: `binlog_format=${fmt} on ${where}: replicas re-execute ${fmt === 'STATEMENT' ? 'every' : 'some'} statement text, so non-deterministic statements diverge`,
          remedy: 'SET GLOBAL binlog_format=ROW (and in the configuration; sessions pick it up when they reconnect)',
        }));
      }
    }
    const images = new Map<string, string[]>();
    for (const f of sources) {
      const img = (variable(f, 'binlog_row_image') ?? '').toUpperCase();
      if (img) images.set(img, [...(images.get(img) ?? []), f.label]);
    }
    if (images.size > 1) {
      const desc = [...images].map(([img, labels]) => `${img} on ${labels.join(', ')}`).join('; ');
      for (const f of sources) {
        const img = (variable(f, 'binlog_row_image') ?? '').toUpperCase();
        if (img === 'FULL') continue;
        out.push(finding({
          rule: ID,
          severity: 'warning',
          server: f.label,
          object: 'binlog_row_image',
          evidence: `binlog_row_image differs between servers that feed replicas: ${desc}`,
          remedy: 'use the same binlog_row_image everywhere (FULL unless every table has a primary key)',
        }));
      }
    }
    return out;
  },
};
