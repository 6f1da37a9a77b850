// Times one query in DuckDB (the reference engine of bench/bill_duckdb.sh): `SET threads = N`,
// then `CREATE TEMP TABLE result AS <query>`, timed in-process (Node's start-up and DuckDB's
// instance creation excluded; the result stays in DuckDB, so turning rows into JavaScript values
// is not timed). Prints {"seconds": s, "lines": n, "total_cost": "...", "gpu_cost": "..."} from the
// query's totals row (the grouping set (), where every key is aggregated: the largest GROUPING()
// mask).
//   node bench_query.mjs QUERY.sql THREADS
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';

const sql = readFileSync(process.argv[2], 'utf8').replace(/^--.*$/gm, '');
const threads = Number(process.argv[3] ?? 1);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`SET threads = ${threads}`);
const t0 = process.hrtime.bigint();
await c.run(`CREATE TEMP TABLE result AS ${sql}`);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const r = await c.runAndReadAll(
  'SELECT CAST(lines AS VARCHAR), CAST(total_cost AS VARCHAR), CAST(gpu_cost AS VARCHAR) FROM result WHERE grouping_mask = (SELECT max(grouping_mask) FROM result)');
const [lines, total_cost, gpu_cost] = r.getRows()[0];
console.log(JSON.stringify({ seconds, lines: Number(lines), total_cost, gpu_cost }));
