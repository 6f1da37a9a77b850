#!/usr/bin/env python3
"""Copies the regional price material of ../shared/data/catalog/regions/ into data/catalog/regions/.

A development-time import (users never run it): it keeps every figure as published, drops rows
frugal never reads (non-Linux OS, GovCloud), and adds a source and as_of column to every row. The
catalog itself applies the rules (standard AZs only, artefacts are unknown): see src/catalog/prices.cpp.
Usage: scripts/import-regional-prices.py ../shared/data/catalog/regions data/catalog/regions
"""
import csv
import sys

src, dst = sys.argv[1], sys.argv[2]

VANTAGE = "ec2instances.info (vantage-sh/ec2instances.info, MIT) snapshot via tsaol/aws-gpu data/gpu_instances_raw.json @2d0108c7"
SKY = "skypilot-org/skypilot-catalog catalogs/v9/aws/vms.csv @2c3d7ea7 (Apache-2.0)"

ri_cols = [f"ri_yrTerm{t}{c}.{p}" for c in ("Standard", "Convertible") for t in (1, 3)
           for p in ("noUpfront", "partialUpfront", "allUpfront")]
with open(f"{src}/vantage_accel_pricing_by_region_2025-11-30.csv") as f, \
        open(f"{dst}/ec2_region_prices.csv", "w", newline="") as o:
    w = csv.writer(o)
    out_ri = [c.replace("ri_yrTerm", "ri_").replace(".", "_") for c in ri_cols]
    w.writerow(["instance_type", "region", "region_kind", "on_demand", "spot_min", "spot_avg", "spot_max",
                "spot_interruption"] + out_ri + ["as_of", "source"])
    for r in csv.DictReader(f):
        if r["os"] != "linux" or r["region_kind"] == "govcloud":
            continue
        w.writerow([r["instance_type"], r["region"], r["region_kind"], r["ondemand_usd_hr"], r["spot_min"],
                    r["spot_avg"], r["spot_max"], r["spot_pct_interrupt"]] + [r[c] for c in ri_cols] +
                   ["2025-11-30", VANTAGE])

with open(f"{src}/skypilot_v9_aws_vms_accel_subset_clean.csv") as f, \
        open(f"{dst}/spot_by_az.csv", "w", newline="") as o:
    w = csv.writer(o)
    w.writerow(["instance_type", "region", "availability_zone_id", "zone_kind", "on_demand", "spot", "as_of", "source"])
    for r in csv.DictReader(f):
        w.writerow([r["instance_type"], r["region"], r["availability_zone_id"], r["zone_kind"], r["ondemand_usd_hr"],
                    r["spot_usd_hr"], "undated, after the June 2025 GPU price cut", SKY])

with open(f"{src}/capacity_blocks_pricing_snapshot_2024Q4.csv") as f, \
        open(f"{dst}/capacity_blocks.csv", "w", newline="") as o:
    w = csv.writer(o)
    w.writerow(["instance_type", "region", "usd_per_hour", "usd_per_accelerator_hour", "accelerators", "note",
                "as_of", "source"])
    for r in csv.DictReader(f):
        t = r["instance_type_as_printed"] or r["instance_type_normalized"].split(" ")[0]
        w.writerow([t, r["region_code_mapped"], r["effective_instance_usd_hr"], r["effective_accelerator_usd_hr"],
                    r["accelerators"], r["note"], "late 2024 (page: prices to be updated 2025-01-01)",
                    "stored copy of aws.amazon.com/ec2/capacityblocks/pricing/"])
