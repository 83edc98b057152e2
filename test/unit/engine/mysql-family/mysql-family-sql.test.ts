import { describe, expect, it } from 'vitest';
import { boundaryCodec, checksumField, columnKind, rowStringMaxBytes } from '../../../../src/engine/mysql-family/mysql-family-column-kinds.js';
import {
  chunkChecksum,
  chunkPredicate,
  EMPTY_DIGEST,
  indexForKey,
  mysqlFamilySql,
  nextBoundary,
  parseBoundary,
  parseChecksum,
  parseCount,
  qualifiedName,
  quoteIdent,
  rowCount,
  fastRowString,
  keyExtent,
  RAW_LOB_MAX,
  rowString,
  fastStringMode,
  strongStringMode,
} from '../../../../src/engine/mysql-family/mysql-family-sql.js';
import { col, table } from './fixtures.js';

const text = (name: string, type = 'varchar(20)') => col(name, type, { charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' });

describe('identifier quoting', () => {
  it('doubles backticks and keeps any other character', () => {
    expect(quoteIdent('plain')).toBe('`plain`');
    expect(quoteIdent('we`ird')).toBe('`we``ird`');
    expect(quoteIdent('a.b c')).toBe('`a.b c`');
    expect(quoteIdent('ünï 表')).toBe('`ünï 表`');
    expect(quoteIdent('``')).toBe('``````');
  });
  it('qualifies schema and table separately', () => {
    expect(qualifiedName({ schema: 'my.db', name: 't`1' })).toBe('`my.db`.`t``1`');
  });
});

describe('chunk predicates', () => {
  const a = col('a', 'int(11)');
  const b = text('b');
  const c = col('c', 'bigint(20) unsigned');
  it('single integer column: lower < key <= upper as one BETWEEN lower + 1 AND upper, exact past 2^53', () => {
    expect(chunkPredicate([a], { lower: [5], upper: [10] })).toEqual({ sql: '`a` BETWEEN CAST(? AS SIGNED) AND CAST(? AS SIGNED)', params: ['6', 10] });
    expect(chunkPredicate([a], { lower: ['-9223372036854775808'], upper: ['-1'] }).params).toEqual(['-9223372036854775807', '-1']);
    expect(chunkPredicate([a], { lower: ['18446744073709551614'], upper: ['18446744073709551615'] }).params).toEqual(['18446744073709551615', '18446744073709551615']);
  });
  it('single non-integer column: lower < key <= upper with bound parameters', () => {
    const d = col('d', 'decimal(10,2)');
    expect(chunkPredicate([d], { lower: ['5.5'], upper: ['10'] })).toEqual({
      sql: '`d` > CAST(? AS DECIMAL(10,2)) AND `d` <= CAST(? AS DECIMAL(10,2))',
      params: ['5.5', '10'],
    });
  });
  it('open bounds', () => {
    expect(chunkPredicate([a], { lower: null, upper: [10] }).sql).toBe('`a` <= CAST(? AS SIGNED)');
    expect(chunkPredicate([a], { lower: [5], upper: null }).sql).toBe('`a` > CAST(? AS SIGNED)');
    expect(chunkPredicate([a], { lower: null, upper: null })).toEqual({ sql: '', params: [] });
  });
  it('composite keys expand like pt-table-checksum, not as row constructors', () => {
    const p = chunkPredicate([a, b, c], { lower: [1, '78', '9'], upper: null });
    expect(p.sql).toBe(
      '(`a` > CAST(? AS SIGNED) OR ' +
        '(`a` = CAST(? AS SIGNED) AND `b` > CONVERT(UNHEX(?) USING utf8mb4) COLLATE utf8mb4_unicode_ci) OR ' +
        '(`a` = CAST(? AS SIGNED) AND `b` = CONVERT(UNHEX(?) USING utf8mb4) COLLATE utf8mb4_unicode_ci AND `c` > CAST(? AS UNSIGNED)))',
    );
    expect(p.params).toEqual([1, 1, '78', 1, '78', '9']);
    expect(p.sql).not.toMatch(/\(`a`, `b`/);
  });
  it('composite upper bound is inclusive only on the last column', () => {
    const p = chunkPredicate([a, c], { lower: null, upper: [3, '4'] });
    expect(p.sql).toBe('(`a` < CAST(? AS SIGNED) OR (`a` = CAST(? AS SIGNED) AND `c` <= CAST(? AS UNSIGNED)))');
    expect(p.params).toEqual([3, 3, '4']);
  });
  it('rejects a bound with the wrong number of values', () => {
    expect(() => chunkPredicate([a, b], { lower: [1], upper: null })).toThrow(/1 values for a 2-column key/);
  });
});

describe('boundary codecs: values round-trip exactly and compare in the column order', () => {
  it('strings travel as hex and are rebuilt in their charset and collation', () => {
    expect(boundaryCodec(text('s'), '`s`')).toEqual({ select: 'HEX(`s`)', bind: 'CONVERT(UNHEX(?) USING utf8mb4) COLLATE utf8mb4_unicode_ci' });
    expect(boundaryCodec(col('s', 'varchar(10)', { charset: 'latin1', collation: 'latin1_bin' }), '`s`').bind).toBe(
      'CONVERT(UNHEX(?) USING latin1) COLLATE latin1_bin',
    );
  });
  it('binary strings travel as hex and compare as bytes', () => {
    expect(boundaryCodec(col('b', 'varbinary(16)'), '`b`')).toEqual({ select: 'HEX(`b`)', bind: 'UNHEX(?)' });
    expect(boundaryCodec(col('b', 'varchar(16)', { charset: 'binary' }), '`b`').bind).toBe('UNHEX(?)');
  });
  it('never inlines a charset or collation that is not a plain word', () => {
    expect(boundaryCodec(col('s', 'varchar(10)', { charset: 'utf8mb4; DROP', collation: 'x' }), '`s`').bind).toBe('UNHEX(?)');
  });
  it('integers and decimals compare as numbers, never as DOUBLE', () => {
    expect(boundaryCodec(col('i', 'bigint(20) unsigned'), '`i`').bind).toBe('CAST(? AS UNSIGNED)');
    expect(boundaryCodec(col('i', 'int(11)'), '`i`').bind).toBe('CAST(? AS SIGNED)');
    expect(boundaryCodec(col('d', 'decimal(30,10)'), '`d`').bind).toBe('CAST(? AS DECIMAL(30,10))');
    expect(boundaryCodec(col('d', 'decimal(12) unsigned'), '`d`').bind).toBe('CAST(? AS DECIMAL(12,0))');
  });
  it('ENUM and SET order by their numeric value', () => {
    expect(boundaryCodec(col('e', "enum('b','a')", { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }), '`e`')).toEqual({
      select: '`e` + 0',
      bind: 'CAST(? AS UNSIGNED)',
    });
  });
  it('temporal values are the server text, converted back on comparison', () => {
    expect(boundaryCodec(col('t', 'datetime(6)'), '`t`')).toEqual({ select: '`t`', bind: '?' });
    expect(boundaryCodec(col('t', 'timestamp(3)'), '`t`')).toEqual({ select: '`t`', bind: '?' });
  });
  it('FLOAT keys are selected widened to DOUBLE', () => {
    expect(boundaryCodec(col('f', 'float'), '`f`')).toEqual({ select: '`f` + 0e0', bind: '(? + 0e0)' });
  });
});

describe('row encoding', () => {
  it('classifies column types', () => {
    expect(columnKind(col('x', 'mediumint(8) unsigned'))).toBe('integer');
    expect(columnKind(col('x', 'longtext', { charset: 'utf8mb4' }))).toBe('long-text');
    expect(columnKind(col('x', 'varchar(3)', { charset: 'binary' }))).toBe('binary');
    expect(columnKind(col('x', 'point'))).toBe('spatial');
    expect(columnKind(col('x', 'inet6'))).toBe('other');
  });
  it('keeps NULL apart from empty and from the string NULL, binary-safe', () => {
    const f = checksumField(text('s'), '`s`');
    expect(f).toBe("IFNULL(CONCAT(LENGTH(CAST(`s` AS BINARY)),':',CAST(`s` AS BINARY)),'N')");
  });
  it('widens FLOAT to DOUBLE so drift beyond 6 digits shows', () => {
    expect(checksumField(col('f', 'float'), '`f`')).toBe("IFNULL(`f` + 0e0,'N'),','");
    expect(checksumField(col('d', 'double'), '`d`')).toBe("IFNULL(`d`,'N'),','");
  });
  it('BIT as a number, JSON as its text, spatial as SRID + hash of its WKB, TEXT/BLOB hashed on their own', () => {
    expect(checksumField(col('b', 'bit(5)'), '`b`')).toBe("IFNULL(`b` + 0,'N'),','");
    expect(checksumField(col('j', 'json'), '`j`')).toBe("IFNULL(SHA1(CAST(CAST(`j` AS CHAR) AS BINARY)),'N')");
    // Hashed without a CAST or CONCAT of the value itself: over max_allowed_packet those are NULL.
    expect(checksumField(col('g', 'geometry'), '`g`')).toBe("IFNULL(CONCAT(ST_SRID(`g`),':',SHA1(ST_AsBinary(`g`))),'N')");
    expect(checksumField(col('t', 'mediumtext', { charset: 'utf8mb4' }), '`t`')).toBe("IFNULL(SHA1(`t`),'N')");
    expect(checksumField(col('b', 'longblob'), '`b`')).toBe("IFNULL(SHA1(`b`),'N')");
    expect(fastRowString([col('id', 'int(11)'), col('g', 'geometry', { nullable: true })])).toBe(
      "CONCAT_WS(',', `id`, IFNULL(CONCAT(ST_SRID(`g`),':',CRC32(ST_AsBinary(`g`))),'N'))",
    );
  });
  it('numbers and temporal values are followed by a separator they cannot contain', () => {
    for (const t of ['int(11)', 'decimal(5,2)', 'datetime(6)', 'time', 'date', 'year(4)', 'timestamp']) {
      expect(checksumField(col('x', t), '`x`')).toBe("IFNULL(`x`,'N'),','");
    }
  });
  it('includes every column, generated ones too, in table order', () => {
    const s = rowString([col('a', 'int'), col('v', 'int', { generated: 'virtual' }), text('we`ird')]);
    expect(s.startsWith("CONCAT(IFNULL(`a`,'N'),','")).toBe(true);
    expect(s).toContain('`v`');
    expect(s).toContain('`we``ird`');
  });
});

describe('chunkChecksum', () => {
  const id = col('id', 'bigint(20) unsigned');
  const name = text('name');
  const t = table('orders', [id, name], [
    { name: 'PRIMARY', columns: ['id'], unique: true, primary: true, allNotNull: true },
    { name: 'uk_name', columns: ['name'], unique: true, primary: false, allNotNull: true },
  ]);
  it('strong: count and two 64-bit sums over a materialized per-row SHA1', () => {
    const q = chunkChecksum(t, t.columns, [id], { lower: ['10'], upper: ['20'] }, 'strong', Infinity);
    expect(q.sql).toBe(
      'SELECT COUNT(*) AS row_count, ' +
        'COALESCE(SUM((CRC32(SUBSTRING(h, 1, 4)) << 32) | CRC32(SUBSTRING(h, 5, 4))), 0) AS sum_hi, ' +
        'COALESCE(SUM((CRC32(SUBSTRING(h, 9, 4)) << 32) | CRC32(SUBSTRING(h, 13, 4))), 0) AS sum_lo ' +
        "FROM (SELECT UNHEX(SHA1(CONCAT(IFNULL(`id`,'N'),',', IFNULL(CONCAT(LENGTH(CAST(`name` AS BINARY)),':',CAST(`name` AS BINARY)),'N')))) AS h " +
        'FROM `shop`.`orders` FORCE INDEX (`PRIMARY`) WHERE `id` BETWEEN CAST(? AS UNSIGNED) AND CAST(? AS UNSIGNED) ' +
        'LIMIT 18446744073709551615) AS syncpoint_rows',
    );
    expect(q.params).toEqual(['11', '20']);
  });
  it('fast: count and a XOR of mixed CRC32s, in one pass with nothing materialized', () => {
    const q = chunkChecksum(t, t.columns, [id], { lower: ['10'], upper: ['20'] }, 'fast', Infinity);
    expect(q.sql).toBe(
      "SELECT COUNT(*) AS row_count, BIT_XOR(CRC32(CONCAT_WS(',', `id`, `name`)) * 2654435761) AS row_xor " +
        'FROM `shop`.`orders` FORCE INDEX (`PRIMARY`) WHERE `id` BETWEEN CAST(? AS UNSIGNED) AND CAST(? AS UNSIGNED)',
    );
    expect(q.params).toEqual(['11', '20']);
  });
  it('without a key, even when fast is asked: sums, never XORs (duplicate rows must not cancel out)', () => {
    for (const hash of ['fast', 'strong'] as const) {
      const q = chunkChecksum(t, t.columns, null, { lower: null, upper: null }, hash, Infinity);
      expect(q.sql).not.toMatch(/BIT_XOR/i);
      expect(q.sql.match(/SHA1\(CONCAT/g)).toHaveLength(1);
    }
  });
  it('whole table without a key: no WHERE, no index hint', () => {
    const q = chunkChecksum(t, t.columns, null, { lower: null, upper: null }, 'fast', Infinity);
    expect(q.sql).not.toContain('WHERE');
    expect(q.sql).not.toContain('FORCE INDEX');
    expect(q.params).toEqual([]);
  });
  it('forces the unique index whose columns are the key', () => {
    const q = chunkChecksum(t, t.columns, [name], { lower: ['41'], upper: null }, 'fast', Infinity);
    expect(q.sql).toContain('FORCE INDEX (`uk_name`) WHERE `name` > CONVERT(UNHEX(?) USING utf8mb4) COLLATE utf8mb4_unicode_ci');
  });
  it('no hint when no index matches the key columns', () => {
    expect(indexForKey(t, [name, id])).toBeNull();
    expect(chunkChecksum(t, t.columns, [name, id], { lower: ['41', '1'], upper: null }, 'fast', Infinity).sql).not.toContain('FORCE INDEX');
  });
});

describe('fastRowString', () => {
  it('every field; NULL as N for numbers and times; a length slot for every string but the anchor', () => {
    const s = fastRowString([col('id', 'int(11)'), col('b', 'bigint(20)', { nullable: true }), text('c'), col('e', 'decimal(12,2)', { nullable: true }), text('n', 'varchar(9)')]);
    expect(s).toBe("CONCAT_WS(',', `id`, IFNULL(`b`,'N'), `c`, IFNULL(`e`,'N'), `n`, LENGTH(`n`))");
  });
  it('the anchor is a NOT NULL string when there is one; a nullable string slot says N for NULL', () => {
    const s = fastRowString([col('id', 'int(11)'), text('a', 'varchar(9)'), { ...text('b'), nullable: true }]);
    expect(s).toBe("CONCAT_WS(',', `id`, `a`, `b`, IFNULL(LENGTH(`b`),'N'))");
    const nullableOnly = fastRowString([col('id', 'int(11)'), { ...text('a'), nullable: true }, { ...text('b'), nullable: true }]);
    expect(nullableOnly).toBe("CONCAT_WS(',', `id`, `a`, `b`, IFNULL(LENGTH(`b`),'N'))");
  });
  it('a lone nullable string keeps its slot (NULL and empty would both be an empty string)', () => {
    expect(fastRowString([{ ...text('a'), nullable: true }])).toBe("CONCAT_WS(',', `a`, IFNULL(LENGTH(`a`),'N'))");
    expect(fastRowString([text('a')])).toBe("CONCAT_WS(',', `a`)");
  });
  it('TEXT and BLOB go in raw as strings; MEDIUM/LONG values and JSON as their CRC32 (a row stays far below max_allowed_packet)', () => {
    const s = fastRowString([
      col('id', 'int(11)'),
      col('body', 'text', { charset: 'utf8mb4' }),
      col('bin', 'blob', { nullable: true }),
      col('big', 'longtext', { charset: 'utf8mb4', nullable: true }),
      col('doc', 'mediumblob'),
    ]);
    expect(s).toBe("CONCAT_WS(',', `id`, `body`, `bin`, IFNULL(CRC32(`big`),'N'), CRC32(`doc`), IFNULL(LENGTH(`bin`),'N'))");
  });
  it(`past ${RAW_LOB_MAX} TEXT/BLOB columns every one goes in as its CRC32`, () => {
    const many = Array.from({ length: RAW_LOB_MAX + 1 }, (_, i) => col(`t${i}`, 'text', { charset: 'utf8mb4' }));
    const s = fastRowString([col('id', 'int(11)'), ...many]);
    expect(s).not.toContain('LENGTH');
    expect(s.match(/CRC32\(`t\d+`\)/g)).toHaveLength(RAW_LOB_MAX + 1);
  });
  it('text goes in as bytes when the table mixes character sets (no conversion may merge two values)', () => {
    const one = fastRowString([text('a'), text('b')]);
    expect(one).not.toContain('CAST');
    const mixed = fastRowString([text('a'), col('b', 'varchar(9)', { charset: 'latin1', collation: 'latin1_swedish_ci' })]);
    expect(mixed).toBe("CONCAT_WS(',', CAST(`a` AS BINARY), CAST(`b` AS BINARY), LENGTH(`b`))");
    const withText = fastRowString([text('a'), col('b', 'text', { charset: 'latin1' })]);
    expect(withText).toBe("CONCAT_WS(',', CAST(`a` AS BINARY), CAST(`b` AS BINARY), LENGTH(`b`))");
  });
  it('FLOAT widened to DOUBLE, BIT as a number', () => {
    expect(fastRowString([col('f', 'float'), col('x', 'bit(3)', { nullable: true })])).toBe("CONCAT_WS(',', `f` + 0e0, IFNULL(`x` + 0,'N'))");
  });
  it('DOUBLE(M,D) widened too (it prints D decimals of a value an instant ALTER kept whole); a plain DOUBLE as it is', () => {
    expect(fastRowString([col('d', 'double(10,2)'), col('e', 'double')])).toBe("CONCAT_WS(',', `d` + 0e0, `e`)");
    expect(checksumField(col('d', 'double(10,2)'), '`d`')).toBe("IFNULL(`d` + 0e0,'N'),','");
  });
  it("ENUM and SET as their member's number (the error value 0 and a '' member print alike)", () => {
    const e = col('e', "enum('','a')", { charset: 'utf8mb4', nullable: true });
    expect(fastRowString([col('id', 'int(11)'), e, col('s', "set('','a')", { charset: 'utf8mb4' })])).toBe("CONCAT_WS(',', `id`, IFNULL(`e` + 0,'N'), `s` + 0)");
    expect(checksumField(e, '`e`')).toBe("IFNULL(`e` + 0,'N'),','");
  });
  it('a type without a charset of its own (UUID) with mixed text: its length slot measures what goes in', () => {
    const s = fastRowString([col('u', 'uuid', { nullable: true }), text('a'), col('b', 'varchar(9)', { charset: 'latin1' })]);
    expect(s).toBe("CONCAT_WS(',', CAST(`u` AS BINARY), CAST(`a` AS BINARY), CAST(`b` AS BINARY), IFNULL(LENGTH(CAST(`u` AS BINARY)),'N'), LENGTH(`b`))");
  });
});

describe('row strings within max_allowed_packet (over it CONCAT_WS is NULL and a row leaves the hash)', () => {
  const MB16 = 16 * 2 ** 20;
  const id = col('id', 'int(11)');
  const pk = [{ name: 'PRIMARY', columns: ['id'], unique: true, primary: true, allNotNull: true }];
  const texts = (n: number) => Array.from({ length: n }, (_, i) => col(`t${i}`, 'text', { charset: 'utf8mb4' }));

  it('the longest row string counts each string at its declared length in its widest characters', () => {
    expect(rowStringMaxBytes([col('v', 'varchar(100)', { charset: 'utf8mb4' })], 'fast', 'raw')).toBe(400 + 78);
    expect(rowStringMaxBytes([col('v', 'varchar(100)', { charset: 'latin1' })], 'fast', 'raw')).toBe(100 + 78);
    expect(rowStringMaxBytes([col('v', 'varbinary(100)')], 'fast', 'raw')).toBe(100 + 78);
    expect(rowStringMaxBytes([col('b', 'blob')], 'fast', 'raw')).toBe(65_535 + 78);
    expect(rowStringMaxBytes([col('b', 'blob')], 'fast', 'raw-hashed-lobs')).toBe(78);
    expect(rowStringMaxBytes([col('b', 'blob')], 'strong', 'raw')).toBe(78);
    // Without a declared length (a type this code does not know): no bound short of the server's.
    expect(rowStringMaxBytes([col('x', 'vector')], 'fast', 'raw')).toBeGreaterThan(2 ** 31);
    expect(rowStringMaxBytes([col('x', 'vector')], 'fast', 'hashed')).toBe(78);
    // Digits in a UTF-32 row string take 4 bytes each.
    expect(rowStringMaxBytes([id, col('v', 'varchar(10)', { charset: 'utf32' })], 'fast', 'raw')).toBe(2 * 78 * 4 + 40);
  });

  it(`16 MB (the default): up to ${RAW_LOB_MAX} TEXT/BLOB columns go in raw, as before`, () => {
    expect(fastStringMode([id, ...texts(RAW_LOB_MAX)], MB16)).toBe('raw');
    expect(fastStringMode([id, ...texts(RAW_LOB_MAX + 1)], MB16)).toBe('raw-hashed-lobs');
    expect(strongStringMode([id, col('v', 'varchar(16000)', { charset: 'utf8mb4' })], MB16)).toBe('raw');
    // The SQL itself: the same at 16 MB as with no limit at all, for both hashes.
    const t = table('mixed', [id, col('v', 'varchar(16000)', { charset: 'utf8mb4', nullable: true }), ...texts(3), col('b', 'blob', { nullable: true })], pk);
    for (const hash of ['fast', 'strong'] as const) {
      expect(chunkChecksum(t, t.columns, [id], { lower: ['1'], upper: ['9'] }, hash, MB16).sql).toBe(chunkChecksum(t, t.columns, [id], { lower: ['1'], upper: ['9'] }, hash, Infinity).sql);
    }
    expect(chunkChecksum(t, t.columns, [id], { lower: null, upper: null }, 'fast', MB16).sql).toContain("CONCAT_WS(',', `id`, `v`, `t0`, `t1`, `t2`, `b`, IFNULL(LENGTH(`v`),'N'), LENGTH(`t1`), LENGTH(`t2`), IFNULL(LENGTH(`b`),'N'))");
  });

  it('a smaller max_allowed_packet: TEXT/BLOB hashed where raw ones could not fit, then every string', () => {
    const two = [id, ...texts(2)];
    expect(fastStringMode(two, 2 ** 20)).toBe('raw');
    expect(fastStringMode(two, 64 * 1024)).toBe('raw-hashed-lobs');
    const wide = [id, col('v', 'varchar(16383)', { charset: 'utf8mb4' }), col('w', 'varchar(9)', { charset: 'utf8mb4', nullable: true }), ...texts(1)];
    expect(fastStringMode(wide, 64 * 1024)).toBe('hashed');
    const t = table('wide', wide, pk);
    const q = chunkChecksum(t, t.columns, [id], { lower: null, upper: null }, 'fast', 64 * 1024);
    // No raw string left, so no length slots: each string is its CRC32, NULL as N.
    expect(q.sql).toContain("CONCAT_WS(',', `id`, CRC32(`v`), IFNULL(CRC32(`w`),'N'), CRC32(`t0`))");
    expect(q.sql).not.toContain('LENGTH');
    // The same table at 16 MB: raw, as every other server of the run must agree.
    expect(chunkChecksum(t, t.columns, [id], { lower: null, upper: null }, 'fast', MB16).sql).toContain("CONCAT_WS(',', `id`, `v`, `w`, `t0`, IFNULL(LENGTH(`w`),'N'), LENGTH(`t0`))");
  });

  it('strong: strings go in as their SHA1 when raw ones could not fit', () => {
    const t = table('wide', [id, col('v', 'varchar(16383)', { charset: 'utf8mb4' })], pk);
    expect(strongStringMode(t.columns, 64 * 1024)).toBe('hashed');
    const q = chunkChecksum(t, t.columns, [id], { lower: null, upper: null }, 'strong', 64 * 1024);
    expect(q.sql).toContain("SHA1(CONCAT(IFNULL(`id`,'N'),',', IFNULL(SHA1(`v`),'N')))");
    expect(rowString(t.columns, 'raw')).toContain('LENGTH(CAST(`v` AS BINARY))');
  });

  it('a table whose rows could not fit even hashed is refused, naming the table and the limit', () => {
    const many = [id, ...Array.from({ length: 20 }, (_, i) => col(`n${i}`, 'decimal(65,30)'))];
    const t = table('many', many, pk);
    expect(() => chunkChecksum(t, t.columns, [id], { lower: null, upper: null }, 'fast', 1024)).toThrow(/`shop`\.`many`: .*1638 bytes, over max_allowed_packet \(1024\)/);
  });
});

describe('keyExtent', () => {
  const t = table('orders', [col('id', 'bigint(20) unsigned'), text('name')], []);
  it('MIN and MAX of a one-column integer key', () => {
    expect(keyExtent(t, [col('id', 'bigint(20) unsigned')])).toEqual({ sql: 'SELECT MIN(`id`) AS lo, MAX(`id`) AS hi FROM `shop`.`orders`', params: [] });
  });
  it('none for a text key or a composite key', () => {
    expect(keyExtent(t, [text('name')])).toBeNull();
    expect(keyExtent(t, [col('id', 'int(11)'), col('x', 'int(11)')])).toBeNull();
  });
  it('reads the extent exactly, null for an empty table', () => {
    expect(mysqlFamilySql.parseExtent({ lo: '-5', hi: '18446744073709551615' })).toEqual({ lo: -5n, hi: 18446744073709551615n });
    expect(mysqlFamilySql.parseExtent({ lo: 3, hi: 9 })).toEqual({ lo: 3n, hi: 9n });
    expect(mysqlFamilySql.parseExtent({ lo: null, hi: null })).toBeNull();
    expect(() => mysqlFamilySql.parseExtent({ lo: '9', hi: '3' })).toThrow(/key extent/);
  });
});

describe('parseChecksum / parseCount', () => {
  it('reads the fast digest as exact decimal text', () => {
    expect(parseChecksum({ row_count: '3', row_xor: '18446744073709551615' })).toEqual({ rows: 3, digest: 'x:18446744073709551615' });
    expect(parseChecksum({ row_count: 0, row_xor: 0n })).toEqual({ rows: 0, digest: 'x:0' });
  });
  it('reads count and the two sums as exact decimal text', () => {
    expect(parseChecksum({ row_count: '100000', sum_hi: '921374573901332514166398', sum_lo: '923980376826580121958021' })).toEqual({
      rows: 100000,
      digest: '921374573901332514166398:923980376826580121958021',
    });
  });
  it('an empty range has rows 0 and the fixed digest', () => {
    expect(parseChecksum({ row_count: '0', sum_hi: '0', sum_lo: '0' })).toEqual({ rows: 0, digest: EMPTY_DIGEST });
  });
  it('refuses anything that is not a plain non-negative integer', () => {
    expect(() => parseChecksum({ row_count: '1', sum_hi: '9.2e23', sum_lo: '0' })).toThrow();
    expect(() => parseCount({ row_count: '-1' })).toThrow();
    expect(parseCount({ row_count: 42 })).toBe(42);
  });
});

describe('nextBoundary', () => {
  const a = col('a', 'int(11)');
  const b = col('b', 'varbinary(8)');
  const t = table('pairs', [a, b], [{ name: 'PRIMARY', columns: ['a', 'b'], unique: true, primary: true, allNotNull: true }]);
  it('selects the key (strings as hex) after the previous boundary, offset inlined', () => {
    const q = nextBoundary(t, [a, b], [1, 'FF00'], 999);
    expect(q.sql).toBe(
      'SELECT `a` AS k0, HEX(`b`) AS k1 FROM `shop`.`pairs` FORCE INDEX (`PRIMARY`) ' +
        'WHERE (`a` > CAST(? AS SIGNED) OR (`a` = CAST(? AS SIGNED) AND `b` > UNHEX(?))) ORDER BY `a`, `b` LIMIT 1 OFFSET 999',
    );
    expect(q.params).toEqual([1, 1, 'FF00']);
  });
  it('from the start of the table', () => {
    expect(nextBoundary(t, [a, b], null, 0).sql).toBe('SELECT `a` AS k0, HEX(`b`) AS k1 FROM `shop`.`pairs` FORCE INDEX (`PRIMARY`) ORDER BY `a`, `b` LIMIT 1 OFFSET 0');
  });
  it('validates the offset', () => {
    expect(() => nextBoundary(t, [a, b], null, -1)).toThrow();
    expect(() => nextBoundary(t, [a, b], null, 1.5)).toThrow();
    expect(() => nextBoundary(t, [], null, 1)).toThrow();
  });
  it('parses the boundary row back into key values', () => {
    expect(parseBoundary({ k0: 7, k1: '00FF' }, [a, b])).toEqual([7, '00FF']);
    expect(() => parseBoundary({ k0: 7 }, [a, b])).toThrow(/key column b/);
  });
});

describe('rowCount and the dialect object', () => {
  it('counts the whole table', () => {
    expect(rowCount(table('t', []))).toEqual({ sql: 'SELECT COUNT(*) AS row_count FROM `shop`.`t`', params: [] });
  });
  it('exposes every builder', () => {
    expect(Object.keys(mysqlFamilySql).sort()).toEqual(
      ['chunkChecksum', 'keyExtent', 'nextBoundary', 'parseBoundary', 'parseChecksum', 'parseCount', 'parseExtent', 'qualifiedName', 'quoteIdent', 'rowCount', 'rows'].sort(),
    );
  });
});
