// Times one query in DuckDB (the reference engine of bench/bill_duckdb.sh): `SET threads = N`,
// then the query, timed in-process (Node's start-up and DuckDB's instance creation excluded).
// Prints {"seconds": s, "lines": n, "total_cost": "...", "gpu_cost": "..."} from the query's
// totals row (the grouping set (), where every key is aggregated).
//   node bench_query.mjs QUERY.sql THREADS
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const sql = readFileSync(process.argv[2], 'utf8');
const threads = Number(process.argv[3] ?? 1);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`SET threads = ${threads}`);
const t0 = process.hrtime.bigint();
const r = await c.runAndReadAll(sql);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const names = r.columnNames();
const at = (row, n) => row[names.indexOf(n)];
const totals = r.getRows().find((row) => Number(at(row, 'grouping_mask')) === 255);
console.log(JSON.stringify({ seconds, lines: Number(at(totals, 'lines')), total_cost: String(at(totals, 'total_cost')), gpu_cost: String(at(totals, 'gpu_cost')) }));
