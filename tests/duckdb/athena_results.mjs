// Runs `frugal bill --print-sql --sql-dialect duckdb` output in DuckDB (the reference engine) and
// prints the rows as moto's Athena result payload (POST /moto-api/static/athena/query-results):
// the header row first, as Athena answers a SELECT, every value as text, NULL as an empty Datum.
//   node athena_results.mjs QUERY.sql > results.json
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const sql = readFileSync(process.argv[2], 'utf8');
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const r = await c.runAndReadAll(sql);
const names = r.columnNames();
const cell = (v) => (v === null || v === undefined ? {} : { VarCharValue: String(v) });
const rows = [{ Data: names.map((n) => ({ VarCharValue: n })) }];
for (const row of r.getRows()) rows.push({ Data: row.map(cell) });
console.log(JSON.stringify({ results: [{ rows, column_info: names.map((n) => ({ Name: n, Type: 'varchar' })) }] }));
