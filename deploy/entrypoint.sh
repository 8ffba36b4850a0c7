#!/bin/sh
# Every start: the data directories exist and DAGSTER_HOME holds the image's dagster.yaml.
set -eu
mkdir -p "$DAGSTER_HOME" "$PARTRISK_LANDING" "$(dirname "$PARTRISK_WAREHOUSE")" \
    "$(dirname "$PARTRISK_SERVING")" "$PARTRISK_QUALITY_DIR"
cp /opt/partrisk/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
exec "$@"
