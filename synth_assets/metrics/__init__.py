"""Pure statistics over DataFrames: no Dagster, no MLflow, usable on their own."""
