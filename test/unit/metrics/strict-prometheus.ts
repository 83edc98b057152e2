/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it rejects what
 * Prometheus' own parser rejects (bad names, bad escapes, samples before their TYPE, a family
 * twice, duplicate series, unknown types) instead of guessing.
 */
export interface StrictSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface StrictFamily {
  readonly name: string;
  help: string | null;
  type: string | null;
  readonly samples: StrictSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(v: string, line: number): number {
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw new Error(`line ${line}: bad value ${JSON.stringify(v)}`);
  return Number(v);
}

function parseLabels(s: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`line ${line}: label without =`);
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      if (j >= s.length) throw new Error(`line ${line}: unterminated label value`);
      const c = s[j]!;
      if (c === '\\') {
        const n = s[j + 1];
        if (n === '\\') value += '\\';
        else if (n === '"') value += '"';
        else if (n === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${n}`);
        j += 2;
      } else if (c === '"') {
        j++;
        break;
      } else if (c === '\n') {
        throw new Error(`line ${line}: raw newline in label value`);
      } else {
        value += c;
        j++;
      }
    }
    if (name in out) throw new Error(`line ${line}: label ${name} twice`);
    out[name] = value;
    if (s[j] === ',') j++;
    else if (j !== s.length) throw new Error(`line ${line}: expected , or } after label ${name}`);
    i = j;
  }
  return out;
}

export function parseStrict(text: string): Map<string, StrictFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, StrictFamily>();
  const closed = new Set<string>();
  let current: string | null = null;
  const series = new Set<string>();
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      if (closed.has(name)) throw new Error(`line ${line}: family ${name} appears twice`);
      if (current !== name && current !== null) closed.add(current);
      current = name;
      const f = families.get(name) ?? { name, help: null, type: null, samples: [] };
      families.set(name, f);
      if (kind === 'HELP') {
        if (f.help !== null) throw new Error(`line ${line}: second HELP for ${name}`);
        f.help = rest;
      } else {
        if (f.type !== null) throw new Error(`line ${line}: second TYPE for ${name}`);
        if (f.samples.length) throw new Error(`line ${line}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        f.type = rest;
      }
      return;
    }
    if (raw.startsWith('#')) return;
    const m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`).exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${JSON.stringify(raw)}`);
    const name = m[1]!;
    const f = families.get(name);
    if (!f || f.type === null) throw new Error(`line ${line}: sample of ${name} before its TYPE`);
    if (current !== name) throw new Error(`line ${line}: sample of ${name} outside its family block`);
    const labels = m[2] ? parseLabels(m[2], line) : {};
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`line ${line}: duplicate series ${key}`);
    series.add(key);
    f.samples.push({ name, labels, value: parseValue(m[3]!, line) });
  });
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function valueOf(families: Map<string, StrictFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = (families.get(name)?.samples ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${hits.length} samples match`);
  return hits[0]?.value;
}
