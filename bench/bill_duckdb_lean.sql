-- The lean reference for bench/bill_duckdb.sh: the core of frugal's groupings as a hand-written
-- DuckDB query, without the parts that make the generated one slower (no instance type parsed out
-- of the usage type by regular expression, DOUBLE sums instead of exact DECIMAL ones): GPU lines
-- by the catalog's families, AWS's purchase option rule, amortized cost per line item type, and
-- cost by (day, type, purchase), account, region, tag and resource, plus the bill's totals.
-- @TABLE@ and @FAMILIES@ are filled in by the script.
WITH l AS (
  SELECT CAST(line_item_usage_start_date AS DATE) AS day, product_instance_type AS itype,
    CASE WHEN COALESCE(savings_plan_savings_plan_a_r_n, '') <> '' THEN 'SavingsPlan'
         WHEN COALESCE(reservation_reservation_a_r_n, '') <> '' THEN 'Reserved'
         WHEN strpos(line_item_usage_type, 'Spot') > 0 THEN 'Spot' ELSE 'OnDemand' END AS purchase,
    line_item_usage_account_id AS account, product_region AS region, resource_tags_user_team AS tag,
    line_item_resource_id AS resource, line_item_unblended_cost AS cost,
    CASE line_item_line_item_type WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
      WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
      WHEN 'DiscountedUsage' THEN reservation_effective_cost ELSE line_item_unblended_cost END AS amortized,
    split_part(product_instance_type, '.', 1) IN (@FAMILIES@) AS gpu
  FROM @TABLE@
)
SELECT grouping(day, itype, purchase, account, region, tag, resource) AS grouping_mask,
  day, itype, purchase, account, region, tag, resource,
  SUM(CASE WHEN gpu THEN cost END) AS gpu_cost, SUM(CASE WHEN gpu THEN amortized END) AS gpu_amortized,
  COUNT(*) AS lines, SUM(cost) AS total_cost
FROM l
GROUP BY GROUPING SETS ((day, itype, purchase), (account), (region), (tag), (resource), ())
