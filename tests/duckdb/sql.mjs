// Runs SQL statements in an in-memory DuckDB (the reference engine) and prints the last one's
// rows as tab-separated text, every value as DuckDB's VARCHAR cast of it.
//   node sql.mjs "STATEMENT; STATEMENT; ..."   (or the SQL on standard input when no argument)
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const sql = process.argv[2] ?? readFileSync(0, 'utf8');
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
try {
  const stmts = await c.extractStatements(sql);
  const n = stmts.count;
  for (let i = 0; i + 1 < n; ++i) await (await stmts.prepare(i)).run();
  const r = await (await stmts.prepare(n - 1)).runAndReadAll();
  for (const row of r.getRows()) console.log(row.map((v) => (v === null ? 'NULL' : String(v))).join('\t'));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}
