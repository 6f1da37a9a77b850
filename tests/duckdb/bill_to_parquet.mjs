// Writes a synthetic CSV bill (from `frugal bill synth`) as Parquet with DuckDB, an independent
// writer, in the shapes AWS Data Exports use, so frugal's Parquet reader is tested against files
// it did not write. Also answers DuckDB's own sums over the result (the reference figures).
//
//   node bill_to_parquet.mjs IN.csv OUT.parquet --shape cur2|focus|athena
//        [--compression snappy|zstd|gzip|uncompressed] [--dictionary on|off] [--version v1|v2]
//        [--money double|decimal] [--row-group-size N]
// Prints one JSON line: {"rows": N, "cost": "123.4567", "gpu_cost": ...} from DuckDB's SUMs.
//
// Shapes: cur2: CUR 2.0 (snake_case line_item_* columns, `product` and `resource_tags` as
// MAP(VARCHAR, VARCHAR), costs DOUBLE as AWS writes them); athena: legacy CUR with Athena column
// names, tags as their own columns; focus: FOCUS 1.2 (Tags as a MAP, costs DECIMAL(38,10) unless
// --money double). Input: CUR legacy CSV for cur2/athena, FOCUS CSV for focus.
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const [input, output] = args;
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const shape = opt('--shape', 'cur2');
const compression = opt('--compression', 'snappy');
const dictionary = opt('--dictionary', 'on');
const version = opt('--version', 'v1');
const money = opt('--money', shape === 'focus' ? 'decimal' : 'double');
const rowGroup = opt('--row-group-size', '122880');
if (!input || !output) {
  console.error('usage: node bill_to_parquet.mjs IN.csv OUT.parquet --shape cur2|focus|athena [...]');
  process.exit(2);
}

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const q = (s) => s.replace(/'/g, "''");
await c.run(`CREATE TABLE src AS SELECT * FROM read_csv('${q(input)}', header = true, all_varchar = true)`);
const money_t = money === 'decimal' ? 'DECIMAL(38,10)' : 'DOUBLE';
const cols = (await c.runAndReadAll('SELECT column_name FROM (DESCRIBE src)')).getRows().map((r) => r[0]);
// AWS's Athena names: every capital after the first letter starts a word (ARN -> a_r_n).
const athena = (n) => n.split(/[^A-Za-z0-9]+/).map((p) => p.replace(/(?<!^)([A-Z])/g, '_$1')).join('_').toLowerCase();
const isMoney = (n) => /Cost|Rate|Commitment|Fee/.test(n);
const isAmount = (n) => /UsageAmount|ConsumedQuantity/.test(n);
const isTime = (n) => /(Start|End)Date$|ChargePeriod(Start|End)$/.test(n);
let select;
if (shape === 'focus') {
  select = cols.map((n) => {
    const col = `"${n}"`;
    if (n === 'Tags') return `CAST(CAST(NULLIF(${col}, '') AS JSON) AS MAP(VARCHAR, VARCHAR)) AS "Tags"`;
    if (/Cost$/.test(n)) return `CAST(${col} AS ${money_t}) AS ${col}`;
    if (isAmount(n)) return `CAST(${col} AS DECIMAL(38,10)) AS ${col}`;
    if (isTime(n)) return `CAST(${col} AS TIMESTAMP) AS ${col}`;
    return col;
  });
} else {
  const tagCols = cols.filter((n) => n.startsWith('resourceTags/'));
  const productCols = cols.filter((n) => n.startsWith('product/'));
  select = [];
  for (const n of cols) {
    const col = `"${n}"`;
    if (shape === 'cur2' && (n.startsWith('resourceTags/') || n.startsWith('product/'))) continue;
    const name = athena(n.replace('/', '_'));
    if (isTime(n)) select.push(`CAST(${col} AS TIMESTAMP) AS ${name}`);
    else if (isAmount(n)) select.push(`CAST(NULLIF(${col}, '') AS DOUBLE) AS ${name}`);
    else if (isMoney(n)) select.push(`CAST(NULLIF(${col}, '') AS ${money_t}) AS ${name}`);
    else select.push(`${col} AS ${name}`);
  }
  if (shape === 'cur2') {
    // AWS's CUR 2.0: product/* and resourceTags/* folded into two maps; tag keys as "user_team".
    const kv = (list, key) =>
      list.length === 0 ? 'MAP {}' : `map_from_entries(list_filter([${list.map((n) => `struct_pack(k := '${key(n)}', v := "${n}")`).join(', ')}], x -> x.v IS NOT NULL AND x.v <> ''))`;
    select.push(`${kv(productCols, (n) => athena(n.slice('product/'.length)))} AS product`);
    select.push(`${kv(tagCols, (n) => n.slice('resourceTags/'.length).replace(':', '_'))} AS resource_tags`);
    // CUR 2.0 keeps product_instance_type as its own column too.
    if (productCols.includes('product/instanceType')) select.push(`"product/instanceType" AS product_instance_type`);
    if (productCols.includes('product/region')) select.push(`"product/region" AS product_region`);
  }
}
if (shape !== 'focus') {
  // The columns AWS's exports always have (CUR 2.0's schema is fixed; the legacy CUR's Athena
  // tables carry them once any line uses them): absent from the source CSV, they are null.
  const have = new Set(select.map((e) => e.split(' AS ').pop().replace(/"/g, '')));
  const fixed = {
    pricing_unit: 'VARCHAR', line_item_resource_id: 'VARCHAR', line_item_usage_type: 'VARCHAR',
    savings_plan_savings_plan_a_r_n: 'VARCHAR', savings_plan_savings_plan_effective_cost: 'DOUBLE',
    savings_plan_total_commitment_to_date: 'DOUBLE', savings_plan_used_commitment: 'DOUBLE',
    reservation_reservation_a_r_n: 'VARCHAR', reservation_effective_cost: 'DOUBLE',
    reservation_unused_amortized_upfront_fee_for_billing_period: 'DOUBLE', reservation_unused_recurring_fee: 'DOUBLE',
    reservation_amortized_upfront_fee_for_billing_period: 'DOUBLE',
  };
  for (const [name, type] of Object.entries(fixed)) if (!have.has(name)) select.push(`CAST(NULL AS ${type}) AS ${name}`);
}
if (shape === 'focus') {
  // FOCUS 1.2 columns the synthetic CSV lacks, null (the query reads ConsumedUnit).
  if (!cols.includes('ConsumedUnit')) select.push('CAST(NULL AS VARCHAR) AS "ConsumedUnit"');
}
const dict = dictionary === 'off' ? ', DICTIONARY_SIZE_LIMIT 0' : '';
await c.run(`COPY (SELECT ${select.join(', ')} FROM src) TO '${q(output)}' (FORMAT parquet, COMPRESSION ${compression}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE ${rowGroup}${dict})`);
const costCol = shape === 'focus' ? 'BilledCost' : 'line_item_unblended_cost';
const r = (await c.runAndReadAll(`SELECT count(*), CAST(SUM(CAST("${costCol}" AS DECIMAL(38,10))) AS VARCHAR) FROM read_parquet('${q(output)}')`)).getRows()[0];
console.log(JSON.stringify({ rows: Number(r[0]), cost: r[1] }));
