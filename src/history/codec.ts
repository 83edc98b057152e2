/**
 * JSON for journal lines that must round-trip every key value a driver hands back: Buffers
 * (binary keys, MySQL BINARY/VARBINARY), bigints (MySQL BIGINT UNSIGNED with supportBigNumbers)
 * and non-finite numbers would otherwise come back as something else, and a resumed run would
 * then start its next chunk at the wrong key.
 */

const isBufferJson = (v: unknown): v is { type: 'Buffer'; data: number[] } =>
  typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);

function replacer(this: unknown, key: string, value: unknown): unknown {
  // Buffer.toJSON has run before the replacer sees the value: look at the raw holder value.
  const raw = (this as Record<string, unknown> | null)?.[key];
  if (Buffer.isBuffer(raw)) return { $b64: raw.toString('base64') };
  if (isBufferJson(value)) return { $b64: Buffer.from(value.data).toString('base64') };
  if (typeof value === 'bigint') return { $big: value.toString() };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o['$b64'] === 'string') return Buffer.from(o['$b64'], 'base64');
      if (typeof o['$big'] === 'string') return BigInt(o['$big']);
      if (typeof o['$num'] === 'string') return Number(o['$num']);
    }
  }
  return value;
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decodeJson<T = unknown>(text: string): T {
  return JSON.parse(text, reviver) as T;
}
