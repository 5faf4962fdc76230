"""Publishing: the MLflow contract (runs, registered generator, aliases) and the published zone."""
